"""After the request is opened, on the aliexpress skin over HTTP: the request's page (countdown,
proposal, "View possible solutions", the disagree checkbox, the evidence modal, Accept behind
a warning) and the respond endpoint's answers in the gateway's envelope."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from mock_site.testing import StorefrontServer
from tests.site.test_aliexpress_shopper import AeShopper, Html, ret

RESPOND = "/h5/mtop.ae.reverse.respond/1.0/"
SEEDED = "5000000000087135"  # the seeded proposal: a partial refund of US $5.00
PAGE = f"/p/reverse-pages/detail.html?reverseOrderId={SEEDED}"
GATEWAY = ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"]


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


@pytest.fixture
def shopper(ae_server: StorefrontServer) -> Iterator[AeShopper]:
    """demo, logged in, on a freshly reset store with a healthy plan."""
    ae_server.reset()
    shopper = AeShopper(ae_server)
    yield shopper
    shopper.close()


def _respond(
    shopper: AeShopper, action: str, request_id: str = SEEDED, **data: object
) -> httpx.Response:
    payload = {"reverseOrderId": request_id, "action": action, **data}
    params = {"api": "mtop.ae.reverse.respond", "v": "1.0", "sign": shopper.token}
    return shopper.client.post(RESPOND, params=params, data={"data": json.dumps(payload)})


def _state(server: StorefrontServer, request_id: str = SEEDED) -> str:
    [row] = [d for d in server.disputes() if d["dispute_id"] == request_id]
    return str(row["state"])


def test_request_page_of_a_proposal(shopper: AeShopper) -> None:
    """Title, status, a countdown in days and H:M:S, the proposal's amount, the actions, the
    hidden solutions panel with the disagree checkbox and the evidence modal's own input."""
    page = shopper.page(PAGE)
    assert page.one("verticalSteps--title--1m4xoBw").text == "The seller proposed a partial refund"
    assert page.one("reminder--statusStr--3FMxRSU").text == "Waiting for your response"
    left = page.one("reminder--countdownTime--2Hn8wQd").text
    assert re.fullmatch(r"[45] days \d\d:\d\d:\d\d", left), left
    assert page.one("solution--proposalAmount--8Qw2eRt").text == "US $5.00"
    assert [b.text for b in page.all("comet-v2-btn", "button")][:3] == [
        "Accept solution",
        "View possible solutions",
        "Cancel request",
    ]
    assert "hidden" in page.one("cco--panel--1Qw3eRt").attrs
    assert page.one("cco--checkTitle--Gzot0Aj").text == "I don't agree with above solution(s)"
    assert page.one("reverse--uploadMore--4Rf5tGb").text == "Upload more photos/videos"
    assert page.one("evidence--textarea--2LZFL8b").tag == "textarea"
    assert "image" in (page.one("evidence--input--6Yt7uIk").attrs.get("accept") or "")
    warning = page.one("accept--modal--8Ik9oLp").text
    assert "closes your request" in warning


