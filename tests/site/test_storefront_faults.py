"""Every fault-plan key over HTTP, each with a test that fails without it."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from mock_site.faults import BUSY_TEXTS, parse_fault_plan
from mock_site.testing import StorefrontServer

BUSY_EN = "System busy, please try again later"


def answers(storefront: StorefrontServer) -> list[str]:
    """The answers of every submission so far."""
    return [s["answer"] for s in storefront.submissions()]


def created(storefront: StorefrontServer) -> list[str]:
    """The ids of the disputes created since the reset (not the seeded one)."""
    return [d["dispute_id"] for d in storefront.disputes() if d["dispute_id"] != "D-000007"]


def test_healthy_plan_opens_at_once(shopper, storefront) -> None:
    """With the empty plan the first submission opens the dispute."""
    assert shopper.submit().status_code == 303
    assert answers(storefront) == ["opened"]


def test_busy_first(shopper, storefront) -> None:
    """busy_first=2: two busy answers (banner, status 200, nothing created), then opened."""
    storefront.set_faults({"busy_first": 2})
    for _ in range(2):
        response = shopper.submit()
        assert response.status_code == 200
        assert shopper.parse(response).text("busy-banner") == BUSY_EN
        assert "retry-after" not in response.headers
    assert shopper.submit().status_code == 303
    assert answers(storefront) == ["busy", "busy", "opened"]
    assert created(storefront) == ["D-000100"]


def test_busy_over_fetch_is_json(shopper, storefront) -> None:
    """A busy fetch() answer is JSON ``busy`` with the text."""
    storefront.set_faults({"busy_first": 1, "busy_style": "toast"})
    response = shopper.submit(fetch=True)
    assert response.status_code == 200
    assert response.json() == {"status": "busy", "message": BUSY_EN}


def _rate_pattern(shopper, storefront, plan: dict[str, object], n: int = 16) -> list[str]:
    storefront.reset()
    storefront.set_faults(plan)
    for _ in range(n):
        shopper.submit(fetch=True)
    return answers(storefront)


def test_busy_rate_is_reproducible_from_the_seed(shopper, storefront) -> None:
    """busy_rate draws from seed: the same plan replays the same answers; another seed differs."""
    first = _rate_pattern(shopper, storefront, {"busy_rate": 0.5, "seed": 7})
    again = _rate_pattern(shopper, storefront, {"busy_rate": 0.5, "seed": 7})
    other = _rate_pattern(shopper, storefront, {"busy_rate": 0.5, "seed": 8})
    assert first == again
    assert set(first) == {"busy", "opened"}
    assert other != first


def test_busy_rate_extremes(shopper, storefront) -> None:
    """busy_rate 1 is always busy, 0 never."""
    assert set(_rate_pattern(shopper, storefront, {"busy_rate": 1.0}, 4)) == {"busy"}
    assert set(_rate_pattern(shopper, storefront, {"busy_rate": 0.0}, 4)) == {"opened"}


def test_plan_change_restarts_the_counters(shopper, storefront) -> None:
    """Submissions are counted from the last plan change."""
    storefront.set_faults({"busy_first": 1})
    shopper.submit()
    storefront.set_faults({"busy_first": 1})
    shopper.submit()
    shopper.submit()
    assert answers(storefront) == ["busy", "busy", "opened"]


def test_busy_for_s_uses_the_store_clock(local) -> None:
    """busy_for_s=30: busy until 30 s after the first submission, by the injected clock."""
    local.store.set_plan(parse_fault_plan({"busy_for_s": 30}))
    local.clock.advance(500)  # the window starts at the first submission, not at the plan
    assert local.shopper.submit().status_code == 200
    local.clock.advance(29.9)
    assert local.shopper.submit().status_code == 200
    local.clock.advance(0.1)
    assert local.shopper.submit().status_code == 303
    assert [s.answer for s in local.store.submissions()] == ["busy", "busy", "opened"]
    assert [s.at for s in local.store.submissions()] == [500.0, 529.9, 530.0]


def test_busy_after_commit(shopper, storefront) -> None:
    """busy_after_commit=1: the dispute is created, yet the answer is busy; then opened."""
    storefront.set_faults({"busy_after_commit": 1})
    response = shopper.submit()
    assert response.status_code == 200
    assert shopper.parse(response).text("busy-banner") == BUSY_EN
    assert created(storefront) == ["D-000100"]
    [submission] = storefront.submissions()
    assert submission["answer"] == "busy_after_commit"
    assert submission["dispute_id"] == "D-000100"
    assert shopper.page("/order/1002").text("existing-dispute") == "Dispute D-000100 is open"
    assert shopper.submit().headers["location"] == "/dispute/D-000101"


def test_busy_after_commit_rate(shopper, storefront) -> None:
    """busy_after_commit_rate=1: every valid submission creates a dispute and answers busy."""
    storefront.set_faults({"busy_after_commit_rate": 1, "busy_style": "modal"})
    for _ in range(3):
        assert shopper.submit(fetch=True).json()["status"] == "busy"
    assert created(storefront) == ["D-000100", "D-000101", "D-000102"]


def test_busy_after_commit_only_counts_valid_submissions(shopper, storefront) -> None:
    """An invalid submission does not use up busy_after_commit."""
    storefront.set_faults({"busy_after_commit": 1})
    assert shopper.submit(message="no end").status_code == 422
    assert shopper.submit().status_code == 200
    assert answers(storefront) == ["invalid", "busy_after_commit"]


@pytest.mark.parametrize("status", [200, 429, 503])
@pytest.mark.parametrize("fetch", [False, True])
def test_busy_status(shopper, storefront, status: int, fetch: bool) -> None:
    """busy_status sets the HTTP status of busy answers, full page and fetch alike."""
    storefront.set_faults({"busy_first": 1, "busy_status": status})
    response = shopper.submit(fetch=fetch)
    assert response.status_code == status
    assert storefront.submissions()[0]["status_code"] == status
    if fetch:
        assert response.json()["status"] == "busy"
    else:
        assert shopper.parse(response).text("busy-banner") == BUSY_EN


def test_busy_status_applies_after_commit_too(shopper, storefront) -> None:
    """A busy-after-commit answer uses busy_status as well."""
    storefront.set_faults({"busy_after_commit": 1, "busy_status": 503})
    assert shopper.submit().status_code == 503


@pytest.mark.parametrize("fetch", [False, True])
def test_retry_after_seconds(shopper, storefront, fetch: bool) -> None:
    """retry_after_s sends Retry-After in delta-seconds on busy answers only."""
    storefront.set_faults({"busy_first": 1, "retry_after_s": 7, "busy_status": 429})
    assert shopper.submit(fetch=fetch).headers["retry-after"] == "7"
    assert "retry-after" not in shopper.submit(fetch=fetch).headers


def test_retry_after_date(local) -> None:
    """retry_after_format=date sends an HTTP date: the store's wall clock plus the seconds."""
    plan = {"busy_first": 1, "retry_after_s": 5, "retry_after_format": "date"}
    local.store.set_plan(parse_fault_plan(plan))
    header = local.shopper.submit().headers["retry-after"]
    expected = format_datetime(datetime.fromtimestamp(1_700_000_005, tz=UTC), usegmt=True)
    assert header == expected == "Tue, 14 Nov 2023 22:13:25 GMT"


