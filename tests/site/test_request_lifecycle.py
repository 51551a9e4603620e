"""After the request is opened, over HTTP: the control API, the request's page and the buyer's
answers on the mock skin, deadlines and the store answering by itself (a controlled clock)."""

from __future__ import annotations

import re

import httpx
import pytest

from mock_site.faults import parse_fault_plan
from mock_site.testing import SAMPLE_JPEG, StorefrontServer
from tests.site.conftest import Local, Shopper

ANSWER = "I do not agree: the parcel never arrived."


def _opened(shopper: Shopper, order_id: str = "1002") -> str:
    """Open a dispute through the form; its id."""
    response = shopper.submit(order_id, fetch=True)
    assert response.json()["status"] == "opened", response.text
    return str(response.json()["dispute_id"])


def _respond(
    shopper: Shopper, dispute_id: str, *, fetch: bool = True, message: str = ANSWER
) -> httpx.Response:
    page = shopper.get(f"/dispute/{dispute_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no csrf_token on the request's page"
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    return shopper.client.post(
        f"/dispute/{dispute_id}/respond",
        data={"csrf_token": token.group(1), "message": message},
        files=[("evidence", ("box.jpg", SAMPLE_JPEG))],
        headers=headers,
    )


def _row(server: StorefrontServer, dispute_id: str) -> dict[str, object]:
    [row] = [d for d in server.disputes() if d["dispute_id"] == dispute_id]
    return row


def test_control_api_moves_a_request_and_lists_every_action(
    shopper: Shopper, storefront: StorefrontServer
) -> None:
    """POST .../store proposes a partial refund with a deadline; GET /__mock/disputes shows
    the state, the deadline and the store's and the buyer's actions."""
    dispute_id = _opened(shopper)
    assert _row(storefront, dispute_id)["state"] == "waiting_seller"
    row = storefront.store_answer(dispute_id, "propose_partial", amount="2.00", deadline_s=600)
    assert (row["state"], row["proposal_amount"]) == ("proposal_partial", "2.00")
    assert isinstance(row["deadline"], str) and row["deadline"].endswith("+00:00")
    assert _respond(shopper, dispute_id).json()["status"] == "sent"
    row = _row(storefront, dispute_id)
    assert row["state"] == "escalated"
    actions = [(a["by"], a["action"]) for a in row["actions"]]  # type: ignore[attr-defined]
    assert actions == [("store", "propose_partial"), ("buyer", "disagree")]
    assert row["actions"][-1]["message"] == ANSWER  # type: ignore[index]
    assert row["actions"][-1]["files"] == ["box.jpg"]  # type: ignore[index]


def test_control_api_refuses_bad_actions(shopper: Shopper, storefront: StorefrontServer) -> None:
    """An unknown request is 404, a bad action or amount 400, an action on a closed one 409."""
    with pytest.raises(ValueError, match="no request D-999999"):
        storefront.store_answer("D-999999", "agree")
    dispute_id = _opened(shopper)
    with pytest.raises(ValueError, match="action must be one of"):
        storefront.store_answer(dispute_id, "shout")
    with pytest.raises(ValueError, match="amount must be a positive amount"):
        storefront.store_answer(dispute_id, "propose_partial", amount="-1")
    storefront.store_answer(dispute_id, "agree")
    with pytest.raises(ValueError, match="refund_complete: it is over"):
        storefront.store_answer(dispute_id, "refuse")


def test_request_page_says_the_state_proposal_deadline_and_offers_the_answers(
    shopper: Shopper, storefront: StorefrontServer
) -> None:
    """A proposal: its amount, the deadline as a datetime, the response form, Accept behind a
    warning, Withdraw, the history; a refund complete offers none of them."""
    dispute_id = _opened(shopper)
    storefront.store_answer(dispute_id, "propose_partial", amount="3.50", reason="Half works.")
    page = shopper.page(f"/dispute/{dispute_id}")
    assert page.text("request-state") == "The seller proposes a partial refund"
    assert page.one("request-status").attrs["data-state"] == "proposal_partial"
    assert page.text("request-proposal") == "Proposed refund: $3.50"
    assert page.text("request-store-says") == "The seller says: Half works."  # in a <q>
    deadline = page.one("request-deadline").attrs["datetime"] or ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", deadline)
    assert page.has("response-form") and page.has("withdraw-dispute")
    [accept_form] = [f for f in page.tags("form") if "/accept" in (f.attrs.get("action") or "")]
    assert "closes the dispute for good" in (accept_form.attrs.get("data-confirm") or "")
    assert [e.attrs["data-action"] for e in page.all("request-event")] == [
        "open",
        "propose_partial",
    ]
    storefront.store_answer(dispute_id, "agree")
    done = shopper.page(f"/dispute/{dispute_id}")
    assert done.text("request-state") == "Refund complete"
    for testid in ("response-form", "accept-proposal", "withdraw-dispute", "request-deadline"):
        assert not done.has(testid), testid


def test_request_page_speaks_the_plans_language(
    shopper: Shopper, storefront: StorefrontServer
) -> None:
    """language = "fr": the state is said in French (the busy answers' language)."""
    dispute_id = _opened(shopper)
    storefront.store_answer(dispute_id, "refuse")
    storefront.set_faults({"language": "fr"})
    page = shopper.page(f"/dispute/{dispute_id}")
    assert page.text("request-state") == "Le vendeur a refusé votre litige"


def test_accept_and_withdraw_close_the_request(
    shopper: Shopper, storefront: StorefrontServer
) -> None:
    """Accepting a proposal closes it (accepted); withdrawing closes another (withdrawn)."""
    first = _opened(shopper, "1002")
    second = _opened(shopper, "1001")
    for dispute_id in (first, second):
        storefront.store_answer(dispute_id, "propose_return")
    for dispute_id, action in ((first, "accept"), (second, "withdraw")):
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', shopper.get(f"/dispute/{dispute_id}").text
        )
        assert token is not None
        answer = shopper.client.post(
            f"/dispute/{dispute_id}/{action}", data={"csrf_token": token.group(1)}
        )
        assert answer.status_code == 303
    assert _row(storefront, first)["state"] == "closed_accepted"
    assert _row(storefront, second)["state"] == "closed_withdrawn"
    page = shopper.page(f"/dispute/{first}")
    assert page.text("request-state") == "Closed: you accepted the seller's proposal"


