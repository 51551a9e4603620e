"""One submit attempt, and the one function that says what the site's answer means.

``classify`` is pure: it turns what the page showed (texts of the answer elements, the HTTP
status, whether the answer timed out) into an ``Answer``. ``submit_once`` clicks Submit (the
confirm dialog is accepted by the page's handler), waits for the answer and classifies it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page, Response
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.log import get_logger
from agent.profile import SiteProfile

__all__ = ["AMBIGUOUS", "Answer", "classify", "read_answer", "submit_once"]

log = get_logger("agent.attempt")

#: Answers that do not prove the dispute was NOT created: reconcile before resubmitting.
AMBIGUOUS = frozenset({"busy", "server_error", "timeout", "unknown"})
_BUSY_STATUS = frozenset({429, 503})
_SETTLE_MS = 5000
_SETTLE_ERROR_MS = 500
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
    visible = await asyncio.gather(*(_is_visible(loc) for _, loc in pairs))
    shown: dict[str, str] = {}
    for (kind, loc), seen in zip(pairs, visible, strict=True):
        if seen and kind not in shown:
            try:
                shown[kind] = (await loc.inner_text(timeout=_READ_MS)).strip() or kind
            except PlaywrightError:  # gone between the two reads: not shown
                continue
    return shown


async def _is_visible(locator: Locator) -> bool:
    try:
        return await locator.is_visible()
    except PlaywrightError:  # the page navigated meanwhile
        return False


def _answer_locator(page: Page, profile: SiteProfile) -> Locator:
    """The first VISIBLE answer element (hidden placeholders come first in the DOM)."""
    sel = profile.selectors
    loc = page.locator(sel.result)
    for selector in (*sel.busy, sel.form_error, sel.challenge, sel.login_submit):
        loc = loc.or_(page.locator(selector))
    return loc.filter(visible=True).first


async def submit_once(
    page: Page,
    profile: SiteProfile,
    *,
    timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Click Submit once and classify the answer; never raises for a site answer."""
    sel = profile.selectors
    response: Response | None = None
    timed_out = False
    # A full-page answer replaces the document: wait for the new one to commit, so that nothing
    # of the page we submitted from (an earlier busy banner) is read as this answer.
    committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def _on_navigated(frame: Frame) -> None:
        if frame == page.main_frame and not committed.done():
            committed.set_result(None)

    page.on("framenavigated", _on_navigated)
    try:
        try:
            async with page.expect_response(
                lambda r: r.request.method == "POST", timeout=timeout_s * 1000
            ) as info:
                await page.locator(sel.submit).first.click(timeout=timeout_s * 1000)
            response = await info.value
        except PlaywrightTimeout:
            timed_out = True
        received_at = clock()
        status = response.status if response else None
        retry_after = (await response.header_value("retry-after")) if response else None
        if response is not None and response.request.is_navigation_request():
            try:
                await asyncio.wait_for(committed, timeout=timeout_s)
                await page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
            except (TimeoutError, PlaywrightTimeout):
                timed_out = True
    finally:
        page.remove_listener("framenavigated", _on_navigated)
    if not timed_out:
        # A server error shows none of the answers we know: do not wait long for one.
        settle_ms = _SETTLE_MS if status is None or status < 500 else _SETTLE_ERROR_MS
        with contextlib.suppress(PlaywrightTimeout):
            await _answer_locator(page, profile).wait_for(state="visible", timeout=settle_ms)
    shown = await read_answer(page, profile)
    answer = replace(
        classify(
            profile, shown=shown, status_code=status, retry_after=retry_after, timed_out=timed_out
        ),
        received_at=received_at,
    )
    log.info(
        "agent.answer",
        outcome=answer.outcome,
        status_code=status,
        retry_after=retry_after,
        text=answer.text[:200],
        dispute_id=answer.dispute_id,
    )
    return answer


async def dismiss_busy(page: Page, profile: SiteProfile) -> None:
    """Close a busy modal so the form can be used again."""
    button = page.locator(profile.selectors.busy_dismiss).first
    try:
        if await button.is_visible():
            await button.click(timeout=5000)
    except PlaywrightTimeout:
        log.warning("agent.busy_dismiss_failed")
