"""The site's answer to one submission: what the page shows, and what it means.

``classify`` is pure: it turns what the page showed (texts of the answer elements, the HTTP
status, whether the answer timed out) into an ``Answer``. ``read_answer`` reads those texts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from agent.site.dom import is_visible
from agent.site.profile import SiteProfile

__all__ = ["AMBIGUOUS", "Answer", "answer_locator", "classify", "read_answer"]

#: Answers that do not prove the dispute was NOT created: reconcile before resubmitting.
AMBIGUOUS = frozenset({"busy", "server_error", "timeout", "unknown"})
_BUSY_STATUS = frozenset({429, 503})
_READ_MS = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What the site answered one submission."""

    #: opened | busy | invalid | login_required | challenge | server_error | timeout | unknown
    outcome: str
    text: str = ""
    status_code: int | None = None
    retry_after: str | None = None
    dispute_id: str | None = None
    #: When the answer's headers arrived (the run's clock): Retry-After counts from here.
    received_at: float | None = None

    @property
    def ambiguous(self) -> bool:
        return self.outcome in AMBIGUOUS


def classify(
    profile: SiteProfile,
    *,
    shown: Mapping[str, str],
    status_code: int | None = None,
    retry_after: str | None = None,
    timed_out: bool = False,
) -> Answer:
    """Say what an answer means, from the texts shown per kind (result, busy, error, …)."""

    def answer(outcome: str, text: str = "", dispute_id: str | None = None) -> Answer:
        return Answer(
            outcome=outcome,
            text=" ".join(text.split())[:500],
            status_code=status_code,
            retry_after=retry_after,
            dispute_id=dispute_id,
        )

    if "challenge" in shown:
        return answer("challenge", shown["challenge"])
    if "login" in shown or status_code == 401:
        return answer("login_required", shown.get("login", ""))
    result = shown.get("result", "")
    match = profile.texts.success.search(result) if result else None
    if match:
        return answer("opened", match.group(0), match["dispute_id"])
    for text in shown.values():
        if profile.texts.is_busy(text):
            return answer("busy", text)
    if status_code in _BUSY_STATUS:
        return answer("busy", shown.get("busy", "") or f"HTTP {status_code}")
    if "error" in shown:
        return answer("invalid", shown["error"])
    if status_code is not None and status_code >= 500:
        return answer("server_error", f"HTTP {status_code}")
    if timed_out:
        return answer("timeout", "no answer from the site in time")
    return answer(
        "unknown", " | ".join(shown.values()) or (f"HTTP {status_code}" if status_code else "")
    )


async def read_answer(page: Page, profile: SiteProfile) -> dict[str, str]:
    """The texts of the answer elements visible now, by kind."""
    sel = profile.selectors
    kinds = {
        "result": (sel.result,),
        "busy": sel.busy,
        "error": (sel.form_error,),
        "challenge": (sel.challenge,),
        "login": (sel.login_submit,),
    }
    pairs = [(kind, page.locator(s).first) for kind, group in kinds.items() for s in group]
    # every check at once: the commands are pipelined, one round trip instead of one each
    visible = await asyncio.gather(*(is_visible(loc) for _, loc in pairs))
    shown: dict[str, str] = {}
    for (kind, loc), seen in zip(pairs, visible, strict=True):
        if seen and kind not in shown:
            try:
                shown[kind] = (await loc.inner_text(timeout=_READ_MS)).strip() or kind
            except PlaywrightError:  # gone between the two reads: not shown
                continue
    return shown


def answer_locator(page: Page, profile: SiteProfile) -> Locator:
    """The first VISIBLE answer element (hidden placeholders come first in the DOM)."""
    sel = profile.selectors
    loc = page.locator(sel.result)
    for selector in (*sel.busy, sel.form_error, sel.challenge, sel.login_submit):
        loc = loc.or_(page.locator(selector))
    return loc.filter(visible=True).first
