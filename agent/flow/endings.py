"""The endings of a run that did not end in the flow's own answer: what each one records.

A run stopped by one of our errors (not eligible, needs a person, gave up ...), one stopped by a
signal (and whether a submission may have reached the site), and one that crashed: each gets a
last screenshot, a log line and its `Outcome`. `request_summary` is the request as
``result.json`` records it.
"""

from __future__ import annotations

from agent.errors import NeedsHuman, RetryDisputeError
from agent.flow.context import login_hint
from agent.flow.run_state import OrderRun
from agent.flow.stop import interruption_text
from agent.log import get_logger
from agent.outcome import Outcome, Status
from agent.request import PreparedRequest

__all__ = ["crashed", "interrupted", "request_summary", "stopped"]

log = get_logger("agent.run")

#: The longest wait for the last screenshot of an interrupted run (the page may be mid-load).
_STOP_SCREENSHOT_S = 2.0


async def stopped(run: OrderRun, exc: RetryDisputeError) -> Outcome:
    """The outcome of a run stopped by one of our errors, with a last screenshot."""
    status = Status.of_error(exc)
    site_text = exc.context.get("site_text")
    await run.step(
        run.form_page or run.page,
        f"stopped-{status}",
        detail=str(site_text) if site_text else exc.what,
    )
    flat = {k: v for k, v in exc.context.items() if isinstance(v, str | int | float | None)}
    log.info("agent.stopped", status=str(status), error=str(exc), **flat)  # the outcome says it
    code = exc.context.get("code")
    hint = exc.hint
    if isinstance(exc, NeedsHuman) and run.settings.options.session.browser.cdp_url:
        hint = login_hint(run.settings.options.session, run.settings.site)
    return run.outcome(status, exc.what, hint=hint, reason_code=str(code) if code else None)


async def interrupted(run: OrderRun, stop: str) -> Outcome:
    """The outcome of a run stopped by a signal: what happened, and whether a submission may
    have reached the site (the journal holds an intent with no answer)."""
    journal = run.settings.journal
    pending = (
        journal.unfinished(site=run.site, order_id=run.request.order_key)
        if journal is not None
        else []
    )
    in_flight = run.state.in_flight or bool(pending)
    what, hint = interruption_text(stop, attempts=run.attempts, in_flight=in_flight)
    await run.folder.step(  # a short wait: the stop must end within its grace period
        run.form_page or run.page,
        "stopped-interrupted",
        detail=what,
        timeout_s=min(_STOP_SCREENSHOT_S, run.profile.timeouts.screenshot_s),
    )
    log.info(  # the console says it in the outcome's line
        "agent.interrupted",
        signal=stop,
        attempts=run.attempts,
        in_flight=in_flight,
        unfinished_intents=len(pending),
    )
    return run.outcome(Status.INTERRUPTED, what, hint=hint)


async def crashed(run: OrderRun, exc: Exception) -> Outcome:
    """The outcome of a run that raised something unexpected (logged with its traceback)."""
    log.exception("agent.unexpected_error", error=f"{type(exc).__name__}: {str(exc)[:300]}")
    await run.step(run.form_page or run.page, "stopped-error")
    first_line = (str(exc).splitlines() or [""])[0][:200]
    return run.outcome(Status.ERROR, f"unexpected error: {type(exc).__name__}: {first_line}")


def request_summary(prepared: PreparedRequest) -> dict[str, object]:
    """The request as ``result.json`` records it (evidence as file names)."""
    req = prepared.request
    return {
        "order_id": req.order_id,
        "item": req.item,
        "quantity": req.quantity,
        "received": "yes" if req.received else "no",
        "reason": req.reason,
        "solution": req.solution,
        "refund": req.refund,
        "amount": str(req.amount) if req.amount is not None else None,
        "message": req.message,
        "evidence": [p.name for p in req.evidence],
    }
