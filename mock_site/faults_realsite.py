"""The fault keys of the shopper's real site: its interface language, markup that drifts,
overlays that come late, and chaos (docs/storefront.md, "Languages, drift, late overlays and
chaos"). Parsed and checked here; `mock_site.faults.FaultPlan` holds them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from mock_site.languages import LANGUAGES

__all__ = ["REALSITE_KEYS", "check_realsite_key", "realsite_refusal"]

#: The keys, each with its default (a healthy site).
REALSITE_KEYS: Mapping[str, object] = {
    "ui_language": None,
    "class_drift": 0,
    "late_banner_s": 0.0,
    "banner_with_modal": False,
    "chaos": 0,
}
#: The latest a late banner may come, in seconds.
MAX_BANNER_S = 60.0
#: The largest seed class_drift and chaos take (a 63-bit integer).
MAX_SEED = 2**63 - 1


def _bad(key: str, value: object, expected: str) -> ValueError:
    return ValueError(f"invalid value for {key}: {value!r} (expected {expected})")


def check_realsite_key(key: str, value: object) -> object:
    """Validate one of these keys' value and return it normalised."""
    if key == "ui_language":
        if value is not None and value not in LANGUAGES:
            raise _bad(key, value, "null or one of " + ", ".join(f'"{x}"' for x in LANGUAGES))
        return value
    if key in ("class_drift", "chaos"):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEED:
            raise _bad(key, value, "an integer seed >= 0 (0 is off)")
        return value
    if key == "late_banner_s":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _bad(key, value, f"a number of seconds from 0 to {MAX_BANNER_S:g}")
        if not math.isfinite(value) or not 0 <= value <= MAX_BANNER_S:
            raise _bad(key, value, f"a number of seconds from 0 to {MAX_BANNER_S:g}")
        return float(value)
    if key == "banner_with_modal":
        if not isinstance(value, bool):
            raise _bad(key, value, "true or false")
        return value
    raise KeyError(key)


def realsite_refusal(skin: str, plan: Mapping[str, object]) -> str | None:
    """Why a plan's value of these keys means nothing on *skin*, or None."""
    if skin != "mock":
        return None
    if plan["ui_language"] is not None:
        return (
            "ui_language has no meaning on the mock storefront: it speaks English only (the "
            "aliexpress storefront speaks en, fr, de, es and ru)"
        )
    if plan["class_drift"]:
        return (
            "class_drift has no meaning on the mock storefront: its markup has no hashed class "
            "names (use the aliexpress storefront)"
        )
    return None
