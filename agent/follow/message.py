"""The response's words: a short English message that disagrees, prepared from the request and
the run (or the shopper's own ``--message``), through the dispute message's pre-flight.

The real flow's script answers "I do NOT AGREE…" and attaches its proof again; this says why in
one or two plain sentences, quoting the dispute's own message when it is short.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from agent.follow.reading import RequestReading
from agent.follow.states import RequestState
from agent.request import Normalisation, check_message, normalise_message

__all__ = ["default_message", "prepare_message"]

#: What went wrong, by our reason code: the sentence the message starts its case with.
_PROBLEM: Mapping[str, str] = {
    "not_received": "I never received the parcel.",
    "returned_to_sender": "The parcel was returned to the sender and I never received it.",
    "in_transit_too_long": "The parcel was not delivered in the promised time.",
    "held_at_customs": "The parcel is held at customs and was never delivered to me.",
    "no_tracking": "There is no tracking information and I never received the parcel.",
    "wrong_address": "The parcel was sent to another address and I never received it.",
    "not_as_described": "The item is not as described.",
    "poor_quality": "The item is of poor quality.",
    "does_not_work": "The item does not work.",
    "counterfeit": "The item is counterfeit.",
    "empty_parcel": "The parcel was empty.",
    "wrong_quantity": "I received the wrong quantity.",
    "damaged": "The item arrived damaged.",
    "wrong_item": "I received the wrong item.",
}
_QUOTE_UP_TO = 200


def _money(value: Decimal | None) -> str:
    return f"US ${value:.2f}" if value is not None else "less than I asked for"


def default_message(reading: RequestReading, request: Mapping[str, object]) -> str:
    """The message: what we disagree with, why (the reason, the dispute's own words), what we
    ask. *request* is the run's request as ``result.json`` holds it (may be empty)."""
    reason = str(request.get("reason") or "")
    problem = _PROBLEM.get(reason, "The problem I reported is real and not solved.")
    asked = request.get("amount")
    wanted = f"a refund of US ${asked}" if asked else "a full refund"
    state = reading.state
    if state is RequestState.PROPOSED_PARTIAL:
        opening = f"I do not agree with a partial refund of {_money(reading.proposal)}."
    elif state is RequestState.PROPOSED_RETURN:
        opening = "I do not agree to return the item at my own cost."
    elif state is RequestState.EVIDENCE_REQUESTED:
        opening = "Here is my evidence again, as asked."
    else:
        opening = "I do not agree with the seller's answer."
    said = " ".join(str(request.get("message") or "").split())
    quote = f' As I wrote: "{said}"' if said and len(said) <= _QUOTE_UP_TO else ""
    return f"{opening} {problem}{quote} I ask for {wanted}. Please see my evidence."


def prepare_message(text: str) -> tuple[str, tuple[Normalisation, ...]]:
    """*text* through the dispute message's pre-flight: normalised, then checked (English only,
    no hidden characters, a final period, the site's length); `InvalidField` when refused."""
    normalised, changes = normalise_message(text)
    check_message(normalised)
    return normalised, tuple(changes)
