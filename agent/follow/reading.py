"""The request's page, read as a person sees it: its state, deadline, amounts, the store's words.

Only visible elements count (a hidden template or a script never does). Every element comes from
the profile's ``[follow]`` table (`agent.site.follow_profile`); a page whose words no
``[[follow.states]]`` phrase matches is `ProfileMismatch` (the profile does not fit: `check`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from playwright.async_api import Error as PlaywrightError

from agent.errors import ProfileMismatch, UnexpectedPage
from agent.follow.states import RequestState
from agent.site.dom import is_visible
from agent.site.follow_profile import FollowRules
from agent.site.gates import check_gates
from agent.site.locate import CHECK_HINT, SitePage

__all__ = ["RequestReading", "follow_rules", "read_request"]

_READ_MS = 2000
_MAX_TEXT = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestReading:
    """What the request's page said, at one moment."""

    request_id: str
    state: RequestState
    #: The page's own words for the state (its state elements' texts, joined).
    text: str
    #: When the shopper's time to answer ends (UTC), when the page shows one.
    deadline: datetime | None = None
    #: The amount the store proposes, and the amount the request asked for.
    proposal: Decimal | None = None
    requested: Decimal | None = None
    store_says: str | None = None
    #: The shopper's answers the page shows on the record (None: the profile does not say).
    responses: int | None = None
    url: str = ""
    #: When it was read (UTC).
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def left(self, now: datetime | None = None) -> timedelta | None:
        """The time left before the deadline (never negative), or None."""
        if self.deadline is None:
            return None
        return max(self.deadline - (now or self.at), timedelta(0))

    @property
    def good_news(self) -> bool:
        """The store's proposal gives everything the request asked for."""
        if not self.state.proposal or self.proposal is None or self.requested is None:
            return False
        return self.proposal >= self.requested

    def to_json(self) -> dict[str, object]:
        """As ``follow.json`` records it."""
        return {
            "request_id": self.request_id,
            "state": str(self.state),
            "words": self.state.words,
            "text": self.text,
            "deadline": self.deadline.isoformat(timespec="seconds") if self.deadline else None,
            "proposal": str(self.proposal) if self.proposal is not None else None,
            "requested": str(self.requested) if self.requested is not None else None,
            "good_news": self.good_news,
            "store_says": self.store_says,
            "responses": self.responses,
            "url": self.url,
            "at": self.at.isoformat(timespec="seconds"),
        }


def follow_rules(site: SitePage) -> FollowRules:
    """The profile's ``[follow]`` table (the caller checked there is one)."""
    rules = site.profile.follow
    if rules is None:  # pragma: no cover - refused before any browser starts
        raise ProfileMismatch(f"profile {site.profile.source} has no [follow] table")
    return rules


async def _text(site: SitePage, name: str) -> str | None:
    located = site.shown(name)
    if not await is_visible(located):
        return None
    try:
        return " ".join((await located.inner_text(timeout=_READ_MS)).split())[:_MAX_TEXT]
    except PlaywrightError:
        return None


async def _attribute(site: SitePage, name: str, attribute: str) -> str | None:
    located = site.shown(name)
    if not await is_visible(located):
        return None
    try:
        return await located.get_attribute(attribute, timeout=_READ_MS)
    except PlaywrightError:
        return None


async def wait_ready(site: SitePage, rules: FollowRules) -> None:
    """Wait for the request's page (`NeedsHuman` for a login or a challenge)."""
    try:
        await site.wait_shown(
            rules.ready, where="follow.ready", timeout_s=site.profile.timeouts.navigation_s
        )
    except UnexpectedPage:
        await check_gates(site, when="on the request's page")
        raise


async def read_request(
    site: SitePage, *, request_id: str, now: datetime | None = None
) -> RequestReading:
    """Read the request's page *site* is on (waited for), as the profile's ``[follow]`` says."""
    rules = follow_rules(site)
    await wait_ready(site, rules)
    await check_gates(site, when="on the request's page")
    for name in rules.elements():
        if name == rules.responses:  # a count: several on the record are expected
            first = site.locator(name).filter(visible=True).first
            await site.report(name, "looked", "follow.responses", matching=first)
        else:
            await site.report(name, "looked", "follow")
    texts = await asyncio.gather(*(_text(site, name) for name in rules.state))
    said = " ".join(t for t in texts if t)
    state = rules.state_of(said)
    if state is None:
        raise ProfileMismatch(
            f"the request's page at {site.page.url} says {said[:200]!r}, which no "
            f"[[follow.states]] phrase of profile {site.profile.source} matches",
            url=site.page.url,
            hint="add the phrase to the profile's [[follow.states]]; " + CHECK_HINT,
        )
    when = now or datetime.now(UTC)
    deadline = None
    rule = rules.deadline
    if rule is not None:
        raw = (
            await _attribute(site, rule.element, rule.attribute)
            if rule.attribute is not None
            else await _text(site, rule.element)
        )
        deadline = rule.parse(raw, now=when) if raw else None
    proposal = requested = None
    if rules.proposal is not None:
        shown = await _text(site, rules.proposal.element)
        proposal = rules.proposal.parse(shown) if shown else None
    if rules.requested is not None:
        shown = await _text(site, rules.requested.element)
        requested = rules.requested.parse(shown) if shown else None
    responses = None
    if rules.responses is not None:
        responses = await site.locator(rules.responses).filter(visible=True).count()
    return RequestReading(
        request_id=request_id,
        state=state,
        text=said,
        deadline=deadline.astimezone(UTC) if deadline else None,
        proposal=proposal,
        requested=requested,
        store_says=await _text(site, rules.store_says) if rules.store_says else None,
        responses=responses,
        url=site.page.url,
        at=when,
    )