def test_retry_after_date_on_the_real_clock(shopper, storefront) -> None:
    """With the real wall clock the date lies retry_after_s ahead (to the second)."""
    plan = {"busy_first": 1, "retry_after_s": 120, "retry_after_format": "date"}
    storefront.set_faults(plan)
    before = datetime.now(UTC)
    when = parsedate_to_datetime(shopper.submit(fetch=True).headers["retry-after"])
    delta = (when - before).total_seconds()
    assert 119 <= delta <= 122


@pytest.mark.parametrize(
    ("style", "submit_mode"), [("banner", "page"), ("toast", "fetch"), ("modal", "fetch")]
)
def test_busy_style_sets_the_submit_mode(shopper, storefront, style: str, submit_mode: str) -> None:
    """banner: full-page POST; toast and modal: fetch(), with their elements in the page."""
    storefront.set_faults({"busy_style": style})
    page = shopper.page("/order/1002/dispute")
    form = page.one("dispute-form")
    assert form.attrs["data-submit"] == submit_mode
    assert form.attrs["data-busy-style"] == style
    in_fetch_mode = submit_mode == "fetch"
    assert page.has("busy-toast") == in_fetch_mode
    assert page.has("busy-modal") == in_fetch_mode
    assert page.has("busy-modal-close") == in_fetch_mode
    if in_fetch_mode:
        assert page.one("busy-toast").hidden
        assert page.one("busy-modal").hidden


