"""The aliexpress skin's submit over HTTP: JSON answers, per-item requests, validation, uploads."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from mock_site.aliexpress.wording import INELIGIBLE
from mock_site.testing import SAMPLE_JPEG, SAMPLE_MP4, SAMPLE_PNG, StorefrontServer
from tests.site.test_aliexpress_shopper import SUBMIT_PATH, AeShopper, ret

MIB = 1024 * 1024
SEEDED = ["5000000000077135", "5000000000087135", "5000000000097135"]


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


@pytest.fixture
def shopper(ae_server: StorefrontServer) -> Iterator[AeShopper]:
    """demo, logged in, on a freshly reset storefront."""
    ae_server.reset()
    shopper = AeShopper(ae_server)
    yield shopper
    shopper.close()


def created(server: StorefrontServer) -> list[dict[str, object]]:
    """The disputes created since the reset (not the seeded ones)."""
    return [d for d in server.disputes() if d["dispute_id"] not in SEEDED]


def test_success_answer(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """A valid submit answers HTTP 200 SUCCESS with the request id, status and page."""
    response = shopper.submit(evidence=[shopper.photo()], reasonId="5102")
    assert response.status_code == 200
    assert response.json() == {
        "api": "mtop.ae.reverse.submit",
        "v": "1.0",
        "ret": ["SUCCESS::调用成功"],
        "data": {
            "success": True,
            "reverseOrderId": "5000000001007135",
            "status": "WAITING_SELLER",
            "state": "waiting_seller",
            "statusText": "Waiting for the seller's response",
            "title": "Waiting for the seller to respond",
            "detailUrl": "/p/reverse-pages/detail.html?reverseOrderId=5000000001007135",
        },
    }
    [dispute] = created(ae_server)
    assert {k: dispute[k] for k in ("order_id", "item_id", "received", "reason", "status")} == {
        "order_id": "1001",
        "item_id": "100101",
        "received": "no",
        "reason": "returned_to_sender",
        "status": "waiting_seller",
    }
    assert (dispute["solution"], dispute["refund"], dispute["amount"]) == (
        "refund",
        "full",
        "12.99",
    )
    assert dispute["files"] == ["photo.jpg"]
    [submission] = ae_server.submissions()
    assert (submission["answer"], submission["via"], submission["item_id"]) == (
        "opened",
        "fetch",
        "100101",
    )
    assert submission["dispute_id"] == "5000000001007135"


def test_requests_are_per_item_and_never_deduplicated(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """Each item line takes its own request; a second one for an item is created all the same."""
    order = "3044357010127135"
    for item in ("3044357010137135", "3044357010147135", "3044357010137135"):
        answer = shopper.submit(orderId=order, itemId=item, refundAmount="3.20")
        assert ret(answer)[0].startswith("SUCCESS"), answer.json()
    ids = [(d["item_id"], d["dispute_id"], d["refund"]) for d in created(ae_server)]
    assert ids == [
        ("3044357010137135", "5000000001007135", "partial"),
        ("3044357010147135", "5000000001017135", "full"),
        ("3044357010137135", "5000000001027135", "partial"),
    ]
    [row] = [r for r in ae_server.orders() if r["order_id"] == order]
    assert row["eligible"] is False
    assert row["reason"] == "Request 5000000001027135: Waiting for the seller's response"
    assert [i["dispute_id"] for i in row["items"]] == ["5000000001027135", "5000000001017135"]
    page = shopper.page(f"/p/order/detail.html?orderId={order}")
    # as on the real site, each item keeps its Returns/refunds button: it leads to its request
    assert len(page.buttons("Returns/refunds")) == 2
    assert [a.attrs["href"] for a in page.all("order-detail-item-btn-link", "a")] == [
        "/p/reverse-pages/detail.html?reverseOrderId=5000000001027135",
        "/p/reverse-pages/detail.html?reverseOrderId=5000000001017135",
    ]
    assert len(page.all("order-detail-item-reverse-link")) == 2


def test_an_item_with_a_request_still_takes_a_submission(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """1007's item (a request open) is not refused by the endpoint: duplicates are the agent's."""
    answer = shopper.submit(
        orderId="1007",
        itemId="100701",
        receiptStatus="RECEIVED",
        reasonId="5207",
        refundAmount="9.99",
        evidence=[shopper.photo()],
    )
    assert ret(answer)[0].startswith("SUCCESS")
    assert [d["order_id"] for d in ae_server.disputes()].count("1007") == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"receiptStatus": "MAYBE"}, "Please tell us whether you received the item"),
        ({"reasonId": "5201"}, "Please choose a reason"),
        ({"reasonId": "9999"}, "Please choose a reason"),
        ({"solutionType": ""}, "Please choose a solution"),
        ({"refundAmount": "5,30"}, "Please enter a valid amount"),
        ({"refundAmount": "12.990"}, "Please enter a valid amount"),
        ({"refundAmount": ""}, "Please enter a valid amount"),
        ({"refundAmount": "13.00"}, "The amount cannot exceed the order total"),
        (
            {"description": "It never came\u00a0here."},
            "Your message contains unsupported characters",
        ),
        ({"description": "Lost."}, "Your message must be 10 to 2000 characters long"),
        ({"description": "My parcel never arrived"}, "Please complete your message"),
        ({"evidence": ["no-such-file"]}, "Unsupported file format: no-such-file"),
        (
            {
                "receiptStatus": "RECEIVED",
                "reasonId": "5207",
                "orderId": "1002",
                "itemId": "100201",
            },
            "Please attach photos of the item",
        ),
    ],
)
def test_validation_in_the_sites_words(
    shopper: AeShopper, ae_server: StorefrontServer, fields: dict[str, str], message: str
) -> None:
    """Each rule refuses with HTTP 200, FAIL_BIZ_PARAM_INVALID and the sentence; nothing made."""
    response = shopper.submit(**fields)
    assert response.status_code == 200
    assert ret(response) == [f"FAIL_BIZ_PARAM_INVALID::{message}"]
    assert created(ae_server) == []
    [submission] = ae_server.submissions()
    assert (submission["answer"], submission["detail"]) == ("invalid", message)


def test_evidence_rules_over_uploads(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """does_not_work needs a video; seven files are too many; photo + video opens."""
    received = {"orderId": "1002", "itemId": "100201", "receiptStatus": "RECEIVED"}
    photo = shopper.photo()
    answer = shopper.submit(**received, reasonId="5203", evidence=[photo])
    assert ret(answer) == ["FAIL_BIZ_PARAM_INVALID::Please attach a video showing the problem"]
    answer = shopper.submit(**received, reasonId="5207", evidence=[photo] * 7)
    assert ret(answer) == ["FAIL_BIZ_PARAM_INVALID::Too many files"]
    video = shopper.upload("clip.mp4", SAMPLE_MP4).json()["fileId"]
    answer = shopper.submit(
        **received, reasonId="5203", refundAmount="24.50", evidence=[photo, video]
    )
    assert ret(answer)[0].startswith("SUCCESS")
    assert created(ae_server)[-1]["files"] == ["photo.jpg", "clip.mp4"]


def test_ineligible_order_is_refused_first(shopper: AeShopper) -> None:
    """1003 (protection ended) is refused with the site's sentence, before the other rules."""
    answer = shopper.submit(orderId="1003", itemId="100301", description="x")
    assert ret(answer) == [f"FAIL_BIZ_REVERSE_NOT_ALLOWED::{INELIGIBLE['protection_ended']}"]


