"""The opening stage of a run: from the order page to the dispute form, filled.

The profile's selectors tried first (one Playwright refuses is the profile's fault, exit 2);
the order page (logged in first when the site asks and credentials are given; a verification
code asked after the login steps stops the run for a person), its gates, an existing dispute or
the reason the order is not eligible, an intent an earlier run left unfinished (settled by what
the order page shows once that submission could have shown), the order's items against the
request's, then the profile's open steps and the form: checked against the limits it declares,
filled, and read back, so that a field that does not hold what the request asked refuses the
run before anything is sent. Each step, and each page the steps pass through, leaves a
screenshot; a final outcome reached here (a dispute already open) is returned.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError

from agent.errors import (
    ChallengeShown,
    LoginRequired,
    NotEligible,
    RetryDisputeError,
    UnexpectedPage,
)
from agent.flow.context import login_hint
from agent.flow.run_state import OrderRun
from agent.flow.submitting import attach_loop
from agent.log import get_logger
from agent.outcome import Outcome, Status
from agent.site.existing import Finding
from agent.site.flow_rules import Step
from agent.site.form import DisputeForm
from agent.site.gates import arm_page, check_gates
from agent.site.locate import SitePage
from agent.site.order_items import check_item
from agent.site.order_page import OrderPage
from agent.site.popups import PopupWatch
from agent.site.selectors import check_selectors

__all__ = ["open_filled_form", "settle_unfinished"]

log = get_logger("agent.run")


async def open_filled_form(run: OrderRun, context: BrowserContext) -> Outcome | None:
    """Reach the dispute form for *run*'s order in *context* and fill it.

    The form is left attached to ``run.port``; returns the outcome when the run ends here (a
    dispute already open, or opened by an earlier run's submission); raises our errors.
    """
    run.context = context
    page = await context.new_page()
    run.page = page
    site = SitePage(page, run.profile, item=run.request.item, drift=run.drift)
    photographed: set[str] = set()

    async def _passed(passed: SitePage, step: Step) -> None:
        """A page the steps passed through (a wizard's), photographed the first time only: a
        resubmission passes through the same pages, so the cost is bounded by the steps."""
        if step.where not in photographed:
            photographed.add(step.where)
            await run.step(passed.page, step.name)

    # before the loop takes the steps' settings: the submit steps' pages are photographed too
    run.steps = replace(run.steps, on_page_change=_passed)
    attach_loop(run, context, site)
    run.folder.prepare(page)
    await check_selectors(page, run.profile)  # on the blank page: a refused one is the profile's
    await arm_page(page, run.profile)
    order = OrderPage(site, base_url=run.settings.site)
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
        credentials = run.settings.options.session.credentials
        if credentials is None:
            run.kept_step(await grab, "login-required")
            raise LoginRequired(hint=login_hint(run.settings.options.session, run.settings.site))
        run.kept_step(await grab, "login-page")
        try:
            await order.login(credentials)
        except ChallengeShown:  # a code after the password: named and photographed
            await run.step(page, "verification-code")
            raise
        status = await order.goto(run.request.order_id)
        grab = asyncio.ensure_future(run.grab(page))
    if status == 404:  # a wrong order id, or a profile that does not fit the site
        run.kept_step(await grab, "order-not-found")
        raise await order.not_found(run.request.order_id)
    try:
        await check_gates(site, when="on the order page")
        state = await order.read_state()
    finally:
        run.kept_step(await grab, "order-page")
    dispute = state.dispute
    if run.profile.dispute.page is not None:  # listed on a page of its own ("Your returns")
        assert run.port is not None
        dispute = await run.port.find(after_attempt=0)
        await run.port.record_check(0, dispute, reads=1, why="start_up")
        if dispute.state == "unreadable":
            raise UnexpectedPage(
                f"the page that lists order {run.request.order_id}'s dispute could not be read "
                f"({dispute.shown}); nothing was sent",
                hint="check [dispute] page of the profile with `retry-dispute check`",
            )
    earlier = await settle_unfinished(run, dispute)
    if earlier is not None:
        return earlier
    if dispute.exists:
        return _already_open(run, dispute)
    if state.ineligible_text:
        rule = run.profile.explain_ineligible(state.ineligible_text)
        raise NotEligible(
            rule.explain if rule else state.ineligible_text,
            order_id=run.request.order_id,
            code=rule.code if rule else None,
            context={"site_text": state.ineligible_text},
        )
    await check_item(site, run.request)  # several items and none given: say which
    popups = PopupWatch(page)
    form_site = await order.open_form(run.steps)
    run.folder.prepare(form_site.page)
    form = DisputeForm(form_site)
    try:
        await form.wait_ready()
    except UnexpectedPage as exc:  # twenty pop-ups: say so, not "check the profile"
        raise popups.explain(exc) from None
    assert run.port is not None
    run.port.form.attach(form_site)
    if form_site.page is page:
        await run.step(form_site.page, "dispute-form")
    else:
        # the order page is done with (recorded above; a reconcile reads it in a tab of its
        # own): closed while the form is photographed, it frees its document and its
        # surface (~6 MiB an order in flight, docs/performance.md)
        await asyncio.gather(run.step(form_site.page, "dispute-form"), page.close())
    await form.check_limits(run.prepared)  # what the form declares it takes: before typing
    try:
        await form.fill(run.prepared)
    except (RetryDisputeError, PlaywrightError):
        if not run.port.form.sent_early():
            raise
        # A field (or an open step) sent the form: that was a submission. The submit loop reads
        # its answer and checks the order page, as for any submission; it never clicks again.
        log.warning("agent.form_sent_while_filling", url=form_site.page.url)
        await run.step(run.port.form.page, "form-sent-while-filling")
        return None
    if run.port.form.sent_early():
        log.warning("agent.form_sent_while_filling", url=form_site.page.url)
        await run.step(form_site.page, "form-filled")
        return None
    try:  # what the form really kept, before anything is sent
        run.form_held = await form.confirm_filled(run.prepared)
    finally:
        await run.step(form_site.page, "form-filled")
    return None


def _already_open(run: OrderRun, dispute: Finding) -> Outcome:
    order = run.request.order_id
    log.info("agent.already_open", dispute_id=dispute.dispute_id, shown=dispute.shown)
    if dispute.dispute_id is None:
        return run.outcome(
            Status.ALREADY_OPEN,
            f"a dispute is already open for order {order}: the order page shows it, but not "
            f'its id ("{dispute.shown}"); nothing was sent',
            reason_code="dispute_id_unknown",
        )
    return run.outcome(
        Status.ALREADY_OPEN,
        f"a dispute is already open for order {order}: {dispute.dispute_id}",
        dispute_id=dispute.dispute_id,
    )


async def settle_unfinished(run: OrderRun, shown: Finding) -> Outcome | None:
    """An earlier run left a submission without an answer: settle it before anything is sent.

    That submission may still open the dispute until its answer could have come (the profile's
    answer timeout, from its click or from when the earlier run stopped waiting for it) and the
    dispute could then show: the order page is read until then, whatever the site's
    ``shows_within_s`` (the console says so). Returns the outcome when it opened the dispute.
    """
    journal = run.settings.journal
    if journal is None:
        return None
    key = run.request.order_key
    pending = journal.unfinished(site=run.site, order_id=key)
    if not pending:
        return None
    found = shown
    if not found.exists:
        timeouts, rule = run.profile.timeouts, run.profile.dispute
        until_wall = max(
            i.may_show_until(answer_s=timeouts.answer_s, shows_within_s=rule.shows_within_s)
            for i in pending
        )
        left = max(0.0, until_wall - journal.now())
        if left > 0:
            log.warning(
                "agent.waiting_for_earlier_submission",
                message=f"an earlier run's submission for order {run.request.order_id} got no "
                f"answer: reading the order page for up to {left:.0f} s before sending anything",
                wait_s=round(left, 1),
            )
        assert run.loop is not None
        clock = run.settings.runtime.clock
        found = await run.loop.look(until=clock() + left, after_attempt=0, why="earlier_run")
        if found.state == "unreadable":
            raise UnexpectedPage(
                f"the order page could not be read to check an earlier run's submission for "
                f"order {run.request.order_id} ({found.shown}); nothing was sent",
                hint="run again later: nothing is sent before the order page can be read",
            )
    outcome = "opened" if found.exists else "not_created"
    journal.settle(site=run.site, order_id=key, outcome=outcome, dispute_id=found.dispute_id)
    log.warning(
        "agent.unfinished_intent_settled",
        intents=len(pending),
        found=found.dispute_id,
        outcome=outcome,
    )
    if not found.exists:
        return None
    order = run.request.order_id
    which = found.dispute_id or f'(its id unknown: "{found.shown}")'
    return run.outcome(
        Status.OPENED,
        f"dispute {which} is open for order {order}: an earlier run was interrupted after it "
        "submitted the form, and the site shows this dispute, so nothing was sent again",
        dispute_id=found.dispute_id,
        reason_code=None if found.dispute_id else "dispute_id_unknown",
    )
