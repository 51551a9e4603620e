"""The way to a request's page: by its URL when the profile gives one and the id is known, else
from the order page (logged in first when the site asks), whose ``[dispute]`` says the id, then
the profile's ``[[follow.open_steps]]``.

Pages are armed with the profile's overlays and a dialog answer of ``dismiss``: a confirmation
no step asked for (the one that accepts the store's proposal, say) is never accepted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from playwright.async_api import Page

from agent.errors import InvalidField, InvalidRequest, LoginRequired
from agent.follow.reading import follow_rules
from agent.log import get_logger
from agent.session import Credentials
from agent.site.gates import arm_page, check_gates
from agent.site.locate import Inspector, SitePage
from agent.site.order_page import OrderPage
from agent.site.profile_model import SiteProfile
from agent.site.steps import StepRun, run_steps

__all__ = ["NO_REQUEST_HINT", "Reached", "follow_view", "reach_request"]

log = get_logger("agent.follow")

NO_REQUEST_HINT = "open one first with `retry-dispute run`, or check the order id and --site"
#: Records a screenshot of a page under a name.
Shot = Callable[[Page, str], Awaitable[None]]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Reached:
    """The request's page, and the request's id."""

    site: SitePage
    request_id: str


def follow_view(profile: SiteProfile) -> SiteProfile:
    """The profile as `follow` uses it: every JS dialog a step did not ask for is dismissed."""
    return dataclasses.replace(profile, page=dataclasses.replace(profile.page, dialogs="dismiss"))


async def _login_if_asked(order: OrderPage, credentials: Credentials | None) -> bool:
    if not await order.is_login():
        return False
    if credentials is None:
        raise LoginRequired(
            "the site asks to log in",
            hint="pass --storage-state FILE, or set RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
        )
    await order.login(credentials)
    return True


async def _goto(site: SitePage, url: str) -> int | None:
    response = await site.page.goto(
        url, timeout=site.profile.timeouts.navigation_s * 1000, wait_until="domcontentloaded"
    )
    return response.status if response else None


async def reach_request(
    page: Page,
    profile: SiteProfile,
    *,
    base_url: str,
    order_id: str,
    item: str | None = None,
    request_id: str | None = None,
    credentials: Credentials | None = None,
    shot: Shot | None = None,
    inspector: Inspector | None = None,
) -> Reached:
    """Open the request's page, starting in *page*; `InvalidRequest` when there is no request.

    *inspector*: told about every element used (`retry-dispute check`)."""
    view = follow_view(profile)
    rules = follow_rules(SitePage(page, view))
    await arm_page(page, view)
    site = SitePage(page, view, item=item, inspector=inspector)
    order = OrderPage(site, base_url=base_url)
    direct = rules.request_url(base_url, request_id) if request_id else None
    if direct is not None:
        status = await _goto(site, direct)
        if await _login_if_asked(order, credentials):
            status = await _goto(site, direct)
        if shot is not None:
            await shot(page, "request-page")
        await check_gates(site, when="opening the request's page")
        if status is not None and status >= 400:
            raise InvalidRequest(
                f"the site shows no request {request_id} (HTTP {status}): it was never opened "
                "there, or it belongs to another account",
                hint=NO_REQUEST_HINT,
            )
        return Reached(site=site, request_id=str(request_id))
    status = await order.goto(order_id)
    if await _login_if_asked(order, credentials):
        status = await order.goto(order_id)
    if shot is not None:
        await shot(page, "order-page")
    if status == 404:
        raise InvalidField(
            f"order {order_id} was not found on the site (HTTP 404)",
            field="order_id",
            hint="check the order id, and that the session is of the account that placed it",
        )
    await check_gates(site, when="on the order page")
    state = await order.read_state()
    found = state.dispute.dispute_id
    if found is None and state.dispute.exists:
        raise InvalidRequest(
            f"order {order_id}'s page shows a request but not its id "
            f'("{state.dispute.shown}"): follow needs the id to reach the request',
            hint="fix the profile's [dispute] pattern or attribute; see `retry-dispute check`",
        )
    if found is None:
        said = f" (it says: {state.ineligible_text})" if state.ineligible_text else ""
        raise InvalidRequest(
            f"order {order_id}{f' item {item}' if item else ''} has no return/refund request on "
            f"the site: nothing to follow{said}",
            hint=NO_REQUEST_HINT,
        )
    log.info("follow.request_found", order_id=order_id, request_id=found)
    by_url = rules.request_url(base_url, found)
    if by_url is not None:
        await _goto(site, by_url)
        return Reached(site=site, request_id=found)

    async def _arm(new: Page) -> None:
        await arm_page(new, view)

    moved = await run_steps(
        site, rules.open_steps, StepRun(on_new_page=_arm), when="opening the request's page"
    )
    return Reached(site=moved, request_id=found)
