"""The ``latency`` fault: pages and submission answers held by seeded delays, on a fake sleep."""

from __future__ import annotations

import httpx
import pytest

from mock_site.faults import MARKETPLACE_LATENCY, parse_fault_plan
from mock_site.latency import is_page
from mock_site.testing import StorefrontServer


def test_marketplace_is_300_to_900_ms_a_page_and_1_to_3_s_a_submission() -> None:
    """The named preset holds the documented bounds, and a table sets them one by one."""
    assert parse_fault_plan({"latency": "marketplace"}).latency == MARKETPLACE_LATENCY
    assert MARKETPLACE_LATENCY.page_s == (0.3, 0.9)
    assert MARKETPLACE_LATENCY.submit_s == (1.0, 3.0)
    plan = parse_fault_plan({"latency": {"submit_s": [1, 2]}})
    assert plan.latency is not None
    assert (plan.latency.page_s, plan.latency.submit_s) == ((0.0, 0.0), (1.0, 2.0))
    assert parse_fault_plan({"latency": None}).latency is None


def test_every_page_load_waits_a_delay_between_the_bounds(local) -> None:
    """Each page waits once, within 300-900 ms, most of them in the quicker half."""
    local.store.set_plan(parse_fault_plan({"latency": "marketplace", "seed": 1}))
    for _ in range(40):
        local.shopper.page("/order/1001")
    assert len(local.sleeps) == 40
    assert all(0.3 <= s <= 0.9 for s in local.sleeps)
    assert sum(s < 0.6 for s in local.sleeps) > 20  # peaked a quarter of the way up
    assert len(set(local.sleeps)) == 40


def test_static_files_control_api_and_chat_json_are_not_held(local) -> None:
    """Only pages wait: not /static/, not /__mock/, not the chat's JSON endpoints."""
    local.store.set_plan(parse_fault_plan({"latency": "marketplace"}))
    assert local.shopper.get("/static/site.css").status_code == 200
    assert local.shopper.get("/__mock/faults").status_code == 200
    assert local.sleeps == []
    assert is_page("GET", "/support/chat") and not is_page("GET", "/support/chat/state")
    assert not is_page("POST", "/order/1001/dispute")


def test_a_submission_is_judged_then_its_answer_held(local) -> None:
    """The dispute exists while its answer waits a submit delay of 1-3 s; busy answers wait too."""
    local.store.set_plan(
        parse_fault_plan({"latency": {"submit_s": [1, 3]}, "busy_first": 1, "seed": 2})
    )
    seen: list[int] = []
    local.during_sleep.append(lambda: seen.append(len(local.store.disputes())))
    assert local.shopper.submit(fetch=True).status_code == 200  # busy, held too
    assert local.shopper.submit().headers["location"] == "/dispute/D-000100"
    assert len(local.sleeps) == 2 and all(1 <= s <= 3 for s in local.sleeps)
    assert seen == [1, 2]  # the seeded D-000007, then the new one before the answer went out


def test_the_delays_replay_for_the_same_seed_and_leave_other_draws_alone(local) -> None:
    """Same seed, same delays; adding latency changes no busy_rate answer."""

    def run(plan: dict[str, object]) -> tuple[list[float], list[str]]:
        local.sleeps.clear()
        local.store.set_plan(parse_fault_plan(plan))
        for _ in range(10):
            local.shopper.submit(fetch=True)
        answers = [s.answer for s in local.store.submissions()[-10:]]
        return list(local.sleeps), answers

    busy = {"busy_rate": 0.5, "seed": 4}
    delays, answers = run({**busy, "latency": {"submit_s": [1, 3]}})
    again, answers_again = run({**busy, "latency": {"submit_s": [1, 3]}})
    _, plain_answers = run(busy)
    assert delays == again and answers == answers_again
    assert answers == plain_answers
    assert "busy" in answers and "opened" in answers


@pytest.mark.parametrize("value", ["marketplace", {"page_s": [0.1, 0.2], "submit_s": [1, 2]}])
def test_the_plan_in_force_shows_the_latency_and_takes_it_back(
    storefront: StorefrontServer, value: object
) -> None:
    """GET /__mock/faults shows the bounds; PUT of that answer sets the same plan again."""
    storefront.set_faults({"latency": value})
    shown = storefront.faults()["latency"]
    assert set(shown) == {"page_s", "submit_s"}
    response = httpx.put(storefront.url + "/__mock/faults", json={"latency": shown}, verify=False)
    assert response.status_code == 200
    assert response.json()["latency"] == shown
    storefront.set_faults({})
