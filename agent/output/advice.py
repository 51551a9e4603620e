"""What a person does next after a run: plain reasons and advice, for the report and ticket."""

from __future__ import annotations

from dataclasses import dataclass

from agent.errors import ORDER_NOT_FOUND, PROFILE_MISMATCH
from agent.outcome import Outcome, Status
from agent.output.run_folder import run_dir_of

__all__ = ["NextSteps", "ineligible_advice", "next_steps", "plain_reason"]

_PLAIN_REASONS = {
    "protection_ended": "The buyer protection of this order has ended, "
    "so the site takes no dispute.",
    "receipt_confirmed": "Receipt of this order was confirmed, and that closed the transaction.",
    "proposal_accepted": "The seller's proposal was accepted, and that closed the transaction.",
}
_FILES = "use support-ticket.md and evidence.zip."
_FEEDBACK = "You can still leave feedback for the seller, to warn other buyers."
_EXTEND = (
    "For orders that are still on the way, ask the seller to extend the buyer protection "
    "before it runs out (the order page has a button for it)."
)
_ADVICE = {
    "protection_ended": (
        _FEEDBACK,
        "It is too late to extend the protection of this order. " + _EXTEND,
        "If you asked for an extension in time, contact support: " + _FILES,
    ),
    "receipt_confirmed": (
        _FEEDBACK,
        "Write to the seller: a seller can still refund a closed order.",
        "If you confirmed receipt by mistake, tell support: " + _FILES,
        _EXTEND,
    ),
    "proposal_accepted": (
        _FEEDBACK,
        "Write to the seller and ask them to do what their proposal promised.",
        "If the seller does not keep the proposal, tell support: " + _FILES,
    ),
}
_ADVICE_OTHER = (
    _FEEDBACK,
    _EXTEND,
    "If you think the order should still be eligible, contact support with support-ticket.md "
    "and evidence.zip.",
)


