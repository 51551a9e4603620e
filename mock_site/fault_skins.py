"""Which fault-plan keys mean something on which skin, and each skin's defaults.

A key whose value has no meaning on a skin (``busy_style = "banner"`` on the aliexpress skin:
it has no full-page POST) is refused with a sentence naming the key and why. Only values other
than the default are refused, so the whole plan a server answers (``GET /__mock/faults``) can
always be sent back to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mock_site.faults_realsite import realsite_refusal
from mock_site.skins import Skin

__all__ = ["SKIN_DEFAULTS", "refusal"]

#: Keys whose default differs on a skin (the rest take FaultPlan's defaults).
SKIN_DEFAULTS: Mapping[Skin, Mapping[str, object]] = {
    "mock": {},
    "aliexpress": {"busy_style": "toast"},
}

Rule = Callable[[Mapping[str, object]], str | None]


def _mock_busy_format(plan: Mapping[str, object]) -> str | None:
    if plan["busy_format"] != "gateway":
        return (
            "busy_format has no meaning on the mock storefront: its busy answers are the texts "
            "of busy_style and language"
        )
    return None


def _mock_toast_s(plan: Mapping[str, object]) -> str | None:
    if plan["toast_s"] != 3.0:
        return (
            "toast_s has no meaning on the mock storefront: its toast stays until the next submit"
        )
    return None


def _mock_upload_delay_s(plan: Mapping[str, object]) -> str | None:
    if plan["upload_delay_s"] != 0.5:
        return (
            "upload_delay_s has no meaning on the mock storefront: its files are sent with the "
            "form, not uploaded on their own"
        )
    return None


def _ae_dispute_id_markup(plan: Mapping[str, object]) -> str | None:
    if plan["dispute_id_markup"]:
        return (
            "dispute_id_markup has no meaning on the aliexpress storefront: its order page "
            "shows a request's id only in the href of its View details link"
        )
    return None


def _ae_hidden_dispute_ids(plan: Mapping[str, object]) -> str | None:
    if plan["hidden_dispute_ids"]:
        return (
            "hidden_dispute_ids is only on the mock storefront: its order page carries the "
            "hidden ids (use the mock skin)"
        )
    return None


def _ae_busy_style(plan: Mapping[str, object]) -> str | None:
    if plan["busy_style"] == "banner":
        return (
            'busy_style = "banner" has no meaning on the aliexpress storefront: it has no '
            'full-page POST, its answers are JSON shown in the page (use "toast" or "modal")'
        )
    return None


def _ae_popup_blocked(plan: Mapping[str, object]) -> str | None:
    if plan["popup_blocked"]:
        return (
            "popup_blocked has no meaning on the aliexpress storefront: the returns page opens "
            "in a new tab from a link, not from window.open()"
        )
    return None


def _ae_hostile(plan: Mapping[str, object]) -> str | None:
    for key in ("echo_password", "echo_cookie", "escape_sequences", "extra_popups"):
        if plan[key]:
            return (
                f"{key} has no meaning on the aliexpress storefront: the hostile-site faults are "
                "the mock storefront's (docs/storefront.md)"
            )
    return None


def _ae_language(plan: Mapping[str, object]) -> str | None:
    if plan["language"] != "en" and plan["busy_format"] == "gateway":
        return (
            'language has no meaning with busy_format = "gateway" on the aliexpress storefront: '
            'the gateway\'s busy text is always Chinese (set busy_format = "text")'
        )
    return None


def _ae_order_page_shapes(plan: Mapping[str, object]) -> str | None:
    for key in (
        "order_notes",
        "dispute_text_only",
        "answer_wrong_id",
        "single_use_form",
        "returns_page",
    ):
        if plan[key]:
            return (
                f"{key} is only on the mock storefront: it reshapes the mock order page and "
                "its JSON answer (docs/storefront.md)"
            )
    return None


def _mock_realsite(plan: Mapping[str, object]) -> str | None:
    return realsite_refusal("mock", plan)


_RULES: Mapping[Skin, tuple[Rule, ...]] = {
    "mock": (_mock_busy_format, _mock_toast_s, _mock_upload_delay_s, _mock_realsite),
    "aliexpress": (
        _ae_busy_style,
        _ae_popup_blocked,
        _ae_language,
        _ae_dispute_id_markup,
        _ae_hidden_dispute_ids,
        _ae_hostile,
        _ae_order_page_shapes,
    ),
}


def refusal(skin: Skin, plan: Mapping[str, object]) -> str | None:
    """Why this plan (every key, as ``FaultPlan.to_dict()``) is refused on the skin, or None."""
    for rule in _RULES[skin]:
        reason = rule(plan)
        if reason is not None:
            return reason
    return None
