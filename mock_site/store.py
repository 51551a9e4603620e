"""In-memory state of the storefront: sessions, orders, disputes, submissions, the fault plan.

Thread-safe (one lock); time comes from an injectable ``clock`` and the slow-answer delay from an
injectable ``sleep`` so tests never wait for real. The support chats live in ``Store.chats`` (a
:class:`~mock_site.chat.ChatDesk` on the same clocks, with its own lock); ``reset()`` clears them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mock_site.chat import ChatDesk
from mock_site.faults import FaultEngine, FaultPlan, PostAnswer, PreAnswer
from mock_site.seed import ACCOUNTS, SEEDED_DISPUTE_ID, Order, seed_orders
from mock_site.validation import AcceptedDispute

__all__ = ["Dispute", "Session", "Store", "Submission"]

FIRST_DISPUTE_NUMBER = 100


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

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for the control API."""
        return dataclasses.asdict(self)


def _seeded_dispute() -> Dispute:
    return Dispute(
        dispute_id=SEEDED_DISPUTE_ID,
        order_id="1007",
        account="demo",
        received="yes",
        reason="not_as_described",
        solution="refund",
        refund="full",
        amount="9.99",
        message="The strap is a different colour than in the pictures.",
        files=("strap.jpg",),
        created_at=0.0,
    )


