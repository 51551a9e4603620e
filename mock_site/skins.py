"""The storefront's skins: one store, two shapes of pages (docs/storefront.md).

``mock`` is the simple storefront (data-testid markup, a pop-up form, a full-page POST or one
fetch); ``aliexpress`` is shaped like the real AliExpress returns/refunds flow. A Store belongs to
one skin: the skin decides how its dispute ids look, which orders are seeded and which fault-plan
keys mean something.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DEFAULT_SKIN", "SKINS", "Skin", "check_skin", "format_dispute_id"]

Skin = Literal["mock", "aliexpress"]
SKINS: tuple[Skin, ...] = ("mock", "aliexpress")
DEFAULT_SKIN: Skin = "mock"

# aliexpress request ids: "5", the request number on 11 digits, then the buyer's suffix "7135"
# (real order and reverse-order ids are 16 digits and end with the same 4 digits per buyer)
_AE_PREFIX = "5"
_AE_SUFFIX = "7135"


def check_skin(name: str) -> Skin:
    """The skin of this name; ValueError names the skins there are."""
    if name not in SKINS:
        raise ValueError(f"unknown skin: {name!r} (expected one of {', '.join(SKINS)})")
    return name


def format_dispute_id(skin: Skin, number: int) -> str:
    """A dispute's id as the skin shows it: ``D-000100`` or ``5000000001007135``."""
    if skin == "aliexpress":
        return f"{_AE_PREFIX}{number:011d}{_AE_SUFFIX}"
    return f"D-{number:06d}"
