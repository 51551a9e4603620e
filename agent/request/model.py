"""The request's records and vocabulary: what a dispute request holds once it passed the pre-flight.

`DisputeRequest` is one dispute as the form will receive it; `PreparedRequest` adds what the
pre-flight normalised and the evidence files it checked. The reason codes, choices and keys here
are the names shared by flags, request TOML, batch files and scenarios (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from agent.request.text import quote

__all__ = [
    "ALL_REASONS",
    "MESSAGE_MAX_CHARS",
    "MESSAGE_MIN_CHARS",
    "NOT_RECEIVED_REASONS",
    "RECEIVED_REASONS",
    "REFUNDS",
    "REQUEST_KEYS",
    "REQUIRED_KEYS",
    "SOLUTIONS",
    "DisputeRequest",
    "EvidenceFile",
    "EvidenceKind",
    "Normalisation",
    "PreparedRequest",
    "RefundKind",
    "Solution",
]

Solution = Literal["refund", "return", "replacement"]
RefundKind = Literal["full", "partial"]
EvidenceKind = Literal["photo", "video"]

#: Reason codes when the item was not received, in the order the site lists them.
NOT_RECEIVED_REASONS: tuple[str, ...] = (
    "not_received",
    "returned_to_sender",
    "in_transit_too_long",
    "held_at_customs",
    "no_tracking",
    "wrong_address",
)
#: Reason codes when the item was received, in the order the site lists them.
RECEIVED_REASONS: tuple[str, ...] = (
    "not_as_described",
    "poor_quality",
    "does_not_work",
    "counterfeit",
    "empty_parcel",
    "wrong_quantity",
    "damaged",
    "wrong_item",
)
SOLUTIONS: tuple[Solution, ...] = ("refund", "return", "replacement")
REFUNDS: tuple[RefundKind, ...] = ("full", "partial")
#: The message length the site accepts, in characters, after normalisation.
MESSAGE_MIN_CHARS = 10
MESSAGE_MAX_CHARS = 2000
#: The keys of a request TOML file (and of ``[request]`` in scenarios and batch files).
REQUEST_KEYS: tuple[str, ...] = (
    "order_id",
    "item",
    "quantity",
    "received",
    "reason",
    "solution",
    "refund",
    "amount",
    "message",
    "evidence",
)
REQUIRED_KEYS = ("order_id", "received", "reason", "message")

ALL_REASONS: tuple[str, ...] = NOT_RECEIVED_REASONS + RECEIVED_REASONS

#: Values longer than this are left out of a Normalisation's one-line text.
_SHORT = 24


@dataclass(frozen=True, slots=True)
class Normalisation:
    """One change the pre-flight made to a field, so the log and the result can say what changed.

    *what* is a stable description of the kind of change. For a character replaced or removed,
    *before* is that character and *after* its replacement ("" when removed); for a change to the
    whole value (whitespace, final period, currency, decimal comma), they are the whole values.
    """

    field: str
    what: str
    before: str
    after: str

    def __str__(self) -> str:
        """One line for logs and reports: the field, the change, and short values."""
        if max(len(self.before), len(self.after)) > _SHORT:
            return f"{self.field}: {self.what}"
        return f"{self.field}: {self.what} ({quote(self.before)} -> {quote(self.after)})"


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeRequest:
    """One dispute to open, as the form will receive it (build it with `build_request`)."""

    order_id: str
    #: Which item of a multi-item order (the site's item id), when the order has several.
    item: str | None = None
    #: How many of that item the dispute is for (a form with an items field asks).
    quantity: int = 1
    received: bool
    #: Our reason code, or the site's label for a reason we have no code for.
    reason: str
    solution: Solution = "refund"
    refund: RefundKind = "full"
    #: The amount claimed, in the order's currency, for a partial refund only.
    amount: Decimal | None = None
    message: str
    evidence: tuple[Path, ...] = ()

    @property
    def order_key(self) -> str:
        """The order, and the item when given: what one dispute is for (``1001``, ``1001/2``)."""
        return self.order_id if self.item is None else f"{self.order_id}/{self.item}"


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """An evidence file that passed the checks: its path, its kind (by content) and its size."""

    path: Path
    kind: EvidenceKind
    size: int


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request that passed the pre-flight, with what was normalised and the checked files."""

    request: DisputeRequest
    normalisations: tuple[Normalisation, ...] = ()
    evidence: tuple[EvidenceFile, ...] = ()
