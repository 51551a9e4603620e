"""Overlays that come late, and chaos: what a page does on its own, and every request held.

Both skins. ``late_banner_s`` shows the consent banner that long after each page loads (until it
is accepted); ``banner_with_modal`` shows it the first time an in-page modal opens, behind the
modal (the modal covers its button). ``chaos = SEED`` draws, from a random source seeded with
SEED and used for nothing else: a delay of 0-1.5 s for every request (but the control API and
the support chat's JSON endpoints), and for every page the consent banner late or with a
modal, the promo pop-up now and then, unrelated toasts, and the dispute form's container
re-rendered once while it is filled. A page carries its draws as ``data-*`` attributes of its
``<body>`` (`PageEffects.attributes`); the skins' scripts act on them. The requests are held by
`mock_site.chaos_latency`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from mock_site.faults import FaultPlan

__all__ = ["CHAOS_MAX_DELAY_S", "PageEffects", "PageEffectsDraws"]

#: The longest delay chaos holds a request, in seconds (`mock_site.chaos_latency`).
CHAOS_MAX_DELAY_S = 1.5


@dataclass(frozen=True, slots=True)
class PageEffects:
    """What one page does on its own after it loaded (all in milliseconds after load)."""

    #: The consent banner: shown this late (None: not late), or with the first modal.
    banner_ms: int | None = None
    banner_with_modal: bool = False
    #: The promo pop-up shown this late (None: not).
    promo_ms: int | None = None
    #: Unrelated toasts (a coupon, free shipping), each at its time.
    toasts_ms: tuple[int, ...] = ()
    #: The dispute form's container re-rendered this long after it is first used (None: not).
    rerender_ms: int | None = None

    @property
    def any(self) -> bool:
        """Whether the page does anything on its own."""
        return (
            self.banner_ms is not None
            or self.banner_with_modal
            or self.promo_ms is not None
            or bool(self.toasts_ms)
            or self.rerender_ms is not None
        )

    @property
    def banner(self) -> bool:
        """Whether the consent banner comes late (or with a modal) instead of at load."""
        return self.banner_ms is not None or self.banner_with_modal

    def attributes(self) -> dict[str, str]:
        """The ``data-*`` attributes of the page's ``<body>`` the scripts read."""
        out: dict[str, str] = {}
        if self.banner_ms is not None:
            out["data-banner-ms"] = str(self.banner_ms)
        if self.banner_with_modal:
            out["data-banner-with-modal"] = "yes"
        if self.promo_ms is not None:
            out["data-promo-ms"] = str(self.promo_ms)
        if self.toasts_ms:
            out["data-toasts-ms"] = json.dumps(list(self.toasts_ms))
        if self.rerender_ms is not None:
            out["data-rerender-ms"] = str(self.rerender_ms)
        return out


class PageEffectsDraws:
    """One plan's draws of late overlays and chaos (not thread-safe: the Store locks)."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.rng = random.Random(f"chaos:{plan.chaos}")

    def request_delay(self) -> float:
        """How long chaos holds a request (0 without chaos)."""
        if not self.plan.chaos:
            return 0.0
        return self.rng.uniform(0.0, CHAOS_MAX_DELAY_S)

    def page(self) -> PageEffects:
        """The effects of one page load."""
        plan = self.plan
        late = round(plan.late_banner_s * 1000) if plan.late_banner_s > 0 else None
        if not plan.chaos:
            return PageEffects(banner_ms=late, banner_with_modal=plan.banner_with_modal)
        rng = self.rng
        with_modal = plan.banner_with_modal or rng.random() < 0.3
        banner_ms = late if late is not None or with_modal else rng.randint(200, 2500)
        promo_ms = rng.randint(300, 3000) if rng.random() < 0.3 else None
        toasts = tuple(sorted(rng.randint(200, 4000) for _ in range(rng.randint(0, 2))))
        return PageEffects(
            banner_ms=banner_ms,
            banner_with_modal=with_modal,
            promo_ms=promo_ms,
            toasts_ms=toasts,
            rerender_ms=rng.randint(100, 900),
        )