def test_disagree_with_evidence_escalates(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """DISAGREE with a message and an uploaded photo: SUCCESS in the respond API's envelope, the
    request escalated; its page then offers no answer (only Cancel request)."""
    photo = shopper.photo()
    answer = _respond(
        shopper, "DISAGREE", description="I do NOT agree. It never worked.", evidence=[photo]
    )
    assert answer.json()["api"] == "mtop.ae.reverse.respond"
    assert ret(answer) == ["SUCCESS::调用成功"]
    assert answer.json()["data"]["statusText"] == "Waiting for AliExpress's feedback"
    assert _state(ae_server) == "escalated"
    page = shopper.page(PAGE)
    assert page.one("verticalSteps--title--1m4xoBw").text == "We're reviewing your request"
    assert page.one("reverse--actions--6Yh2nMk").text == "Cancel request"
    assert page.all("cco--panel--1Qw3eRt") == []
    [row] = [d for d in ae_server.disputes() if d["dispute_id"] == SEEDED]
    assert row["actions"][-1]["files"] == ["photo.jpg"]


def test_respond_busy_twice_then_sent(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """respond_busy_first = 2: the gateway's busy answer twice (nothing recorded), then sent."""
    ae_server.set_faults({"respond_busy_first": 2})
    answers = [
        ret(_respond(shopper, "DISAGREE", description="I do not agree with this.")) for _ in "abc"
    ]
    assert answers == [GATEWAY, GATEWAY, ["SUCCESS::调用成功"]]
    responses = [s["answer"] for s in ae_server.submissions() if s["via"] == "response"]
    assert responses == ["busy", "busy", "sent"]


def test_accept_cancel_and_refusals(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """ACCEPT closes a proposal (accepted); a refusal cannot be accepted; CANCEL withdraws."""
    assert ret(_respond(shopper, "ACCEPT"))[0].startswith("SUCCESS")
    assert _state(ae_server) == "closed_accepted"
    request_id = shopper.submit().json()["data"]["reverseOrderId"]
    ae_server.store_answer(request_id, "refuse", reason="Tracking shows delivered.")
    refused = ret(_respond(shopper, "ACCEPT", request_id))
    assert refused == ["FAIL_BIZ_REVERSE_STATUS_INVALID::There is no proposal to accept."]
    assert ret(_respond(shopper, "CANCEL", request_id))[0].startswith("SUCCESS")
    assert _state(ae_server, request_id) == "closed_withdrawn"
    page = shopper.page(f"/p/reverse-pages/detail.html?reverseOrderId={request_id}")
    assert page.one("verticalSteps--title--1m4xoBw").text == "You cancelled this request"


@pytest.mark.parametrize(
    ("language", "title", "status", "days", "buttons"),
    [
        (
            "fr",
            "Le vendeur a proposé un remboursement partiel",
            "En attente de votre réponse",
            "jours",
            ["Accepter la solution", "Voir les solutions possibles", "Annuler la demande"],
        ),
        (
            "de",
            "Der Verkäufer hat eine Teilrückerstattung vorgeschlagen",
            "Warten auf Ihre Antwort",
            "Tagen",
            ["Lösung annehmen", "Mögliche Lösungen ansehen", "Antrag stornieren"],
        ),
    ],
)
def test_request_page_in_the_interface_language(
    shopper: AeShopper,
    ae_server: StorefrontServer,
    language: str,
    title: str,
    status: str,
    days: str,
    buttons: list[str],
) -> None:
    """ui_language = "fr" (or "de"): the title, status, countdown and buttons in that language."""
    ae_server.set_faults({"ui_language": language})
    page = shopper.page(PAGE)
    assert page.one("verticalSteps--title--1m4xoBw").text == title
    assert page.one("reminder--statusStr--3FMxRSU").text == status
    assert f" {days} " in page.one("reminder--countdownTime--2Hn8wQd").text
    assert [b.text for b in page.all("comet-v2-btn", "button")][:3] == buttons


def test_the_busy_language_leaves_the_request_page_english(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """language = "fr" (busy_format = "text") sets the busy text only: the page stays English."""
    ae_server.set_faults({"language": "fr", "busy_format": "text"})
    page = shopper.page(PAGE)
    assert page.one("verticalSteps--title--1m4xoBw").text == "The seller proposed a partial refund"


def test_item_with_a_new_request_keeps_its_button(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """1001 after its request opened: Returns/refunds is still there, leading to the request."""
    request_id = shopper.submit().json()["data"]["reverseOrderId"]
    page = shopper.page("/p/order/detail.html?orderId=1001")
    assert len(page.buttons("Returns/refunds")) == 1
    [link] = page.all("order-detail-item-btn-link", "a")
    assert link.attrs["href"] == f"/p/reverse-pages/detail.html?reverseOrderId={request_id}"
    assert link.attrs["target"] == "_blank"
    assert (
        Html(shopper.client.get(link.attrs["href"] or "").text)
        .one("reverse--requestIdValue--1Tn4bWc")
        .text
        == request_id
    )