def test_full_page_post_gets_the_banner_whatever_the_style(shopper, storefront) -> None:
    """The answer's form follows the request: a full-page POST in toast style gets a page."""
    storefront.set_faults({"busy_first": 1, "busy_style": "toast"})
    assert shopper.parse(shopper.submit()).text("busy-banner") == BUSY_EN


@pytest.mark.parametrize("language", sorted(BUSY_TEXTS))
def test_language(shopper, storefront, language: str) -> None:
    """language picks the busy text, in the banner and in JSON."""
    storefront.set_faults({"busy_first": 2, "language": language})
    assert shopper.parse(shopper.submit()).text("busy-banner") == BUSY_TEXTS[language]
    assert shopper.submit(fetch=True).json()["message"] == BUSY_TEXTS[language]


def test_busy_texts_are_the_documented_ones() -> None:
    """The six busy texts, word for word."""
    assert BUSY_TEXTS == {
        "en": "System busy, please try again later",
        "fr": "Système occupé, veuillez réessayer plus tard",
        "ru": "Система занята, попробуйте позже",
        "es": "Sistema ocupado, inténtelo de nuevo más tarde",
        "pt": "Sistema ocupado, tente novamente mais tarde",
        "zh": "系统繁忙，请稍后再试",  # noqa: RUF001  # the real text has a fullwidth comma
    }


def test_slow_submit_creates_first_then_waits(local) -> None:
    """slow_submit_s: the dispute exists while the answer is held; recorded as slow."""
    local.store.set_plan(parse_fault_plan({"slow_submit_s": 2.5}))
    seen: list[list[str]] = []
    local.during_sleep.append(lambda: seen.append([d.dispute_id for d in local.store.disputes()]))
    response = local.shopper.submit()
    assert response.headers["location"] == "/dispute/D-000100"
    assert local.sleeps == [2.5]
    assert seen == [["D-000007", "D-000100"]]
    [submission] = local.store.submissions()
    assert submission.answer == "slow"
    assert submission.detail == "opened, answered after 2.5 s"
    assert submission.status_code == 303


def test_slow_submit_only_holds_submissions_that_create(local) -> None:
    """Busy and invalid answers are not held; slow_rate 0 holds nothing."""
    local.store.set_plan(parse_fault_plan({"slow_submit_s": 1, "busy_first": 1}))
    local.shopper.submit()
    local.shopper.submit(message="unfinished")
    assert local.sleeps == []
    local.store.set_plan(parse_fault_plan({"slow_submit_s": 1, "slow_rate": 0}))
    assert local.shopper.submit().status_code == 303
    assert local.sleeps == []


def test_slow_rate_draws_from_the_seed(local) -> None:
    """slow_rate=0.5 holds some submissions, the same ones for the same seed."""

    def pattern() -> list[float]:
        local.sleeps.clear()
        local.store.set_plan(parse_fault_plan({"slow_submit_s": 1, "slow_rate": 0.5, "seed": 3}))
        result = []
        for _ in range(12):
            count = len(local.sleeps)
            local.shopper.submit(fetch=True)
            result.append(len(local.sleeps) - count)
        return result

    first = pattern()
    assert first == pattern()
    assert set(first) == {0, 1}


def test_slow_submit_on_the_real_server(shopper, storefront) -> None:
    """A real 0.2 s hold: the answer still comes, and the dispute was made."""
    storefront.set_faults({"slow_submit_s": 0.2, "busy_style": "toast"})
    response = shopper.submit(fetch=True)
    assert response.json()["status"] == "opened"
    assert response.elapsed.total_seconds() >= 0.2
    assert answers(storefront) == ["slow"]


@pytest.mark.parametrize("fetch", [False, True])
def test_server_errors(shopper, storefront, fetch: bool) -> None:
    """server_errors=1: HTTP 500 first, nothing created; then opened."""
    storefront.set_faults({"server_errors": 1})
    response = shopper.submit(fetch=fetch)
    assert response.status_code == 500
    if fetch:
        assert response.json()["status"] == "error"
    else:
        assert shopper.parse(response).text("server-error") == (
            "Something went wrong. Please try again."
        )
    assert created(storefront) == []
    assert shopper.submit(fetch=fetch).status_code in (200, 303)
    assert answers(storefront) == ["server_error", "opened"]


