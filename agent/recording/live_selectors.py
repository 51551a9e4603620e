"""Selectors for an element of a live page, found by what it is: its role and accessible name,
its test id or id, its stable classes and, for a hashed class, its stable prefix.

Used by the second pass (`agent.recording.live`) for elements the recording did not name (the
order page's id, the form's container, an overlay, the other options of a radio group). Every
selector kept matches the element and no other (or, with ``many``, the element among others);
none may hold the text *without* (an order's own id).
"""

from __future__ import annotations

import contextlib
import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from agent.recording.selectors import css_attr, is_hashed_class, role_selector, sort_stable

__all__ = ["selectors_for"]

_MARK = "data-retry-dispute-mark"
_DESCRIBE = """el => ({
  tag: el.tagName.toLowerCase(),
  id: el.id || "",
  classes: Array.from(el.classList),
  testid: el.getAttribute("data-testid") || el.getAttribute("data-test") || "",
  name: el.getAttribute("name") || "",
  type: el.getAttribute("type") || "",
  placeholder: el.getAttribute("placeholder") || "",
})"""
_SNAPSHOT = re.compile(r'^- ([\w-]+)(?: "((?:[^"\\]|\\.)*)")?')


async def _unique(page: Page, selector: str, *, many: bool) -> bool:
    try:
        found = await page.locator(selector).evaluate_all(
            f"els => els.length > 0 && (els.length === 1 || {str(many).lower()}) && "
            f"els.some(e => e.hasAttribute('{_MARK}'))"
        )
    except PlaywrightError:
        return False
    return bool(found)


async def selectors_for(
    page: Page, element: Locator, *, many: bool = False, without: str | None = None
) -> tuple[str, ...]:
    """Selectors that find *element* on *page*, stable first (may be empty)."""
    try:
        info = await element.evaluate(_DESCRIBE)
        snapshot = await element.aria_snapshot(timeout=2000)
    except PlaywrightError:
        return ()
    candidates: list[str] = []
    found = _SNAPSHOT.match(snapshot.splitlines()[0] if snapshot else "")
    if found and found[1] not in ("generic", "text", "paragraph", "group", "none"):
        name = found[2].replace('\\"', '"') if found[2] else None
        candidates.append(role_selector(found[1], name))
    tag = str(info["tag"])
    if info["testid"]:
        candidates.append(css_attr("data-testid", str(info["testid"])))
    if info["id"] and not re.search(r"\d{3,}", str(info["id"])):
        candidates.append(f"#{info['id']}")
    if info["placeholder"]:
        candidates.append(css_attr("placeholder", str(info["placeholder"])))
    classes = [str(c) for c in info["classes"]]
    stable = [c for c in classes if not is_hashed_class(c)][:3]
    hashed = [c for c in classes if is_hashed_class(c)][:1]
    if stable:
        candidates.append(tag + "".join(f".{c}" for c in stable))
    if hashed:
        candidates.append(f"{tag}.{hashed[0]}")  # with its stable prefix (sort_stable adds it)
    if info["name"]:
        candidates.append(tag + css_attr("name", str(info["name"])))
    if without:
        candidates = [c for c in candidates if without not in c]
    try:
        await element.evaluate(f"el => el.setAttribute('{_MARK}', '')")
    except PlaywrightError:
        return ()
    try:
        kept = [c for c in sort_stable(candidates) if await _unique(page, c, many=False)]
        if many and not kept:  # among others: the first of them that is this one
            kept = [
                f"{c} >> nth=0"
                for c in sort_stable(candidates)
                if await _unique(page, f"{c} >> nth=0", many=False)
            ]
    finally:
        with contextlib.suppress(PlaywrightError):
            await element.evaluate(f"el => el.removeAttribute('{_MARK}')")
    return tuple(kept)
