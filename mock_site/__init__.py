"""The bundled mock storefront: an AliExpress-like shop with every behaviour the agent must face.

docs/storefront.md is its specification: pages, markup, seeded orders, control API, fault plan.
"""

from __future__ import annotations

from mock_site.app import create_app
from mock_site.faults import FaultPlan, load_fault_file, parse_fault_plan
from mock_site.store import Store

__all__ = ["FaultPlan", "Store", "create_app", "load_fault_file", "parse_fault_plan"]