def test_server_error_rate(shopper, storefront) -> None:
    """server_error_rate=1 answers 500 every time."""
    storefront.set_faults({"server_error_rate": 1})
    assert [shopper.submit().status_code for _ in range(3)] == [500] * 3
    assert created(storefront) == []


def test_errors_after_commit(shopper, storefront) -> None:
    """errors_after_commit: the 500 comes after the dispute was created."""
    storefront.set_faults({"server_errors": 1, "errors_after_commit": True})
    assert shopper.submit().status_code == 500
    assert created(storefront) == ["D-000100"]
    assert storefront.submissions()[0]["dispute_id"] == "D-000100"
    assert shopper.submit().status_code == 303
    assert created(storefront) == ["D-000100", "D-000101"]


def test_faults_compose_step_by_step(shopper, storefront) -> None:
    """Each counter counts the submissions that reach its step: 500, then busy, then opened."""
    storefront.set_faults({"server_errors": 1, "busy_first": 1})
    for _ in range(3):
        shopper.submit()
    assert answers(storefront) == ["server_error", "busy", "opened"]


def test_session_expires_after(shopper, storefront) -> None:
    """session_expires_after=1: the second submission ends the session; pages go to login."""
    storefront.set_faults({"session_expires_after": 1})
    assert shopper.submit().status_code == 303
    token = shopper.csrf()
    response = shopper.submit(csrf=token)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/order/1002/dispute"
    assert shopper.get("/order/1002").headers["location"] == "/login?next=/order/1002"
    assert answers(storefront) == ["opened", "login_required"]
    assert storefront.submissions()[1]["detail"] == "session expired"
    assert created(storefront) == ["D-000100"]
    shopper.login()
    assert shopper.submit().status_code == 303  # once per plan: a new session lives on


def test_session_expires_at_the_first_submission_over_fetch(shopper, storefront) -> None:
    """session_expires_after=0 ends the session at the first submit: 401 JSON over fetch."""
    storefront.set_faults({"session_expires_after": 0, "busy_style": "toast"})
    response = shopper.submit(fetch=True)
    assert response.status_code == 401
    assert response.json() == {"status": "login_required"}
    assert shopper.get("/orders").status_code == 303


def test_overlay_never(shopper, storefront) -> None:
    """Without the fault no page carries the overlay."""
    assert not shopper.page("/orders").has("promo-overlay")


def test_overlay_once_per_session(new_shopper, storefront) -> None:
    """overlay=once: the first page of each session shows it, later pages do not."""
    storefront.set_faults({"overlay": "once"})
    first, second = new_shopper(), new_shopper()
    for shopper in (first, second):
        page = shopper.page("/order/1002")
        assert page.one("promo-overlay").attrs["data-show-on-load"] == "yes"
        assert page.one("promo-overlay").hidden  # until 300 ms after load
        assert page.has("promo-close")
        assert shopper.page("/order/1002").one("promo-overlay").attrs["data-show-on-load"] == "no"
        assert shopper.page("/orders").one("promo-overlay").attrs["data-show-on-load"] == "no"
    storefront.set_faults({"overlay": "once"})  # a plan change starts afresh
    assert first.page("/orders").one("promo-overlay").attrs["data-show-on-load"] == "yes"


def test_overlay_always(shopper, storefront) -> None:
    """overlay=always: every page shows it, and the page knows to show it after fetch answers."""
    storefront.set_faults({"overlay": "always"})
    for path in ("/orders", "/order/1002", "/order/1002/dispute", "/dispute/D-000007"):
        page = shopper.page(path)
        assert page.one("promo-overlay").attrs["data-show-on-load"] == "yes"
        assert page.tags("body")[0].attrs["data-overlay"] == "always"
    assert not shopper.page("/login").has("promo-overlay")


