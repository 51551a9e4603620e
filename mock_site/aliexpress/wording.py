"""Every text of the aliexpress skin: reasons, statuses, eligibility, busy and answer codes.

docs/storefront.md ("The aliexpress skin") lists them; change them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mock_site.aliexpress.request_wording import REQUEST_TEXTS

__all__ = [
    "BUSY_TEXTS",
    "CHALLENGE_HEADING",
    "CHALLENGE_TEXT",
    "GATEWAY_BUSY_RET",
    "INELIGIBLE",
    "ORDER_STATUS",
    "REASONS",
    "REASON_BY_ID",
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


#: The reasons the dropdown offers, by the received answer (``no``: not received).
REASONS: Mapping[str, tuple[Reason, ...]] = {
    "no": (
        Reason("5101", "not_received", "Didn't receive the package"),
        Reason("5102", "returned_to_sender", "Tracked as returned/canceled/lost"),
        Reason("5103", "in_transit_too_long", "Package not delivered in the promised time"),
        Reason("5104", "held_at_customs", "Held by customs"),
        Reason("5105", "no_tracking", "No tracking information"),
        Reason("5106", "wrong_address", "Sent to another address"),
    ),
    "yes": (
        Reason("5201", "not_as_described", "Item not as described"),
        Reason("5202", "poor_quality", "Poor quality"),
        Reason("5203", "does_not_work", "Doesn't work properly"),
        Reason("5204", "counterfeit", "Counterfeit item"),
        Reason("5205", "empty_parcel", "Empty package"),
        Reason("5206", "wrong_quantity", "Wrong quantity"),
        Reason("5207", "damaged", "Damaged item"),
        Reason("5208", "wrong_item", "Received the wrong item"),
    ),
}
REASON_BY_ID: Mapping[str, Reason] = {r.reason_id: r for group in REASONS.values() for r in group}

#: Status of a request as the order page and the answers show it (English), by its state code
#: (`mock_site.lifecycle.state_code`); the request's page says it in the plan's language
#: (`mock_site.aliexpress.request_wording`)...
STATUS_TEXTS: Mapping[str, str] = {code: texts[1] for code, texts in REQUEST_TEXTS["en"].items()}
#: ...and the title above it on the request's page.
STATUS_TITLES: Mapping[str, str] = {code: texts[0] for code, texts in REQUEST_TEXTS["en"].items()}

#: The order's status as the order list and detail show it, by the store's state.
ORDER_STATUS: Mapping[str, str] = {
    "in_transit": "Awaiting delivery",
    "delivered": "Delivered",
    "protection_ended": "Completed",
    "protection_extended": "Delivered",
    "receipt_confirmed": "Completed",
    "proposal_accepted": "Closed",
    "dispute_open": "Delivered",
}

#: Why no request can be opened, by the store's state (only the ineligible states).
INELIGIBLE: Mapping[str, str] = {
    "protection_ended": (
        "Buyer protection for this order has ended. Returns and refunds can be requested "
        "up to 15 days after the order is completed."
    ),
    "receipt_confirmed": (
        "You confirmed receipt of this order, so it is completed. "
        "Returns and refunds are no longer available."
    ),
    "proposal_accepted": (
        "You accepted the seller's proposal, so this order is closed. You can't open a new request."
    ),
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

SUCCESS_TOAST = "Your request has been submitted."
CHALLENGE_HEADING = "Sorry, we have detected unusual traffic from your network."
CHALLENGE_TEXT = "Please slide to verify"


def ineligible_text(state: str, ineligible: str | None) -> str | None:
    """The site's sentence for an ineligible order (``ineligible`` is the store's reason)."""
    if ineligible is None:
        return None
    return INELIGIBLE.get(state, ineligible)