def _sentence(text: str) -> str:
    """*text* as a sentence: a capital first letter and a final period."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def plain_reason(result: Outcome) -> str:
    """Why the order is not eligible, in plain words."""
    prefix = f"order {result.order_id} is not eligible for a dispute: "
    text = result.message.removeprefix(prefix).strip()
    if text and text != result.message.strip():
        return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
    if result.reason_code in _PLAIN_REASONS:
        return _PLAIN_REASONS[result.reason_code]
    return text or "The site does not say why no dispute can be opened for this order."


def ineligible_advice(reason_code: str | None) -> tuple[str, ...]:
    """What is still possible for an order that cannot get a dispute."""
    return _ADVICE.get(reason_code or "", _ADVICE_OTHER)


@dataclass(frozen=True, slots=True, kw_only=True)
class NextSteps:
    """What a person does next after a status: a headline, plain sentences, commands."""

    headline: str
    items: tuple[str, ...]
    commands: tuple[str, ...] = ()


def next_steps(result: Outcome) -> NextSteps:
    """What to do next after this run's status, in plain sentences."""
    status, dispute = result.status, result.dispute_id or "(see the screenshots)"
    support = (
        "Or contact the marketplace's support: paste the messages of support-ticket.md one at "
        "a time (the chat closes after about three minutes of silence) and attach evidence.zip."
    )
    if status is Status.OPENED:
        return NextSteps(
            headline=f"Dispute {dispute} is open.",
            items=(
                f"Keep the dispute id {dispute}: every question about this dispute needs it.",
                "Watch for the seller's answer on the dispute page, and reply within the time "
                "the site gives.",
                "Keep this folder: it shows when and how the dispute was opened.",
            ),
        )
    if status is Status.ALREADY_OPEN:
        return NextSteps(
            headline=f"A dispute for this order is already open: {dispute}.",
            items=(
                f"Do not open a second one: follow the existing dispute {dispute} on the site.",
                "Answer the seller there, and add your evidence to that dispute if it is missing.",
            ),
        )
    if status is Status.INVALID and result.reason_code == ORDER_NOT_FOUND:  # ours to fix
        return NextSteps(
            headline="The site shows no order with this id, so nothing was sent.",
            items=(
                f"What was wrong: {result.message or 'see the last screenshot'}",
                _sentence(result.hint or "check the order id"),
                "No support ticket was written: a wrong order id or the session of another "
                "account is ours to fix, not the marketplace's support.",
            ),
            commands=("retry-dispute run --order ID ...",),
        )
    if status is Status.INVALID:
        return NextSteps(
            headline="The request was refused, so no dispute was opened.",
            items=(
                f"What was wrong: {result.message or 'see the last screenshot'}",
                "Fix the request (the flags or the request file) and run again.",
            ),
            commands=("retry-dispute run --request FILE.toml",),
        )
    if status is Status.INELIGIBLE:
        return NextSteps(
            headline="The site will not open a dispute for this order.",
            items=(
                f"Why: {plain_reason(result)}",
                *ineligible_advice(result.reason_code),
            ),
        )
    if status is Status.GAVE_UP:
        noun = "attempt" if result.attempts == 1 else "attempts"
        return NextSteps(
            headline=f"The site was still busy after {result.attempts} {noun}.",
            items=(
                "Try again later, for example in an hour or outside busy hours: "
                "run the same command again.",
                "Allow more tries with --max-attempts and --deadline if the site is busy for long.",
                support,
            ),
        )
    if status is Status.NEEDS_HUMAN:
        session = str(result.context.get("session") or "")
        if "CDP" in session:
            return NextSteps(
                headline="A person is needed: the site asked to log in or to prove you are human.",
                items=(
                    f"What happened: {result.message or 'see the last screenshot'}",
                    "Log in to the site inside the Chrome this run attached to (--cdp-url), "
                    "and solve any verification challenge there.",
                    "Then run the same command again.",
                ),
            )
        return NextSteps(
            headline="A person is needed: the site asked to log in or to prove you are human.",
            items=(
                f"What happened: {result.message or 'see the last screenshot'}",
                "Log in again in the browser that opens, then run again with the saved session.",
                "If the site shows a verification challenge, solve it in that browser, "
                "then run again.",
            ),
            commands=(
                "retry-dispute login --site URL --save-session FILE",
                "retry-dispute run --storage-state FILE ...",
            ),
        )
    if status is Status.INTERRUPTED:
        return NextSteps(
            headline="The run was stopped before it finished.",
            items=(
                f"What happened: {result.message or 'see the timeline'}",
                _sentence(result.hint or "run the same command again"),
                "Running it again never opens a second dispute: the order page is checked first.",
            ),
        )
    if status is Status.CLAIMED:
        return NextSteps(
            headline="Another run of retry-dispute is working on this order; nothing was sent.",
            items=(
                f"What happened: {result.message or 'the order is claimed by another run'}",
                "Wait for the other run to end, then run this order again: a dispute it opened "
                "then shows as already open.",
            ),
        )
    if result.reason_code == PROFILE_MISMATCH:  # an error of our own configuration
        return NextSteps(
            headline="The site profile does not fit the page.",
            items=(
                f"What happened: {result.message or 'see log.jsonl'}",
                _sentence(result.hint or "check the profile"),
                "This is a local configuration error, so no support ticket was written: the "
                "marketplace's support cannot fix a profile.",
            ),
            commands=("retry-dispute check --site URL --profile PROFILE --order ID",),
        )
    has_trace = (run_dir_of(result) / "trace.zip").is_file()
    return NextSteps(
        headline="The run stopped on an unexpected error.",
        items=(
            f"What happened: {result.message or 'see log.jsonl'}",
            "Look at what the browser did with the trace (in this folder); "
            "log.jsonl has every event."
            if has_trace
            else "No trace.zip was kept: run again with --trace on to get one; log.jsonl has "
            "every event.",
            "Run again. If it happens again, report it with log.jsonl "
            "(never share trace.zip: it holds your session).",
        ),
        commands=(f"retry-dispute trace {run_dir_of(result)}",) if has_trace else (),
    )
