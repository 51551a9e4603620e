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

from mock_site.chaos import PageEffects, PageEffectsDraws
from mock_site.chat import ChatDesk
from mock_site.faults import (
    FaultEngine,
    FaultPlan,
    PostAnswer,
    PreAnswer,
    check_plan_for_skin,
    default_plan,
)
from mock_site.lifecycle import (
    ResponseFaults,
    buyer_answer,
    deadline_passed,
    store_answer,
)
from mock_site.records import Dispute, Session, Submission
from mock_site.seed import ACCOUNTS, Order, SeededRequest, seed_orders, seeded_requests
from mock_site.skins import DEFAULT_SKIN, Skin, check_skin, format_dispute_id
from mock_site.validation import AcceptedDispute

__all__ = ["Dispute", "Session", "Store", "Submission"]

FIRST_DISPUTE_NUMBER = 100
TICKET_TTL_S = 120.0  # an SSO ticket of the aliexpress skin's login origin lives this long


def _seeded_dispute(skin: Skin, seeded: SeededRequest) -> Dispute:
    deadline = seeded.deadline_s
    return Dispute(
        dispute_id=format_dispute_id(skin, seeded.number),
        order_id=seeded.order_id,
        account="demo",
        received=seeded.received,
        reason=seeded.reason,
        solution="refund",
        refund="full",
        amount=seeded.amount,
        message=seeded.message,
        files=seeded.files,
        created_at=0.0,
        item_id=seeded.item_id,
        status=seeded.status,
        awaiting=seeded.awaiting,
        proposal_amount=seeded.proposal_amount,
        deadline_at=deadline,
    )


