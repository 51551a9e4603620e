"""The site's answer to one submission: what it says, and what it means.

``classify`` is pure: it turns what was seen (the verdict of the submit response's JSON, the
texts of the answer elements shown on the page, the HTTP status, whether the answer timed out)
into an ``Answer``. The JSON comes first; the page's texts and the status are the fallbacks a
profile gives. ``read_page`` reads the page's answer elements.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Response

from agent.site.answer_rules import JsonVerdict
from agent.site.dom import is_visible
from agent.site.locate import SitePage
from agent.site.profile_model import SiteProfile

__all__ = [
    "AMBIGUOUS",
    "Answer",
    "answer_locator",
    "classify",
    "page_kinds",
    "read_page",
    "verdict_of",
]

#: Answers that do not prove the dispute was NOT created: reconcile before resubmitting.
AMBIGUOUS = frozenset({"busy", "server_error", "timeout", "unknown"})
_READ_MS = 2000
#: The most of an answer's body that is read as JSON.
_MAX_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What the site answered one submission."""

    #: opened | busy | invalid | expired | login_required | challenge | server_error | timeout |
    #: unknown
    outcome: str
    text: str = ""
    status_code: int | None = None
    retry_after: str | None = None
    dispute_id: str | None = None
    #: When the answer's headers arrived (the run's clock): Retry-After counts from here.
    received_at: float | None = None
    #: Where the answer was read: json, page, status or none.
    source: str = "none"

    @property
    def ambiguous(self) -> bool:
        return self.outcome in AMBIGUOUS


async def verdict_of(profile: SiteProfile, response: Response) -> JsonVerdict | None:
    """What a response's JSON says, per the profile (None: not JSON, or no JSON rules)."""
    rules = profile.answer.json
    if rules is None:
        return None
    try:
        body = await response.body()
    except PlaywrightError:  # a redirect, or a page that navigated away: no body to read
        return None
    if len(body) > _MAX_BODY:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return rules.judge(data)


def classify(
    profile: SiteProfile,
    *,
    shown: Mapping[str, str],
    verdict: JsonVerdict | None = None,
    status_code: int | None = None,
    retry_after: str | None = None,
    timed_out: bool = False,
) -> Answer:
    """Say what an answer means: the page's gates, then the JSON, then page texts and status."""
    rules = profile.answer

    def answer(
        outcome: str, text: str = "", dispute_id: str | None = None, source: str = "page"
    ) -> Answer:
        return Answer(
            outcome=outcome,
            text=" ".join(text.split())[:500],
            status_code=status_code,
            retry_after=retry_after,
            dispute_id=dispute_id,
            source=source,
        )

    if "challenge" in shown:
        return answer("challenge", shown["challenge"])
    if "login" in shown:
        return answer("login_required", shown["login"])
    if verdict is not None and verdict.kind is not None:
        text = verdict.message or verdict.kind
        if verdict.kind == "opened":
            if verdict.dispute_id:
                return answer("opened", text, verdict.dispute_id, source="json")
            # success without an id: the reconcile reads it from the order page
            return answer(
                "unknown", f"the site said opened without a dispute id: {text}", source="json"
            )
        outcome = {
            "challenge": "challenge",
            "login": "login_required",
            "expired": "expired",
            "busy": "busy",
            "invalid": "invalid",
        }[verdict.kind]
        return answer(outcome, text, source="json")
    if verdict is not None and verdict.message and rules.is_busy_text(verdict.message):
        return answer("busy", verdict.message, source="json")
    if status_code in rules.status.login:
        return answer("login_required", shown.get("login", f"HTTP {status_code}"), source="status")
    page = rules.page
    result = shown.get("result", "")
    found = page.success.search(result) if page and page.success and result else None
    if found is not None and found.group("dispute_id"):
        return answer("opened", found.text, found.group("dispute_id"))
    if "expired" in shown:  # the form's single-use token was spent: a definite refusal
        return answer("expired", shown["expired"])
    for text in shown.values():
        if rules.is_busy_text(text):
            return answer("busy", text)
    if status_code in rules.status.busy:
        return answer("busy", shown.get("busy", "") or f"HTTP {status_code}", source="status")
    if status_code is not None and status_code >= rules.status.server_error_from:
        return answer("server_error", f"HTTP {status_code}", source="status")
    if "error" in shown:
        return answer("invalid", shown["error"])
    if timed_out:
        return answer("timeout", "no answer from the site in time", source="none")
    said = " | ".join(shown.values()) or (verdict.message if verdict else "")
    return answer("unknown", said or (f"HTTP {status_code}" if status_code else ""), source="none")


def page_kinds(profile: SiteProfile) -> list[tuple[str, str]]:
    """The page's answer elements by kind: (kind, element name), in reading order."""
    page = profile.answer.page
    kinds: list[tuple[str, str]] = []
    if page is not None:
        if page.result is not None:
            kinds.append(("result", page.result))
        kinds.extend(("busy", name) for name in page.busy)
        if page.error is not None:
            kinds.append(("error", page.error))
        if page.expired is not None:
            kinds.append(("expired", page.expired))
    if profile.page.challenge is not None:
        kinds.append(("challenge", profile.page.challenge))
    if profile.page.login is not None:
        kinds.append(("login", profile.page.login))
    return kinds


async def read_page(site: SitePage) -> dict[str, str]:
    """The texts of the answer elements visible now, by kind."""
    pairs = [(kind, site.shown(name)) for kind, name in page_kinds(site.profile)]
    # every check at once: the commands are pipelined, one round trip instead of one each
    visible = await asyncio.gather(*(is_visible(loc) for _, loc in pairs))
    shown: dict[str, str] = {}
    for (kind, loc), seen in zip(pairs, visible, strict=True):
        if seen and kind not in shown:
            try:
                shown[kind] = " ".join((await loc.inner_text(timeout=_READ_MS)).split()) or kind
            except PlaywrightError:  # gone between the two reads: not shown
                continue
    return shown


def answer_locator(site: SitePage) -> Locator | None:
    """The first VISIBLE answer element of the page (hidden placeholders come first)."""
    kinds = page_kinds(site.profile)
    if not kinds:
        return None
    loc = site.locator(kinds[0][1])
    for _, name in kinds[1:]:
        loc = loc.or_(site.locator(name))
    return loc.filter(visible=True).first
