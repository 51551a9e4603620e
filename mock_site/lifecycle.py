"""A request's life after it is opened: the store's answers, the buyer's, deadlines (pure).

A new request waits for the store (``waiting_seller``). The store (the control API, or the
``store_answer`` fault) agrees (``refund_complete``), or proposes a partial refund or a return,
refuses, or asks for more evidence: the request then waits for the buyer (``waiting_response``)
until a deadline. The buyer accepts a proposal (the case closes), disagrees (the marketplace
takes the case: ``waiting_feedback``; an answer to a request for evidence goes back to the
store), or withdraws (closed). A deadline that passes closes the request, as the real site
does. Every action, the buyer's included, is kept on the request (``Dispute.actions``).

The functions here are pure: the `Store` calls them under its lock with its clock, and keeps
the request they return. The skins say each state in their own words (docs/storefront.md).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from mock_site.records import Action, Dispute

__all__ = [
    "BUYER_ACTIONS",
    "DEFAULT_DEADLINE_S",
    "OPEN_STATUSES",
    "STORE_ACTIONS",
    "NotAllowed",
    "ResponseFaults",
    "StoreAnswer",
    "buyer_answer",
    "deadline_passed",
    "parse_store_answer",
    "state_code",
    "store_answer",
]

#: What the store can do to an open request (the control API's ``action``).
STORE_ACTIONS: tuple[str, ...] = (
    "agree",
    "propose_partial",
    "propose_return",
    "refuse",
    "ask_evidence",
)
#: What the buyer can do on the request's page.
BUYER_ACTIONS: tuple[str, ...] = ("accept", "disagree", "withdraw")
#: The buyer's time to answer when the store gives none: five days, as on the real site.
DEFAULT_DEADLINE_S = 5 * 24 * 3600.0
#: The statuses of a request that is still open.
OPEN_STATUSES = frozenset({"waiting_seller", "waiting_response", "waiting_feedback"})
#: What the request waits for from the buyer, by the store's action.
_AWAITING = {
    "propose_partial": "proposal_partial",
    "propose_return": "proposal_return",
    "refuse": "refused",
    "ask_evidence": "evidence",
}
_AMOUNT = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")
_MAX_REASON = 500
_MAX_DEADLINE_S = 60 * 24 * 3600.0
_ANSWER_KEYS = ("action", "after_s", "amount", "reason", "deadline_s")


class NotAllowed(ValueError):
    """A bad value, or (``conflict``) an action the request's state does not allow; the
    message says why."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict


def state_code(dispute: Dispute) -> str:
    """One code for the request's state, for the control API and the tests.

    ``waiting_seller``, ``proposal_partial``, ``proposal_return``, ``refused``,
    ``evidence_requested``, ``escalated``, ``refund_complete``, ``closed_accepted``,
    ``closed_deadline_missed``, ``closed_withdrawn``.
    """
    if dispute.status == "waiting_response":
        awaiting = dispute.awaiting or "proposal_partial"
        return "evidence_requested" if awaiting == "evidence" else awaiting
    if dispute.status == "waiting_feedback":
        return "escalated"
    if dispute.status == "closed":
        return f"closed_{dispute.closed_reason or 'withdrawn'}"
    return dispute.status


def _action(
    dispute: Dispute,
    by: str,
    action: str,
    at: float,
    *,
    amount: str | None = None,
    reason: str | None = None,
    deadline_s: float | None = None,
    message: str | None = None,
    files: tuple[str, ...] = (),
) -> tuple[Action, ...]:
    made = Action(
        n=len(dispute.actions) + 1,
        by=by,
        action=action,
        at=round(at, 3),
        amount=amount,
        reason=reason,
        deadline_s=deadline_s,
        message=message,
        files=files,
    )
    return (*dispute.actions, made)


def _amount(value: object) -> str:
    text = str(value).strip() if isinstance(value, str | int | float | Decimal) else ""
    if isinstance(value, bool) or not _AMOUNT.fullmatch(text) or Decimal(text) <= 0:
        raise NotAllowed(f"amount must be a positive amount like 2.00, not {value!r}")
    return f"{Decimal(text):.2f}"


def _deadline(value: object) -> float:
    if value is None:
        return DEFAULT_DEADLINE_S
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0 < float(value) <= _MAX_DEADLINE_S:  # type: ignore[arg-type]  # number
        raise NotAllowed(
            f"deadline_s must be a number of seconds above 0 (at most 60 days), not {value!r}"
        )
    return float(value)  # type: ignore[arg-type]  # a number, checked above