def test_non_latin_letters_are_dropped(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """Letters of other scripts vanish from the stored message, as on the mock skin."""
    shopper.submit(description="Parcel 包裹 lost, café!")
    assert created(ae_server)[-1]["message"] == "Parcel  lost, café!"


def test_uploads_are_judged_by_content(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """A PNG named .txt is a photo, text named .jpg is refused, 5 MiB + 1 is too large."""
    png = shopper.upload("photo.txt", SAMPLE_PNG).json()
    assert (png["success"], png["fileType"], png["fileName"]) == (True, "photo", "photo.txt")
    served = shopper.client.get(png["url"])
    assert (served.status_code, served.headers["content-type"]) == (200, "image/png")
    assert served.content == SAMPLE_PNG
    fake = shopper.upload("photo.jpg", b"just text, not a picture").json()
    assert fake == {
        "success": False,
        "code": "FILE_TYPE_ERROR",
        "message": "Unsupported file format: photo.jpg",
    }
    big = shopper.upload("big.jpg", SAMPLE_JPEG + bytes(5 * MIB)).json()
    assert (big["code"], big["message"]) == ("FILE_TOO_LARGE", "File too large: big.jpg")
    video = shopper.upload("clip.mov", SAMPLE_MP4).json()
    assert video["url"] == "/static/video-poster.svg"
    other = AeShopper(ae_server, "other")
    try:
        assert other.client.get(png["url"]).status_code == 404
    finally:
        other.close()
    assert (
        httpx.post(ae_server.url + "/x/upload", files={"file": ("a.jpg", SAMPLE_JPEG)}).json()[
            "code"
        ]
        == "NOT_LOGIN"
    )
    assert ae_server.submissions() == []


def test_gateway_refusals(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """Wrong sign, no session, unknown order or item, malformed body: each its code, recorded."""
    assert ret(shopper.submit(sign="forged")) == ["FAIL_SYS_TOKEN_ILLEGAL::非法令牌"]
    anonymous = httpx.post(ae_server.url + SUBMIT_PATH, data={"data": json.dumps({})})
    assert (anonymous.status_code, ret(anonymous)) == (
        200,
        ["FAIL_SYS_SESSION_EXPIRED::SESSION失效"],
    )
    not_found = ["FAIL_BIZ_ORDER_NOT_FOUND::The order does not exist."]
    assert ret(shopper.submit(orderId="1008", itemId="100801")) == not_found
    assert ret(shopper.submit(itemId="100201")) == not_found
    malformed = shopper.client.post(
        SUBMIT_PATH, params={"sign": shopper.token}, data={"data": "[1, 2]"}
    )
    assert (malformed.status_code, ret(malformed)) == (400, ["FAIL_SYS_ILLEGAL_ACCESS::非法请求"])
    answers = [(s["answer"], s["status_code"]) for s in ae_server.submissions()]
    assert answers == [
        ("forbidden", 200),
        ("login_required", 200),
        ("not_found", 200),
        ("not_found", 200),
        ("invalid", 400),
    ]


def test_body_over_the_limit_is_413_and_not_recorded(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """A submit body over 1 MiB answers 413 JSON before it is read, and is no submission."""
    answer = shopper.submit(description="x" * (MIB + 10))
    assert (answer.status_code, ret(answer)) == (413, ["FAIL_SYS_REQUEST_TOO_LARGE::请求过大"])
    assert ae_server.submissions() == []


def test_beacons_answer_json_and_are_no_submission(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """The tracking endpoint answers JSON too, but it is never recorded as a submission."""
    answer = shopper.client.post("/gw/aplus/track", content=b'{"type": "heartbeat"}')
    assert answer.json() == {"success": True}
    assert ae_server.submissions() == []
