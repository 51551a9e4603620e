"""What the store keeps: sessions, disputes and submissions (frozen records)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["Dispute", "Session", "Submission"]


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: the cookie's token, the account and the CSRF token bound to it."""

    token: str
    account: str
    csrf_token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispute:
    """A dispute the store created (never de-duplicated)."""

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
    status: str = "waiting_feedback"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the control API."""
        data = dataclasses.asdict(self)
        data["files"] = list(self.files)
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
