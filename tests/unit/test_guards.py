"""Guards the submit loop relies on, each proven without a browser: what is redacted, what is a
secret, what the journal keeps of a submission still on its way, and the order's claim."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from playwright.async_api import Browser, BrowserContext

from agent.flow.cookies import register_cookie_values, watch_cookies
from agent.flow.journal import Intent, Journal, site_key
from agent.flow.run import run_order
from agent.flow.settings import RunOptions, RunSettings, Runtime
from agent.outcome import Outcome, Status, TimelineEntry
from agent.redaction import REDACTED, add_secret, redact_text
from agent.request import build_request
from agent.session import Credentials

SECRET = "s3cret-session-value-42"


def test_an_outcome_redacts_its_message_request_and_timeline() -> None:
    """A secret the site echoed never stays in an outcome's message, request or timeline."""
    add_secret(SECRET)
    outcome = Outcome(
        status=Status.GAVE_UP,
        order_id="1001",
        message=f"the site said {SECRET}",
        hint=f"hint {SECRET}",
        last_answer=f"busy {SECRET}",
        request={"order_id": "1001", "message": f"note {SECRET}"},
        timeline=(TimelineEntry(n=1, kind="attempt", name="attempt 1", detail=f"busy {SECRET}"),),
    )
    text = str(outcome.to_json())
    assert SECRET not in text
    assert outcome.message == f"the site said {REDACTED}"
    assert outcome.request["message"] == f"note {REDACTED}"
    assert outcome.timeline[0].detail == f"busy {REDACTED}"


def test_credentials_register_their_password_as_it_is_used() -> None:
    """Reading the password (to type it, to refuse it in a chat) registers it as a secret: the
    one place it happens."""
    credentials = Credentials("demo", "pa55word-never-shown")
    assert credentials.password == "pa55word-never-shown"
    assert redact_text("typed pa55word-never-shown") == f"typed {REDACTED}"


class _Context:
    """A look-alike browser context: its cookies, and its response listeners."""

    def __init__(self, cookies: list[dict[str, str]]) -> None:
        self._cookies = cookies
        self.listeners: list[Any] = []

    async def cookies(self) -> list[dict[str, str]]:
        return self._cookies

    def on(self, event: str, handler: Any) -> None:
        assert event == "response"
        self.listeners.append(handler)


def test_the_contexts_cookies_are_registered_as_secrets() -> None:
    """Every session cookie the context holds, and each one a response sets, becomes a secret."""
    context = _Context([{"name": "session", "value": "cookie-value-xyz"}])
    asyncio.run(register_cookie_values(cast(BrowserContext, context)))
    assert redact_text("echo cookie-value-xyz") == f"echo {REDACTED}"
    watch_cookies(cast(BrowserContext, context))
    [handler] = context.listeners

    async def set_cookie(name: str) -> list[str]:
        return ["sid=set-by-a-response-123; Path=/; HttpOnly"]

    asyncio.run(handler(SimpleNamespace(header_values=set_cookie)))
    assert redact_text("set-by-a-response-123") == REDACTED


def test_an_abandoned_submission_may_show_until_its_answer_could_have_come() -> None:
    """The next run waits for a submission left without an answer: the answer timeout from its
    click (or from when its wait was abandoned), then the time a dispute takes to show."""
    clicked = Intent(1, "s", "o", "r", 1, 1000.0, None, None)
    assert clicked.may_show_until(answer_s=30, shows_within_s=3) == 1033.0
    abandoned = Intent(1, "s", "o", "r", 1, 1000.0, None, None, abandoned_at=1100.0)
    assert abandoned.may_show_until(answer_s=30, shows_within_s=0) == 1130.0


class _Browser:
    """A browser whose contexts record whether the order's claim was held when one was made."""

    def __init__(self, journal: Journal, site: str) -> None:
        self.journal = journal
        self.site = site
        self.claims_seen: list[str | None] = []
        self.contexts: list[object] = []

    async def new_context(self, **_: Any) -> None:
        holder = self.journal.holder(site=self.site, order_id="1001")
        self.claims_seen.append(holder.run_id if holder else None)
        raise RuntimeError("no browser in a unit test")


def _settings(journal: Journal, tmp_path: Path) -> RunSettings:
    options = RunOptions(site="http://127.0.0.1:9", out_dir=tmp_path / "runs", trace="off")
    return RunSettings.resolve(options, Runtime(journal=journal))


def test_a_run_holds_the_orders_claim_before_the_browser_is_used(tmp_path: Path) -> None:
    """run_order takes the order's claim before it opens a browser context."""
    prepared = build_request(
        order_id="1001", received="no", reason="not_received", message="It never came, sorry."
    )
    with Journal(tmp_path / "journal.sqlite3") as journal:
        settings = _settings(journal, tmp_path)
        browser = _Browser(journal, site_key(settings.site))
        with pytest.raises(RuntimeError, match="no browser"):
            asyncio.run(run_order(prepared, cast(Browser, browser), settings))
        assert len(browser.claims_seen) == 1 and browser.claims_seen[0] is not None
        assert journal.holder(site=site_key(settings.site), order_id="1001") is None  # released


def test_a_run_on_a_claimed_order_never_uses_the_browser(tmp_path: Path) -> None:
    """Another live run holds the order: claimed, exit 6, and no browser context is made."""
    prepared = build_request(
        order_id="1001", received="no", reason="not_received", message="It never came, sorry."
    )
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as holder, Journal(path) as journal:
        settings = _settings(journal, tmp_path)
        holder.claim(site=site_key(settings.site), order_id="1001", run_id="the-other-run")
        browser = _Browser(journal, site_key(settings.site))
        outcome = asyncio.run(run_order(prepared, cast(Browser, browser), settings))
        assert outcome.status is Status.CLAIMED and outcome.exit_code == 6
        assert browser.claims_seen == []
