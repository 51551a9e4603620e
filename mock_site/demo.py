"""The out-of-the-box demo on the bundled storefront: its fault plan, request and short waits.

`retry-dispute run` with no ``--site`` starts the storefront with `DEMO_FAULTS` (busy three
times, then the dispute opens), logs in the demo account and, when no request is given, sends
`DEMO_REQUEST` with the `DEMO_POLICY` waits so it finishes in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["DEMO_ACCOUNT", "DEMO_FAULTS", "DEMO_FAULTS_BY_SKIN", "DEMO_POLICY", "DEMO_REQUEST"]

#: The demo account of the bundled storefront: (user, password).
DEMO_ACCOUNT: tuple[str, str] = ("demo", "demo")
#: The bundled storefront is busy three times, then opens the dispute.
DEMO_FAULTS: Mapping[str, object] = MappingProxyType(
    {"busy_first": 3, "busy_style": "banner", "busy_status": 503}
)
#: Each skin's demo plan: busy three times, in the skin's own way (the aliexpress skin answers
#: in the gateway's HTTP 200 JSON and shows a toast).
DEMO_FAULTS_BY_SKIN: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {
        "mock": DEMO_FAULTS,
        "aliexpress": MappingProxyType({"busy_first": 3}),
    }
)
DEMO_REQUEST: Mapping[str, object] = MappingProxyType(
    {
        "order_id": "1001",
        "received": "no",
        "reason": "not_received",
        "solution": "refund",
        "refund": "full",
        "amount": None,
        "message": (
            "My parcel has been in transit for 40 days and has not arrived. "
            "Please refund the full amount."
        ),
        "evidence": [],
    }
)
#: Short waits for the demo, so it finishes in seconds.
DEMO_POLICY: Mapping[str, float] = MappingProxyType({"initial_wait_s": 1.0, "max_wait_s": 4.0})
