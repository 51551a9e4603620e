"""The aliexpress skin's texts in English (its wording in every language is in
`mock_site.aliexpress.lang`), its reasons' ids, and the busy and answer codes.

docs/storefront.md ("The aliexpress skin") lists them; change them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mock_site.aliexpress.lang import wording

_EN = wording("en")

__all__ = [
    "BUSY_TEXTS",
    "CHALLENGE_HEADING",
    "CHALLENGE_TEXT",
    "GATEWAY_BUSY_RET",
    "INELIGIBLE",
    "ORDER_STATUS",
    "REASONS",
    "REASON_BY_ID",
    "REQUEST_STATES",
    "STATUS_TEXTS",
    "STATUS_TITLES",
    "SUCCESS_TOAST",
    "Reason",
    "ineligible_text",
]


@dataclass(frozen=True, slots=True)
class Reason:
    """One entry of the reason dropdown: the site's id, our code and the site's label."""

    reason_id: str
    code: str
    label: str


_IDS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "no": (
        ("5101", "not_received"),
        ("5102", "returned_to_sender"),
        ("5103", "in_transit_too_long"),
        ("5104", "held_at_customs"),
        ("5105", "no_tracking"),
        ("5106", "wrong_address"),
    ),
    "yes": (
        ("5201", "not_as_described"),
        ("5202", "poor_quality"),
        ("5203", "does_not_work"),
        ("5204", "counterfeit"),
        ("5205", "empty_parcel"),
        ("5206", "wrong_quantity"),
        ("5207", "damaged"),
        ("5208", "wrong_item"),
    ),
}
#: The reasons the dropdown offers, by the received answer (``no``: not received), in English.
REASONS: Mapping[str, tuple[Reason, ...]] = {
    received: tuple(Reason(rid, code, _EN.reason(code)) for rid, code in ids)
    for received, ids in _IDS.items()
}
REASON_BY_ID: Mapping[str, Reason] = {r.reason_id: r for group in REASONS.values() for r in group}

#: A request's states (`mock_site.lifecycle.state_code`), as its pages say them.
REQUEST_STATES: tuple[str, ...] = (
    "waiting_seller",
    "proposal_partial",
    "proposal_return",
    "refused",
    "evidence_requested",
    "escalated",
    "refund_complete",
    "closed_accepted",
    "closed_deadline_missed",
    "closed_withdrawn",
)
#: Status of a request by its state code, in English: the order page and the JSON answers say
#: it so whatever the interface language (the pages in theirs: `Wording.status`)...
STATUS_TEXTS: Mapping[str, str] = {code: _EN.status(code) for code in REQUEST_STATES}
#: ...and the title above it on the request's page.
STATUS_TITLES: Mapping[str, str] = {code: _EN.title(code) for code in REQUEST_STATES}

_STATES = (
    "in_transit",
    "delivered",
    "protection_ended",
    "protection_extended",
    "receipt_confirmed",
    "proposal_accepted",
    "dispute_open",
)
#: The order's status as the order list and detail show it, by the store's state.
ORDER_STATUS: Mapping[str, str] = {state: _EN.order_status(state, "") for state in _STATES}

#: Why no request can be opened, by the store's state (only the ineligible states).
INELIGIBLE: Mapping[str, str] = {
    state: _EN[f"ineligible.{state}"]
    for state in ("protection_ended", "receipt_confirmed", "proposal_accepted")
}

#: The gateway's overload answer (busy_format = "gateway"): ``ret`` of an HTTP 200 JSON body.
GATEWAY_BUSY_RET = ("FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试")

#: busy_format = "text": the busy message, by the plan's language.
BUSY_TEXTS: Mapping[str, str] = {
    "en": "The system is busy. Please try again later.",
    "fr": "Le système est occupé. Veuillez réessayer plus tard.",
    "ru": "Система перегружена. Пожалуйста, повторите попытку позже.",
    "es": "El sistema está ocupado. Inténtalo de nuevo más tarde.",
    "pt": "O sistema está ocupado. Tente novamente mais tarde.",
    "zh": "系统繁忙，请稍后再试。",  # noqa: RUF001  # the real text has fullwidth punctuation
}

SUCCESS_TOAST = _EN["success_toast"]
CHALLENGE_HEADING = _EN["challenge_heading"]
CHALLENGE_TEXT = _EN["challenge_text"]


def ineligible_text(state: str, ineligible: str | None, *, language: str = "en") -> str | None:
    """The site's sentence for an ineligible order (``ineligible`` is the store's reason), in
    *language*."""
    if ineligible is None:
        return None
    return wording(language).ineligible(state, ineligible)