def test_response_busy_first_then_sent(shopper: Shopper, storefront: StorefrontServer) -> None:
    """respond_busy_first = 2: two busy answers (HTTP 503, nothing recorded), then sent."""
    dispute_id = _opened(shopper)
    storefront.store_answer(dispute_id, "refuse")
    storefront.set_faults({"respond_busy_first": 2, "busy_status": 503, "busy_style": "toast"})
    answers = [_respond(shopper, dispute_id) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json() == {"status": "busy", "message": "System busy, please try again later"}
    assert answers[2].json()["message"] == f"Your response to dispute {dispute_id} was sent."
    responses = [s for s in storefront.submissions() if s["via"] == "response"]
    assert [s["answer"] for s in responses] == ["busy", "busy", "sent"]
    assert [a["action"] for a in _row(storefront, dispute_id)["actions"]] == [  # type: ignore[attr-defined]
        "refuse",
        "disagree",
    ]


def test_response_busy_after_commit_is_recorded(
    shopper: Shopper, storefront: StorefrontServer
) -> None:
    """respond_busy_after_commit = 1: the response is on the record, the answer says busy;
    the page then offers no second response."""
    dispute_id = _opened(shopper)
    storefront.store_answer(dispute_id, "propose_partial", amount="1.00")
    storefront.set_faults({"respond_busy_after_commit": 1, "busy_style": "modal"})
    assert _respond(shopper, dispute_id).json()["status"] == "busy"
    assert _row(storefront, dispute_id)["state"] == "escalated"
    assert not shopper.page(f"/dispute/{dispute_id}").has("response-form")


def test_full_page_response_busy_keeps_the_message_then_redirects(
    shopper: Shopper, storefront: StorefrontServer
) -> None:
    """Banner style: busy re-renders the page with the banner and the message kept; sent is a
    303 to the request's page, which says so."""
    dispute_id = _opened(shopper)
    storefront.store_answer(dispute_id, "refuse")
    storefront.set_faults({"respond_busy_first": 1, "busy_status": 429})
    busy = _respond(shopper, dispute_id, fetch=False)
    assert busy.status_code == 429
    page = Shopper.parse(busy)
    assert page.text("busy-banner") == "System busy, please try again later"
    assert page.text("response-message") == ANSWER
    sent = _respond(shopper, dispute_id, fetch=False)
    assert (sent.status_code, sent.headers["location"]) == (303, f"/dispute/{dispute_id}?sent=1")
    shown = shopper.page(sent.headers["location"])
    assert shown.text("response-result") == f"Your response to dispute {dispute_id} was sent."


def test_response_is_refused_when_invalid_or_not_awaited(
    shopper: Shopper, storefront: StorefrontServer
) -> None:
    """A message without its final period is refused (422); before the store answered, a
    response is refused too; neither is recorded as an action."""
    dispute_id = _opened(shopper)
    early = _respond(shopper, dispute_id)
    assert (early.status_code, early.json()["message"]) == (
        422,
        "This request is not waiting for your response.",
    )
    storefront.store_answer(dispute_id, "refuse")
    bad = _respond(shopper, dispute_id, message="no final period")
    assert bad.json() == {"status": "invalid", "message": "Please complete your message"}
    assert [a["action"] for a in _row(storefront, dispute_id)["actions"]] == ["refuse"]  # type: ignore[attr-defined]


def test_a_passing_deadline_closes_the_request(local: Local) -> None:
    """deadline_s = 60: at 59 s the request waits; at 61 s it is closed, the page says so."""
    dispute_id = _opened(local.shopper)
    local.store.store_action(dispute_id, "propose_partial", amount="2.00", deadline_s=60)
    local.clock.advance(59)
    assert local.store.dispute(dispute_id, "demo").status == "waiting_response"  # type: ignore[union-attr]
    local.clock.advance(2)
    page = local.shopper.page(f"/dispute/{dispute_id}")
    assert page.text("request-state") == "Closed: you did not respond in time"
    closed = local.store.dispute(dispute_id, "demo")
    assert closed is not None and closed.closed_reason == "deadline_missed"
    assert closed.actions[-1].action == "deadline_passed"


def test_store_answer_fault_answers_by_itself_after_its_delay(local: Local) -> None:
    """store_answer = refuse after 30 s: nothing before, the refusal after, once."""
    plan = {"store_answer": {"action": "refuse", "after_s": 30, "reason": "Delivered."}}
    local.store.set_plan(parse_fault_plan(plan))
    dispute_id = _opened(local.shopper)
    local.clock.advance(29)
    assert local.store.dispute(dispute_id, "demo").status == "waiting_seller"  # type: ignore[union-attr]
    local.clock.advance(2)
    answered = local.store.dispute(dispute_id, "demo")
    assert answered is not None and answered.awaiting == "refused"
    assert [(a.by, a.action, a.reason) for a in answered.actions] == [
        ("store", "refuse", "Delivered.")
    ]
    assert answered.actions[0].at == answered.created_at + 30