class Store:
    """Everything the storefront remembers; ``reset()`` brings back the seeded state."""

    def __init__(
        self,
        *,
        faults: FaultPlan | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.wall_clock = wall_clock
        self.sleep = sleep
        self.initial_plan = faults or FaultPlan()
        self._lock = threading.RLock()
        self._sessions: dict[str, Session] = {}
        self._orders: dict[str, Order] = {}
        self._disputes: list[Dispute] = []
        self._submissions: list[Submission] = []
        self._overlay_seen: set[str] = set()
        self._engine = FaultEngine(self.initial_plan)
        self._next_dispute = FIRST_DISPUTE_NUMBER
        self._epoch = 0.0
        self.chats = ChatDesk(clock=clock, wall_clock=wall_clock)
        self.reset()

    # -- state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Seeded orders and disputes, no submissions or chats, the initial plan; keep sessions."""
        self.chats.clear()
        with self._lock:
            self._orders = seed_orders()
            self._disputes = [_seeded_dispute()]
            self._submissions = []
            self._next_dispute = FIRST_DISPUTE_NUMBER
            self._epoch = self.clock()
            self._set_engine(self.initial_plan)

    def _set_engine(self, plan: FaultPlan) -> None:
        self._engine = FaultEngine(plan)
        self._overlay_seen = set()

    def now(self) -> float:
        """Seconds since the last reset, by the store's clock."""
        return round(self.clock() - self._epoch, 3)

    @property
    def plan(self) -> FaultPlan:
        """The fault plan in force."""
        with self._lock:
            return self._engine.plan

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the fault plan; its counters and random draws start again."""
        with self._lock:
            self._set_engine(plan)

    # -- sessions ---------------------------------------------------------------------------

    def login(self, username: str, password: str) -> Session | None:
        """A new session for good credentials, else None."""
        expected = ACCOUNTS.get(username)
        if expected is None or not secrets.compare_digest(expected.encode(), password.encode()):
            return None
        session = Session(secrets.token_urlsafe(32), username, secrets.token_urlsafe(32))
        with self._lock:
            self._sessions[session.token] = session
        return session

    def session(self, token: str | None) -> Session | None:
        """The session for a cookie value, if it is still alive."""
        if not token:
            return None
        with self._lock:
            return self._sessions.get(token)

    def end_session(self, token: str) -> None:
        """Forget a session (logout or expiry)."""
        with self._lock:
            self._sessions.pop(token, None)
            self._overlay_seen.discard(token)

    def overlay_due(self, token: str) -> bool:
        """Whether this page load shows the promo overlay; ``once`` counts per session."""
        with self._lock:
            mode = self._engine.plan.overlay
            if mode == "always":
                return True
            if mode == "once" and token not in self._overlay_seen:
                self._overlay_seen.add(token)
                return True
            return False

    # -- orders and disputes ----------------------------------------------------------------

    def orders(self, account: str | None = None) -> list[Order]:
        """Every order, or one account's, in id order."""
        with self._lock:
            return [o for o in self._orders.values() if account in (None, o.account)]

    def order(self, order_id: str, account: str) -> Order | None:
        """One of the account's orders (another account's order is None, like a missing one)."""
        with self._lock:
            order = self._orders.get(order_id)
        return order if order is not None and order.account == account else None

    def disputes(self) -> list[Dispute]:
        """Every dispute, seeded and created, duplicates included."""
        with self._lock:
            return list(self._disputes)

    def open_dispute_for(self, order_id: str) -> Dispute | None:
        """The latest dispute for an order, if any."""
        with self._lock:
            found = [d for d in self._disputes if d.order_id == order_id]
        return found[-1] if found else None

    def dispute(self, dispute_id: str, account: str) -> Dispute | None:
        """One of the account's disputes."""
        with self._lock:
            for dispute in self._disputes:
                if dispute.dispute_id == dispute_id and dispute.account == account:
                    return dispute
        return None

    def create_dispute(self, order: Order, account: str, accepted: AcceptedDispute) -> Dispute:
        """Create a dispute; a second one for the same order is created all the same."""
        with self._lock:
            dispute = Dispute(
                dispute_id=f"D-{self._next_dispute:06d}",
                order_id=order.order_id,
                account=account,
                received=accepted.received,
                reason=accepted.reason,
                solution=accepted.solution,
                refund=accepted.refund,
                amount=accepted.amount,
                message=accepted.message,
                files=accepted.files,
                created_at=self.now(),
            )
            self._next_dispute += 1
            self._disputes.append(dispute)
            return dispute

    def confirm_receipt(self, order: Order) -> None:
        """The buyer confirms receipt: the transaction closes."""
        with self._lock:
            self._orders[order.order_id] = dataclasses.replace(
                order,
                state="receipt_confirmed",
                status="Completed",
                protection_days_left=0,
                ineligible="You confirmed receipt of this order. The transaction is closed.",
            )

    def extend_protection(self, order: Order) -> None:
        """The buyer extends buyer protection by 15 days (once)."""
        with self._lock:
            self._orders[order.order_id] = dataclasses.replace(
                order,
                state="protection_extended",
                status="Protection extended",
                protection_days_left=order.protection_days_left + 15,
                protection_extended=True,
            )

    # -- submissions and faults -------------------------------------------------------------

    def submissions(self) -> list[Submission]:
        """Every submit since the last reset and its answer."""
        with self._lock:
            return list(self._submissions)

    def challenge_up(self, before: int | None = None) -> bool:
        """Whether pages show the verification challenge (for a submission: with ``before``)."""
        with self._lock:
            return self._engine.challenge_up(before)

    def start_submission(self) -> int:
        """Count a submission; return how many came before it since the plan was set."""
        with self._lock:
            return self._engine.start_submission()

    def session_expires(self, before: int) -> bool:
        """Whether this submission ends its session (``session_expires_after``)."""
        with self._lock:
            return self._engine.session_expires(before)

    def before_validation(self) -> PreAnswer | None:
        """HTTP 500 or busy, decided before validation."""
        with self._lock:
            return self._engine.before_validation(self.clock())

    def after_commit(self) -> PostAnswer | None:
        """Busy after commit or HTTP 500, decided after the dispute was created."""
        with self._lock:
            return self._engine.after_commit()

    def slow_delay(self) -> float:
        """How long to hold this answer."""
        with self._lock:
            return self._engine.slow_delay()

    def record(
        self,
        *,
        order_id: str,
        account: str | None,
        via: str,
        answer: str,
        status_code: int,
        dispute_id: str | None = None,
        detail: str = "",
    ) -> Submission:
        """Log one submit and its answer."""
        with self._lock:
            submission = Submission(
                n=len(self._submissions) + 1,
                order_id=order_id,
                account=account,
                via=via,
                at=self.now(),
                answer=answer,
                status_code=status_code,
                dispute_id=dispute_id,
                detail=detail,
            )
            self._submissions.append(submission)
            return submission