def _reason(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_REASON:
        raise NotAllowed(f"reason must be a text of at most {_MAX_REASON} characters")
    return " ".join(value.split()) or None


def store_answer(
    dispute: Dispute,
    action: str,
    *,
    now: float,
    amount: object = None,
    reason: object = None,
    deadline_s: object = None,
) -> Dispute:
    """The request after the store's *action*; NotAllowed when the request is no longer open."""
    if action not in STORE_ACTIONS:
        raise NotAllowed(f"action must be one of {', '.join(STORE_ACTIONS)}, not {action!r}")
    if dispute.status not in OPEN_STATUSES:
        raise NotAllowed(
            f"request {dispute.dispute_id} is {state_code(dispute)}: it is over", conflict=True
        )
    said = _reason(reason)
    if action == "agree":
        actions = _action(dispute, "store", action, now, amount=dispute.amount, reason=said)
        return dataclasses.replace(
            dispute,
            status="refund_complete",
            awaiting=None,
            proposal_amount=None,
            store_reason=said,
            deadline_at=None,
            actions=actions,
        )
    offered = None
    if action == "propose_partial":
        if amount is None:
            raise NotAllowed("propose_partial needs an amount, e.g. 2.00")
        offered = _amount(amount)
    elif action == "propose_return":
        offered = dispute.amount if amount is None else _amount(amount)
    wait = _deadline(deadline_s)
    actions = _action(dispute, "store", action, now, amount=offered, reason=said, deadline_s=wait)
    return dataclasses.replace(
        dispute,
        status="waiting_response",
        awaiting=_AWAITING[action],
        proposal_amount=offered,
        store_reason=said,
        deadline_at=round(now + wait, 3),
        actions=actions,
    )


def buyer_answer(
    dispute: Dispute,
    action: str,
    *,
    now: float,
    message: str = "",
    files: Sequence[str] = (),
) -> Dispute:
    """The request after the buyer's *action*; NotAllowed when its state does not allow it."""
    if action not in BUYER_ACTIONS:
        raise NotAllowed(f"action must be one of {', '.join(BUYER_ACTIONS)}, not {action!r}")
    if dispute.status not in OPEN_STATUSES:
        raise NotAllowed("This request is closed: it no longer takes an answer.", conflict=True)
    if action == "withdraw":
        return dataclasses.replace(
            dispute,
            status="closed",
            closed_reason="withdrawn",
            awaiting=None,
            deadline_at=None,
            actions=_action(dispute, "buyer", action, now),
        )
    if dispute.status != "waiting_response":
        raise NotAllowed("This request is not waiting for your response.", conflict=True)
    if action == "accept":
        if dispute.awaiting not in ("proposal_partial", "proposal_return"):
            raise NotAllowed("There is no proposal to accept.", conflict=True)
        return dataclasses.replace(
            dispute,
            status="closed",
            closed_reason="accepted",
            deadline_at=None,
            actions=_action(dispute, "buyer", action, now, amount=dispute.proposal_amount),
        )
    actions = _action(dispute, "buyer", action, now, message=message, files=tuple(files))
    back_to_store = dispute.awaiting == "evidence"
    return dataclasses.replace(
        dispute,
        status="waiting_seller" if back_to_store else "waiting_feedback",
        awaiting=None,
        proposal_amount=None,
        deadline_at=None,
        actions=actions,
    )


def deadline_passed(dispute: Dispute, now: float) -> Dispute | None:
    """The request closed by its deadline when that passed unanswered, else None."""
    if dispute.status != "waiting_response" or dispute.deadline_at is None:
        return None
    if now < dispute.deadline_at:
        return None
    return dataclasses.replace(
        dispute,
        status="closed",
        closed_reason="deadline_missed",
        actions=_action(dispute, "site", "deadline_passed", dispute.deadline_at),
    )


# --- the faults -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreAnswer:
    """The ``store_answer`` fault: the store answers every new request by itself after a delay."""

    action: str
    after_s: float = 0.0
    amount: str | None = None
    reason: str | None = None
    deadline_s: float = DEFAULT_DEADLINE_S

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (the fault plan's ``store_answer`` table)."""
        return dataclasses.asdict(self)


def parse_store_answer(value: object) -> StoreAnswer | None:
    """``store_answer``: null, or {action, after_s, amount, reason, deadline_s}; ValueError."""
    if value is None:
        return None
    expected = "null or {action, after_s, amount, reason, deadline_s}"
    if not isinstance(value, Mapping) or set(value) - set(_ANSWER_KEYS) or "action" not in value:
        raise ValueError(f"invalid value for store_answer: {value!r} (expected {expected})")
    action = value["action"]
    if action not in STORE_ACTIONS:
        raise ValueError(
            f"invalid value for store_answer.action: {action!r} "
            f"(expected one of {', '.join(STORE_ACTIONS)})"
        )
    after = value.get("after_s", 0.0)
    if isinstance(after, bool) or not isinstance(after, int | float) or not 0 <= after < 1e9:
        raise ValueError(f"invalid value for store_answer.after_s: {after!r} (expected >= 0)")
    try:
        amount = None if value.get("amount") is None else _amount(value["amount"])
        if action == "propose_partial" and amount is None:
            raise NotAllowed("propose_partial needs an amount, e.g. 2.00")
        deadline = _deadline(value.get("deadline_s"))
        reason = _reason(value.get("reason"))
    except NotAllowed as exc:
        raise ValueError(f"invalid value for store_answer: {exc}") from None
    return StoreAnswer(
        action=str(action), after_s=float(after), amount=amount, reason=reason, deadline_s=deadline
    )


class ResponseFaults:
    """The buyer's responses' faults (``respond_busy_first``, ``respond_busy_after_commit``,
    ``respond_slow_s``) and their counters; not thread-safe (the Store locks around it)."""

    def __init__(self, busy_first: int, busy_after_commit: int, slow_s: float) -> None:
        self.busy_first = busy_first
        self.busy_after_commit = busy_after_commit
        self.slow_s = slow_s
        self._checks = 0
        self._commits = 0

    def before(self) -> bool:
        """Whether this response answers busy before it is judged (nothing recorded)."""
        index = self._checks
        self._checks += 1
        return index < self.busy_first

    def after_commit(self) -> bool:
        """Whether this response, recorded, answers busy all the same."""
        index = self._commits
        self._commits += 1
        return index < self.busy_after_commit
