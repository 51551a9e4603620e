"""A request's states after it opened, and how ``retry-dispute follow`` ends: the only place
they are spelled, with their plain words and exit codes.

`RequestState` is what the request's page says (a profile maps the site's phrases to these
codes, ``[[follow.states]]``); `FollowStatus` is how a follow ends: the request resolved in the
shopper's favour, still open with nothing due, waiting for the shopper's decision, or closed
against them, and the usual statuses of `agent.outcome.Status` (invalid, needs_human, gave_up,
claimed, interrupted, error), whose exit codes are theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from agent.errors import RetryDisputeError
from agent.outcome import Status

__all__ = [
    "FOLLOW_PRECEDENCE",
    "FollowStatus",
    "RequestState",
    "follow_batch_exit_code",
]


class RequestState(StrEnum):
    """Where a return/refund request stands, as its page says it."""

    WAITING_STORE = "waiting_store"
    PROPOSED_PARTIAL = "proposed_partial"
    PROPOSED_RETURN = "proposed_return"
    REFUSED = "refused"
    EVIDENCE_REQUESTED = "evidence_requested"
    #: Waiting for the shopper, without saying why (a site's generic "Waiting for your response").
    AWAITING_YOU = "awaiting_you"
    ESCALATED = "escalated"
    REFUND_COMPLETE = "refund_complete"
    CLOSED_ACCEPTED = "closed_accepted"
    CLOSED_DEADLINE = "closed_deadline"
    CLOSED_WITHDRAWN = "closed_withdrawn"
    #: Closed, the reason not said.
    CLOSED = "closed"

    @property
    def words(self) -> str:
        """The state in plain words, for a person."""
        return _WORDS[self]

    @property
    def status(self) -> FollowStatus:
        """How a follow that leaves the request in this state ends."""
        return _STATUS[self]

    @property
    def awaits_shopper(self) -> bool:
        """True when the request waits for the shopper's answer (before a deadline)."""
        return self.status is FollowStatus.DECIDE

    @property
    def proposal(self) -> bool:
        """True when the store proposed a solution the shopper could accept."""
        return self in (RequestState.PROPOSED_PARTIAL, RequestState.PROPOSED_RETURN)

    @property
    def over(self) -> bool:
        """True when nothing can change any more (refunded or closed)."""
        return self.status in (FollowStatus.RESOLVED, FollowStatus.CLOSED)


class FollowStatus(StrEnum):
    """How ``retry-dispute follow`` ends for one request; its value is what follow.json says."""

    RESOLVED = "resolved"
    OPEN = "open"
    DECIDE = "decide"
    CLOSED = "closed"
    INVALID = Status.INVALID.value
    NEEDS_HUMAN = Status.NEEDS_HUMAN.value
    GAVE_UP = Status.GAVE_UP.value
    CLAIMED = Status.CLAIMED.value
    INTERRUPTED = Status.INTERRUPTED.value
    ERROR = Status.ERROR.value

    @property
    def exit_code(self) -> int:
        """The process exit code (README, "After the dispute opens")."""
        own = _OWN_CODES.get(self)
        return own if own is not None else Status(self.value).exit_code

    @property
    def label(self) -> str:
        """A short title for people (the report, a batch index)."""
        own = _LABELS.get(self)
        return own if own is not None else Status(self.value).label

    @property
    def meaning(self) -> str:
        """One sentence: what this status means."""
        own = _MEANINGS.get(self)
        return own if own is not None else Status(self.value).meaning

    @classmethod
    def of_error(cls, error: RetryDisputeError) -> FollowStatus:
        """The status a follow stopped by *error* ends with."""
        return cls(Status.of_error(error).value)

    @classmethod
    def parse(cls, value: object) -> FollowStatus:
        """The status named by *value*; anything else is ``error``."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.ERROR


_OWN_CODES: Mapping[FollowStatus, int] = MappingProxyType(
    {
        FollowStatus.RESOLVED: 0,
        FollowStatus.OPEN: 10,
        FollowStatus.DECIDE: 11,
        FollowStatus.CLOSED: 12,
    }
)
_LABELS: Mapping[FollowStatus, str] = MappingProxyType(
    {
        FollowStatus.RESOLVED: "Resolved in your favour",
        FollowStatus.OPEN: "Still open, nothing due",
        FollowStatus.DECIDE: "Your decision is needed",
        FollowStatus.CLOSED: "Closed against you",
        FollowStatus.INVALID: "Nothing followed",
    }
)
_MEANINGS: Mapping[FollowStatus, str] = MappingProxyType(
    {
        FollowStatus.RESOLVED: "the request is resolved in the shopper's favour (refund complete)",
        FollowStatus.OPEN: "the request is still open and nothing is due from the shopper",
        FollowStatus.DECIDE: "the store proposed less, refused or asked for evidence: the "
        "shopper must decide before the deadline",
        FollowStatus.CLOSED: "the request is closed without the refund asked for",
        FollowStatus.INVALID: "no request to follow, or a flag, file or profile is wrong; "
        "nothing was sent",
    }
)
_STATUS: Mapping[RequestState, FollowStatus] = MappingProxyType(
    {
        RequestState.WAITING_STORE: FollowStatus.OPEN,
        RequestState.PROPOSED_PARTIAL: FollowStatus.DECIDE,
        RequestState.PROPOSED_RETURN: FollowStatus.DECIDE,
        RequestState.REFUSED: FollowStatus.DECIDE,
        RequestState.EVIDENCE_REQUESTED: FollowStatus.DECIDE,
        RequestState.AWAITING_YOU: FollowStatus.DECIDE,
        RequestState.ESCALATED: FollowStatus.OPEN,
        RequestState.REFUND_COMPLETE: FollowStatus.RESOLVED,
        RequestState.CLOSED_ACCEPTED: FollowStatus.CLOSED,
        RequestState.CLOSED_DEADLINE: FollowStatus.CLOSED,
        RequestState.CLOSED_WITHDRAWN: FollowStatus.CLOSED,
        RequestState.CLOSED: FollowStatus.CLOSED,
    }
)
_WORDS: Mapping[RequestState, str] = MappingProxyType(
    {
        RequestState.WAITING_STORE: "waiting for the store's answer",
        RequestState.PROPOSED_PARTIAL: "the store proposes a partial refund",
        RequestState.PROPOSED_RETURN: "the store proposes a return of the item",
        RequestState.REFUSED: "the store refused the request",
        RequestState.EVIDENCE_REQUESTED: "the store asks for more evidence",
        RequestState.AWAITING_YOU: "the request waits for your response",
        RequestState.ESCALATED: "escalated: the marketplace is reviewing the case",
        RequestState.REFUND_COMPLETE: "refund complete",
        RequestState.CLOSED_ACCEPTED: "closed: the store's proposal was accepted",
        RequestState.CLOSED_DEADLINE: "closed: the time to respond ran out",
        RequestState.CLOSED_WITHDRAWN: "closed: the request was withdrawn",
        RequestState.CLOSED: "closed",
    }
)


#: A batch follow's exit code, most urgent first: interrupted, a person needed, an error, bad
#: input, gave up, claimed, then the shopper must decide > closed against them > still open.
FOLLOW_PRECEDENCE: tuple[int, ...] = (143, 130, 5, 1, 2, 7, 4, 6, 11, 12, 10)


def follow_batch_exit_code(codes: list[int]) -> int:
    """0 when every request is resolved, else the most urgent code by `FOLLOW_PRECEDENCE`."""
    present = {c for c in codes if c != 0}
    for code in FOLLOW_PRECEDENCE:
        if code in present:
            return code
    return 1 if present else 0
