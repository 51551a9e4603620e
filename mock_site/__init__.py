"""The bundled mock storefront: an AliExpress-like shop with every behaviour the agent must face.

Two skins over one store: ``mock`` (``create_app``) and ``aliexpress``, shaped like the real
returns/refunds flow (``create_aliexpress_app``). docs/storefront.md is their specification:
pages, markup, seeded orders, control API, fault plan.
"""

from __future__ import annotations

from mock_site.aliexpress import create_aliexpress_app
from mock_site.app import create_app
from mock_site.faults import FaultPlan, load_fault_file, parse_fault_plan
from mock_site.skins import SKINS, Skin
from mock_site.store import Store

__all__ = [
    "SKINS",
    "FaultPlan",
    "Skin",
    "Store",
    "create_aliexpress_app",
    "create_app",
    "load_fault_file",
    "parse_fault_plan",
]
