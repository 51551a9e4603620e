"""The buyer's answer on a request's page, judged the same way on both skins.

In order: the request (the account's own, else not found) -> ``respond_busy_first`` (busy,
nothing recorded) -> what the state allows (`mock_site.lifecycle`) and the answer's content
(`mock_site.validation.validate_response`) -> the action recorded on the request ->
``respond_busy_after_commit`` (busy all the same) -> ``respond_slow_s`` (the answer held).
Every submit is also recorded in ``GET /__mock/submissions`` with ``via = "response"``. Each
skin turns the verdict into its own answer (a page, a JSON object, the gateway's envelope).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mock_site.lifecycle import NotAllowed
from mock_site.records import Dispute
from mock_site.store import Store
from mock_site.validation import Refused, Upload, validate_response

__all__ = ["Verdict", "judge_response"]

Kind = Literal["not_found", "busy", "refused", "done", "busy_after_commit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What the site answers one of the buyer's actions."""

    kind: Kind
    dispute: Dispute | None = None
    message: str = ""
    #: Hold the answer this long (``respond_slow_s``), after the action was recorded.
    delay_s: float = 0.0


def judge_response(
    store: Store,
    *,
    account: str,
    dispute_id: str,
    action: str,
    message: str = "",
    files: Sequence[Upload] = (),
) -> Verdict:
    """Judge and record one action of the buyer on a request (disagree, accept, withdraw)."""
    known = store.dispute(dispute_id, account)
    if known is None:
        store.record(
            order_id="", account=account, via="response", answer="not_found", status_code=404
        )
        return Verdict(kind="not_found")

    def record(answer: str, status_code: int, detail: str = "") -> None:
        store.record(
            order_id=known.order_id,
            account=account,
            via="response",
            answer=answer,
            status_code=status_code,
            dispute_id=known.dispute_id,
            detail=f"{action}: {detail}" if detail else action,
            item_id=known.item_id,
        )

    if action == "disagree" and store.response_busy_before():
        record("busy", store.plan.busy_status)
        return Verdict(kind="busy", dispute=known)
    try:
        text, names = "", tuple[str, ...]()
        if action == "disagree":
            text, names = validate_response(message, files)
        changed = store.buyer_action(dispute_id, account, action, message=text, files=names)
    except (Refused, NotAllowed) as refusal:
        record("invalid", 422, str(refusal))
        return Verdict(kind="refused", dispute=known, message=str(refusal))
    assert changed is not None  # the request was there a moment ago, and requests stay
    delay = store.response_delay() if action == "disagree" else 0.0
    if action == "disagree" and store.response_busy_after_commit():
        record("busy_after_commit", store.plan.busy_status)
        return Verdict(kind="busy_after_commit", dispute=changed, delay_s=delay)
    record("sent", 200, f"answered after {delay:g} s" if delay else "")
    return Verdict(kind="done", dispute=changed, delay_s=delay)
