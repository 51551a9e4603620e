"""What the store keeps: sessions, disputes and submissions (frozen records)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["Action", "Dispute", "Session", "Submission"]


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: the cookie's token, the account and the CSRF token bound to it."""

    token: str
    account: str
    csrf_token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One step of a request's life: the store's answer, the buyer's, or a deadline passing."""

    n: int
    #: store | buyer | site
    by: str
    #: agree, propose_partial, propose_return, refuse, ask_evidence (the store); accept,
    #: disagree, withdraw (the buyer); deadline_passed (the site)
    action: str
    #: Seconds since the store's reset, by its clock.
    at: float
    amount: str | None = None
    reason: str | None = None
    deadline_s: float | None = None
    message: str | None = None
    files: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the control API."""
        data = dataclasses.asdict(self)
        data["files"] = list(self.files)
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispute:
    """A dispute the store created (never de-duplicated), and where its life stands
    (`mock_site.lifecycle`)."""

    dispute_id: str
    order_id: str
    account: str
    received: str
    reason: str
    solution: str
    refund: str
    amount: str
    message: str
    files: tuple[str, ...]
    created_at: float
    item_id: str | None = None
    #: waiting_seller (new) | waiting_response | waiting_feedback (escalated) |
    #: refund_complete | closed
    status: str = "waiting_seller"
    #: With waiting_response: proposal_partial | proposal_return | refused | evidence.
    awaiting: str | None = None
    #: The amount the store proposes (a partial refund, or the refund after a return).
    proposal_amount: str | None = None
    #: The store's words with its answer (why it refuses, what evidence it wants).
    store_reason: str | None = None
    #: When the buyer's time to answer ends (seconds since the reset, the store's clock).
    deadline_at: float | None = None
    #: With closed: accepted | deadline_missed | withdrawn.
    closed_reason: str | None = None
    actions: tuple[Action, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the control API."""
        data = dataclasses.asdict(self)
        data["files"] = list(self.files)
        data["actions"] = [action.to_dict() for action in self.actions]
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One submit and the answer it got."""

    n: int
    order_id: str
    account: str | None
    via: str
    at: float
    answer: str
    status_code: int
    dispute_id: str | None
    detail: str
    item_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the control API."""
        return dataclasses.asdict(self)
