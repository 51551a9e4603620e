"""The existing dispute: ONE definition, used by the order page, the reconcile and recovery.

The id is read from what a person sees: the profile's ``[dispute]`` element, only where it is
visible (never from a ``<template>``, a comment, a script or a hidden element), from its
rendered text (an id wrapped in ``<b>`` is found) or from one of its attributes (an ``href``),
and it must match the profile's pattern. Anything else is no dispute.
"""

from __future__ import annotations

from agent.site.locate import SitePage

__all__ = ["read_existing_dispute"]

#: Visible matches looked at, at most (an order page lists few disputes).
_MAX_MATCHES = 20
_READ_MS = 2000


async def read_existing_dispute(site: SitePage) -> str | None:
    """The id of the dispute the page shows (the item's, when one is requested), or None.

    A page that changes under the read raises Playwright's error: the caller cannot tell.
    """
    rule = site.profile.dispute
    await site.report(rule.element, "looked", "dispute.element")
    shown = site.locator(rule.element).filter(visible=True)
    count = await shown.count()
    for index in range(min(count, _MAX_MATCHES)):
        element = shown.nth(index)
        if rule.attribute is not None:
            value = await element.get_attribute(rule.attribute, timeout=_READ_MS)
        else:
            value = await element.inner_text(timeout=_READ_MS)
        found = rule.id_in(" ".join((value or "").split()))
        if found is not None:
            return found
    return None
