"""The opening stage of a run: from the order page to the dispute form, filled.

The order page (logged in first when the site asks and credentials are given), its gates, an
existing dispute or the reason the order is not eligible, an intent a crash left unfinished
(settled by what the page shows), then the profile's open steps and the form, filled. Each step
leaves a screenshot; a final outcome reached here (a dispute already open) is `Finished`.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import BrowserContext

from agent.errors import InvalidField, LoginRequired, NotEligible, UnexpectedPage
from agent.flow.context import login_hint
from agent.flow.reconcile import Reconciler
from agent.flow.run_state import Finished, OrderRun
from agent.log import get_logger
from agent.outcome import Status
from agent.site.form import DisputeForm
from agent.site.gates import arm_page, check_gates
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.popups import PopupWatch

__all__ = ["open_filled_form", "settle_unfinished"]

log = get_logger("agent.run")


async def open_filled_form(run: OrderRun, context: BrowserContext) -> None:
    """Reach the dispute form for *run*'s order in *context* and fill it.

    Leaves the form's page in ``run.form_site`` (and its URL in ``run.form_url``); raises
    `Finished` for a dispute already open, our errors for the rest.
    """
    run.context = context
    page = await context.new_page()
    run.page = page
    site = SitePage(page, run.profile, item=run.request.item, drift=run.drift)
    run.reconciler = Reconciler(
        context,
        site,
        base_url=run.s.site,
        order_id=run.request.order_id,
        record_step=run.record,
    )
    run.folder.prepare(page)
    await arm_page(page, run.profile)
    order = OrderPage(site, base_url=run.s.site)
    status = await order.goto(run.request.order_id)
    # photographed as soon as it is there, named once it is known to be a login page or
    # the order page, while it is read (reading changes nothing on it)
    grab = asyncio.ensure_future(run.grab(page))
    try:
        login = await order.is_login()
    except BaseException:
        await asyncio.gather(grab, return_exceptions=True)
        raise
    if login:
        credentials = run.s.options.session.credentials
        if credentials is None:
            run.kept_step(await grab, "login-required")
            raise LoginRequired(hint=login_hint(run.s.options.session, run.s.site))
        run.kept_step(await grab, "login-page")
        await order.login(credentials)
        status = await order.goto(run.request.order_id)
        grab = asyncio.ensure_future(run.grab(page))
    if status == 404:
        run.kept_step(await grab, "order-not-found")
        raise InvalidField(
            f"order {run.request.order_id} was not found on the site (HTTP 404)",
            field="order_id",
            hint="check the order id, and that the session is of the account that placed it",
        )
    try:
        await check_gates(site, when="on the order page")
        state = await order.read_state()
    finally:
        run.kept_step(await grab, "order-page")
    existing = await settle_unfinished(run, state.existing_dispute_id)
    if existing:
        log.info("agent.already_open", dispute_id=existing)
        raise Finished(
            run.outcome(
                Status.ALREADY_OPEN,
                f"a dispute is already open for order {run.request.order_id}: {existing}",
                dispute_id=existing,
            )
        )
    if state.ineligible_text:
        rule = run.profile.explain_ineligible(state.ineligible_text)
        raise NotEligible(
            rule.explain if rule else state.ineligible_text,
            order_id=run.request.order_id,
            code=rule.code if rule else None,
            context={"site_text": state.ineligible_text},
        )
    popups = PopupWatch(page)
    form_site = await order.open_form(run.steps)
    run.form_site = form_site
    run.form_page = form_site.page
    run.folder.prepare(form_site.page)
    form = DisputeForm(form_site)
    try:
        await form.wait_ready()
    except UnexpectedPage as exc:  # twenty pop-ups: say so, not "check the profile"
        raise popups.explain(exc) from None
    run.form_url = form_site.page.url
    if form_site.page is page:
        await run.step(form_site.page, "dispute-form")
    else:
        # the order page is done with (recorded above; a reconcile reads it in a tab of its
        # own): closed while the form is photographed, it frees its document and its
        # surface (~6 MiB an order in flight, docs/performance.md)
        await asyncio.gather(run.step(form_site.page, "dispute-form"), page.close())
    await form.fill(run.prepared)
    await run.step(form_site.page, "form-filled")


async def settle_unfinished(run: OrderRun, existing: str | None) -> str | None:
    """A crash left an intent without an answer: what the order page shows settles it.

    Returns the dispute the order page shows (after the re-checks a site that shows new
    disputes late needs), or None; raises `Finished` (opened) when the interrupted submission
    created one.
    """
    journal = run.s.journal
    if journal is None:
        return existing
    key = run.request.order_key
    pending = journal.unfinished(site=run.site, order_id=key)
    if not pending:
        return existing
    if existing is None:  # the interrupted submission's dispute may not show yet
        assert run.reconciler is not None
        since = journal.now() - max(intent.started_at for intent in pending)
        existing = await run.reconciler.after_interruption(since_s=since)
    outcome = "opened" if existing else "not_created"
    journal.settle(site=run.site, order_id=key, outcome=outcome, dispute_id=existing)
    log.warning(
        "agent.unfinished_intent_settled", intents=len(pending), found=existing, outcome=outcome
    )
    if existing:
        raise Finished(
            run.outcome(
                Status.OPENED,
                f"dispute {existing} is open for order {run.request.order_id}: an earlier "
                "run was interrupted after it submitted the form, and the site shows this "
                "dispute, so nothing was sent again",
                dispute_id=existing,
            )
        )
    return None