def test_popup_blocked(shopper, storefront) -> None:
    """popup_blocked tells the order page's script to act as if window.open returned null."""
    assert shopper.page("/order/1002").tags("body")[0].attrs["data-popup-blocked"] == "no"
    storefront.set_faults({"popup_blocked": True})
    assert shopper.page("/order/1002").tags("body")[0].attrs["data-popup-blocked"] == "yes"


def test_form_resets_on_busy(shopper, storefront) -> None:
    """form_resets_on_busy: the busy page comes back with every field at its default."""
    storefront.set_faults({"busy_first": 1, "form_resets_on_busy": True})
    response = shopper.submit(received="yes", reason="damaged", message="It is bent, sadly.")
    page = shopper.parse(response)
    assert page.text("busy-banner") == BUSY_EN
    assert not page.one("received-yes").has("checked")
    assert page.options() == [""]
    assert page.text("message") == ""
    assert page.one("refund-full").has("checked")
    assert page.one("dispute-form").attrs["data-resets-on-busy"] == "yes"


def test_captcha_after(new_shopper, storefront) -> None:
    """captcha_after=1: after one submission every page and submit meets the challenge."""
    shopper = new_shopper()
    storefront.set_faults({"captcha_after": 1})
    token = shopper.csrf()
    assert shopper.submit(csrf=token).status_code == 303
    for path in ("/orders", "/order/1002", "/order/1002/dispute", "/dispute/D-000100"):
        page = shopper.page(path, 403)
        assert page.text("verification-challenge") == "Please slide to verify you are human"
    assert shopper.submit(csrf=token).status_code == 403
    response = shopper.submit(csrf=token, fetch=True)
    assert response.status_code == 403
    assert response.json()["status"] == "challenge"
    assert answers(storefront) == ["opened", "challenge", "challenge"]
    assert created(storefront) == ["D-000100"]
    assert new_shopper(login=False).get("/login").status_code == 200  # login stays usable


def test_captcha_after_zero_challenges_at_once(shopper, storefront) -> None:
    """captcha_after=0: the challenge is up before any submission."""
    storefront.set_faults({"captcha_after": 0})
    assert shopper.page("/order/1002", 403).has("verification-challenge")


def test_dispute_id_markup_wraps_the_id_in_a_tag(shopper, storefront) -> None:
    """dispute_id_markup: the order page shows the id inside <b>; the visible text is the same."""
    storefront.set_faults({"dispute_id_markup": True})
    assert shopper.submit("1002").status_code == 303
    html = shopper.get("/order/1002").text
    assert "Dispute <b>D-000100</b> is open" in html
    assert "Dispute D-000100 is open" not in html
    assert shopper.page("/order/1002").text("existing-dispute") == "Dispute D-000100 is open"


def test_dispute_id_without_markup_is_plain_text(shopper, storefront) -> None:
    """Control: without the key the id is plain text in the HTML."""
    assert shopper.submit("1002").status_code == 303
    assert "Dispute D-000100 is open" in shopper.get("/order/1002").text


def test_dispute_shows_after_s_delays_a_new_dispute_on_the_order_page(local) -> None:
    """dispute_shows_after_s=5: a new dispute shows on the order page 5 s after it was created."""
    local.store.set_plan(parse_fault_plan({"dispute_shows_after_s": 5}))
    assert local.shopper.submit("1002").status_code == 303
    assert [d.dispute_id for d in local.store.disputes() if d.order_id == "1002"] == ["D-000100"]
    local.clock.advance(4.9)
    page = local.shopper.page("/order/1002")
    assert not page.has("existing-dispute")
    assert not page.one("open-dispute").has("disabled")
    local.clock.advance(0.1)
    assert local.shopper.page("/order/1002").text("existing-dispute") == (
        "Dispute D-000100 is open"
    )


def test_dispute_shows_after_s_never_hides_the_seeded_dispute(local) -> None:
    """The seeded dispute of 1007 shows at once whatever the delay."""
    local.store.set_plan(parse_fault_plan({"dispute_shows_after_s": 60}))
    assert local.shopper.page("/order/1007").text("existing-dispute") == "Dispute D-000007 is open"


