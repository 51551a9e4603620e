"""The scenario command's options: ``--fault KEY=VALUE`` and ``--profile SKIN=FILE``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from agent.errors import InvalidConfig
from agent.site.profile import SiteProfile, load_profile
from mock_site.scenarios.model import STOREFRONTS

__all__ = ["parse_fault_args", "parse_profile_args"]


def parse_fault_args(items: Iterable[str]) -> dict[str, object]:
    """``--fault KEY=VALUE`` options: the value read as JSON (``7``, ``true``), else as a word."""
    out: dict[str, object] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InvalidConfig(f"--fault {item!r} is not KEY=VALUE", hint="e.g. --fault chaos=7")
        try:
            value: object = json.loads(raw)
        except ValueError:
            value = raw
        out[key.strip()] = value
    return out


def parse_profile_args(items: Iterable[str]) -> dict[str, SiteProfile]:
    """``--profile SKIN=FILE`` options: the profile each storefront is driven with."""
    out: dict[str, SiteProfile] = {}
    for item in items:
        skin, sep, path = item.partition("=")
        skin = skin.strip()
        if not sep or not path.strip() or skin not in STOREFRONTS:
            raise InvalidConfig(
                f"--profile {item!r} is not SKIN=FILE",
                hint=f"e.g. --profile mock=shop.toml (the storefronts: {', '.join(STOREFRONTS)})",
            )
        out[skin] = load_profile(Path(path.strip()))
    return out