class Store:
    """Everything the storefront remembers; ``reset()`` brings back the seeded state.

    A store belongs to one skin (``mock`` or ``aliexpress``): it formats dispute ids the skin's
    way and refuses fault plans with keys that mean nothing there. The 16-digit multi-item
    orders (and their two seeded requests) are seeded when ``multi_item_orders`` is true,
    by default on the aliexpress skin only.
    """

    def __init__(
        self,
        *,
        faults: FaultPlan | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        skin: Skin = DEFAULT_SKIN,
        multi_item_orders: bool | None = None,
    ) -> None:
        self.skin = check_skin(skin)
        self.multi_item_orders = (
            skin == "aliexpress" if multi_item_orders is None else (multi_item_orders)
        )
        self.clock = clock
        self.wall_clock = wall_clock
        self.sleep = sleep
        if faults is not None:
            check_plan_for_skin(faults, self.skin)
        self.initial_plan = faults if faults is not None else default_plan(self.skin)
        self._lock = threading.RLock()
        self._tickets: dict[str, tuple[str, float]] = {}
        self._sessions: dict[str, Session] = {}
        self._orders: dict[str, Order] = {}
        self._disputes: list[Dispute] = []
        self._submissions: list[Submission] = []
        self._overlay_seen: set[str] = set()
        self._engine = FaultEngine(self.initial_plan)
        self._responses = ResponseFaults(0, 0, 0.0)
        self._next_dispute = FIRST_DISPUTE_NUMBER
        self._epoch = 0.0
        self._generation = 0
        #: single_use_form: each rendered form's token, and whether it was used.
        self._form_tokens: dict[str, bool] = {}
        self.chats = ChatDesk(clock=clock, wall_clock=wall_clock)
        self.reset()

    # -- state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Seeded orders and disputes, no submissions or chats, the initial plan; keep sessions."""
        self.chats.clear()
        with self._lock:
            multi = self.multi_item_orders
            self._orders = seed_orders(multi_item=multi)
            self._disputes = [
                _seeded_dispute(self.skin, seeded) for seeded in seeded_requests(multi_item=multi)
            ]
            self._submissions = []
            self._next_dispute = FIRST_DISPUTE_NUMBER
            self._epoch = self.clock()
            self._set_engine(self.initial_plan)

    def issue_form_token(self) -> str:
        """A new single-use token for one rendered form (``single_use_form``)."""
        token = secrets.token_hex(8)
        with self._lock:
            self._form_tokens[token] = False
        return token

    def redeem_form_token(self, token: str) -> bool:
        """Use a form's token once: False when it was never issued or is used already."""
        with self._lock:
            if self._form_tokens.get(token) is not False:
                return False
            self._form_tokens[token] = True
            return True

    async def hold_unanswered(self, disconnected: Callable[[], Awaitable[bool]]) -> None:
        """``never_answer``: hold a submission until its client goes away or the store is reset
        (a real wait, whatever the injected sleep: the answer never comes)."""
        generation = self._generation
        while self._generation == generation and not await disconnected():
            await asyncio.sleep(0.1)

    def _set_engine(self, plan: FaultPlan) -> None:
        self._generation += 1  # a submission held by the old plan's never_answer ends
        self._engine = FaultEngine(plan)
        self._responses = ResponseFaults(
            plan.respond_busy_first, plan.respond_busy_after_commit, plan.respond_slow_s
        )
        self._overlay_seen = set()
        self._effects = PageEffectsDraws(plan)  # late overlays and chaos (mock_site/chaos.py)

    def seeded_dispute_ids(self) -> list[str]:
        """The ids of the disputes every reset brings back, as the skin shows them."""
        seeded = seeded_requests(multi_item=self.multi_item_orders)
        return [format_dispute_id(self.skin, request.number) for request in seeded]

    def now(self) -> float:
        """Seconds since the last reset, by the store's clock."""
        return round(self.clock() - self._epoch, 3)

    @property
    def plan(self) -> FaultPlan:
        """The fault plan in force."""
        with self._lock:
            return self._engine.plan

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the fault plan; its counters and random draws start again.

        ValueError when a key of the plan has no meaning on the store's skin.
        """
        check_plan_for_skin(plan, self.skin)
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

    def issue_ticket(self, session: Session) -> str:
        """A one-time SSO ticket for a session (the aliexpress skin's login origin)."""
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            self._tickets[ticket] = (session.token, self.clock() + TICKET_TTL_S)
        return ticket

    def redeem_ticket(self, ticket: str) -> Session | None:
        """The session of a ticket, once, while it is fresh; else None."""
        with self._lock:
            token, expires = self._tickets.pop(ticket, ("", 0.0))
            if not token or self.clock() > expires:
                return None
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
            self._settle()
            return list(self._disputes)

    def open_dispute_for(self, order_id: str) -> Dispute | None:
        """The latest dispute for an order, if any."""
        with self._lock:
            self._settle()
            found = [d for d in self._disputes if d.order_id == order_id]
        return found[-1] if found else None

    def dispute_for_item(self, order_id: str, item_id: str) -> Dispute | None:
        """The latest dispute for one item line of an order, if any."""
        with self._lock:
            self._settle()
            found = [d for d in self._disputes if d.order_id == order_id and d.item_id == item_id]
        return found[-1] if found else None

    def shown_dispute_for(self, order_id: str, item_id: str | None = None) -> Dispute | None:
        """The latest dispute the order page shows (of one item line, if given): with
        ``dispute_shows_after_s``, a new one only that long after it was created (the seeded
        ones always)."""
        delay = self.plan.dispute_shows_after_s
        now = self.now()
        seeded = set(self.seeded_dispute_ids())
        with self._lock:
            self._settle()
            found = [
                d
                for d in self._disputes
                if d.order_id == order_id
                and (item_id is None or d.item_id == item_id)
                and (d.dispute_id in seeded or now - d.created_at >= delay)
            ]
        return found[-1] if found else None

    def dispute(self, dispute_id: str, account: str) -> Dispute | None:
        """One of the account's disputes."""
        with self._lock:
            self._settle()
            for dispute in self._disputes:
                if dispute.dispute_id == dispute_id and dispute.account == account:
                    return dispute
        return None

    def create_dispute(
        self,
        order: Order,
        account: str,
        accepted: AcceptedDispute,
        *,
        item_id: str | None = None,
    ) -> Dispute:
        """Create a dispute; a second one for the same order is created all the same.

        ``item_id`` defaults to the order's item line when it has only one.
        """
        if item_id is None and len(order.items) == 1:
            item_id = order.items[0].item_id
        with self._lock:
            dispute = Dispute(
                dispute_id=format_dispute_id(self.skin, self._next_dispute),
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
                item_id=item_id,
            )
            self._next_dispute += 1
            self._disputes.append(dispute)
            return dispute

    # -- a request's life (mock_site.lifecycle) ----------------------------------------------

    def _settle(self) -> None:
        """Under the lock: close requests whose deadline passed, and let the store answer new
        ones by itself when the plan says so (``store_answer``)."""
        now = self.now()
        auto = self._engine.plan.store_answer
        for index, dispute in enumerate(self._disputes):
            changed = deadline_passed(dispute, now)
            if (
                changed is None
                and auto is not None
                and dispute.status == "waiting_seller"
                and not any(a.by == "store" for a in dispute.actions)
                and now - dispute.created_at >= auto.after_s
            ):
                changed = store_answer(
                    dispute,
                    auto.action,
                    now=dispute.created_at + auto.after_s,
                    amount=auto.amount,
                    reason=auto.reason,
                    deadline_s=auto.deadline_s,
                )
                changed = deadline_passed(changed, now) or changed
            if changed is not None:
                self._disputes[index] = changed

    def _change(
        self, dispute_id: str, account: str | None, change: Callable[[Dispute], Dispute]
    ) -> Dispute | None:
        """Apply *change* to a request (of *account*, when given) under the lock; None when
        there is no such request. `NotAllowed` (from the change) when its state refuses it."""
        with self._lock:
            self._settle()
            for index, dispute in enumerate(self._disputes):
                if dispute.dispute_id == dispute_id and account in (None, dispute.account):
                    self._disputes[index] = change(dispute)
                    return self._disputes[index]
        return None

    def store_action(
        self,
        dispute_id: str,
        action: str,
        *,
        amount: object = None,
        reason: object = None,
        deadline_s: object = None,
    ) -> Dispute | None:
        """The store answers a request (the control API); None when there is no such request."""
        now = self.now()
        return self._change(
            dispute_id,
            None,
            lambda d: store_answer(
                d, action, now=now, amount=amount, reason=reason, deadline_s=deadline_s
            ),
        )

    def buyer_action(
        self,
        dispute_id: str,
        account: str,
        action: str,
        *,
        message: str = "",
        files: tuple[str, ...] = (),
    ) -> Dispute | None:
        """The buyer answers one of their requests; None when there is no such request."""
        now = self.now()
        return self._change(
            dispute_id,
            account,
            lambda d: buyer_answer(d, action, now=now, message=message, files=files),
        )

    def response_busy_before(self) -> bool:
        """Whether this response of the buyer answers busy before it is judged."""
        with self._lock:
            return self._responses.before()

    def response_busy_after_commit(self) -> bool:
        """Whether this recorded response answers busy all the same."""
        with self._lock:
            return self._responses.after_commit()

    def response_delay(self) -> float:
        """How long to hold the answer of a recorded response (``respond_slow_s``)."""
        with self._lock:
            return self._responses.slow_s

    def deadline_wall(self, dispute: Dispute) -> float | None:
        """A request's deadline as a wall-clock timestamp (seconds since the epoch), or None."""
        if dispute.deadline_at is None:
            return None
        return self.wall_clock() + (dispute.deadline_at - self.now())

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

    def chaos_delay(self) -> float:
        """How long chaos holds the next request (0 without chaos)."""
        with self._lock:
            return self._effects.request_delay()

    def page_effects(self) -> PageEffects:
        """What the next page does on its own: a late banner, chaos (mock_site/chaos.py)."""
        with self._lock:
            return self._effects.page()

    async def latency(self, kind: str) -> None:
        """Hold a page (``kind`` "page") or a submission's answer ("submit") per ``latency``."""
        with self._lock:
            delay = self._engine.page_delay() if kind == "page" else self._engine.submit_delay()
        if delay > 0:
            await self.sleep(delay)

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
        item_id: str | None = None,
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
                item_id=item_id,
            )
            self._submissions.append(submission)
            return submission