def test_hidden_dispute_ids_are_in_the_html_but_not_shown(shopper, storefront) -> None:
    """hidden_dispute_ids: five ids nobody sees (template, comment, script, hidden, not shown)."""
    storefront.set_faults({"hidden_dispute_ids": True})
    html = shopper.get("/order/1002").text
    for n in range(1, 6):
        assert f"Dispute D-90000{n} is open" in html
    assert "<template>" in html and "<!-- Dispute D-900002 is open -->" in html
    page = shopper.parse(shopper.get("/order/1002"))
    shown = [e for e in page.all("existing-dispute") if not e.hidden and e.tag == "p"]
    assert [e.text for e in shown] == ["Dispute D-900001 is open", "Dispute D-900005 is open"]
    # (the first sits in a <template>, the second in a display:none parent: neither is visible)
    assert next(o for o in storefront.orders() if o["order_id"] == "1002")["dispute_id"] is None


# --- hostile sites: a site that echoes secrets, a click that opens many windows -----------------


def test_echo_password_shows_the_typed_password_in_the_login_error(new_shopper, storefront) -> None:
    """echo_password: a refused login quotes the password typed (escaped, as text)."""
    storefront.set_faults({"echo_password": True})
    shopper = new_shopper(login=False)
    response = shopper.login("demo", "pw-<b>typed</b>")
    assert response.status_code == 401
    assert 'you typed "pw-<b>typed</b>"' in shopper.parse(response).text("login-error")
    storefront.set_faults({})
    healthy = shopper.login("demo", "pw-typed-again")
    assert "pw-typed-again" not in healthy.text


@pytest.mark.parametrize("fetch", [False, True], ids=["banner", "toast"])
def test_echo_cookie_shows_the_session_cookie_in_the_busy_answer(
    shopper, storefront, fetch: bool
) -> None:
    """echo_cookie: the busy answer ends with the value of the shopper's session cookie."""
    plan: dict[str, object] = {"busy_first": 1, "echo_cookie": True}
    if fetch:
        plan["busy_style"] = "toast"
    storefront.set_faults(plan)
    cookie = shopper.client.cookies["session"]
    response = shopper.submit(fetch=fetch)
    text = response.json()["message"] if fetch else shopper.parse(response).text("busy-banner")
    assert text == f"{BUSY_EN} (request {cookie})"


@pytest.mark.parametrize("fetch", [False, True], ids=["banner", "toast"])
def test_escape_sequences_end_the_busy_answer(shopper, storefront, fetch: bool) -> None:
    """escape_sequences: the busy answer ends with a title, a clear screen and a bidi override."""
    plan: dict[str, object] = {"busy_first": 1, "escape_sequences": True}
    if fetch:
        plan["busy_style"] = "toast"
    storefront.set_faults(plan)
    response = shopper.submit(fetch=fetch)
    text = response.json()["message"] if fetch else shopper.parse(response).text("busy-banner")
    assert text.startswith(BUSY_EN)
    assert "\x1b]0;owned\x07" in text and "\x1b[2J" in text and "\u202e" in text


def test_extra_popups_are_announced_to_the_order_page_script(shopper, storefront) -> None:
    """extra_popups: the order page tells its script how many other windows the click opens."""
    assert 'data-extra-popups="0"' in shopper.get("/order/1002").text
    storefront.set_faults({"extra_popups": 19})
    assert 'data-extra-popups="19"' in shopper.get("/order/1002").text


@pytest.mark.parametrize(
    "plan",
    [
        {"echo_password": "yes"},
        {"echo_cookie": 1},
        {"escape_sequences": "on"},
        {"extra_popups": -1},
        {"extra_popups": 51},
        {"extra_popups": True},
        {"extra_popups": 2.5},
    ],
)
def test_hostile_fault_keys_refuse_bad_values(plan: dict[str, object]) -> None:
    """Bad values of the hostile-site keys are refused naming the key."""
    [key] = plan
    with pytest.raises(ValueError, match=key):
        parse_fault_plan(plan)


@pytest.mark.parametrize(
    "plan",
    [
        {"echo_password": True},
        {"echo_cookie": True},
        {"escape_sequences": True},
        {"extra_popups": 3},
    ],
)
def test_hostile_fault_keys_are_the_mock_skins_only(plan: dict[str, object]) -> None:
    """On the aliexpress skin these keys mean nothing, and say so."""
    [key] = plan
    with pytest.raises(ValueError, match=f"{key} has no meaning on the aliexpress"):
        parse_fault_plan(plan, skin="aliexpress")
