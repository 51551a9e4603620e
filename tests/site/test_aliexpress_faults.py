"""The fault plan on the aliexpress skin: busy in HTTP 200 JSON, every key that carries over, and
the keys each skin refuses (control API, StorefrontServer, ``python -m mock_site --faults``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

import mock_site.__main__ as mock_main
from mock_site.store import Store
from mock_site.testing import StorefrontServer
from tests.site.test_aliexpress_shopper import AeShopper, Html, ret

GATEWAY = ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"]
TEXT_BUSY = ["FAIL_BIZ_SYSTEM_BUSY::The system is busy. Please try again later."]
WALL_TIME = 1_700_000_000.0


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


@pytest.fixture(scope="module")
def timed() -> Iterator[tuple[StorefrontServer, list[float]]]:
    """An aliexpress storefront whose wall clock is fixed and whose sleeps are only recorded."""
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    store = Store(skin="aliexpress", wall_clock=lambda: WALL_TIME, sleep=fake_sleep)
    with StorefrontServer(store=store) as server:
        yield server, sleeps


def answers(server: StorefrontServer) -> list[str]:
    """The answers of every submission so far."""
    return [s["answer"] for s in server.submissions()]


def test_gateway_busy_is_an_http_200_json(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """busy_first=2: the gateway's RGV587 answer in HTTP 200 twice, nothing created, then opened."""
    ae_server.set_faults({"busy_first": 2})
    for _ in range(2):
        response = shopper.submit()
        assert response.status_code == 200
        assert response.json() == {
            "api": "mtop.ae.reverse.submit",
            "v": "1.0",
            "ret": GATEWAY,
            "data": {},
        }
        assert "retry-after" not in response.headers
    assert ret(shopper.submit())[0].startswith("SUCCESS")
    assert answers(ae_server) == ["busy", "busy", "opened"]
    assert len(ae_server.disputes()) == 4


def test_busy_rate_replays_with_its_seed(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """busy_rate draws from seed: the same plan gives the same busy/opened pattern twice."""
    patterns = []
    for _ in range(2):
        ae_server.reset()
        ae_server.set_faults({"busy_rate": 0.5, "seed": 7})
        patterns.append([ret(shopper.submit())[0][:7] for _ in range(12)])
    assert patterns[0] == patterns[1]
    assert {"SUCCESS", "FAIL_SY"} == set(patterns[0])


@pytest.mark.parametrize("status", [429, 503])
def test_busy_text_with_a_status(
    shopper: AeShopper, ae_server: StorefrontServer, status: int
) -> None:
    """busy_format=text in English, with busy_status 429 or 503: still a JSON body."""
    ae_server.set_faults({"busy_first": 1, "busy_format": "text", "busy_status": status})
    response = shopper.submit()
    assert (response.status_code, ret(response)) == (status, TEXT_BUSY)
    assert ae_server.submissions()[0]["status_code"] == status


def test_busy_text_in_french(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """language works with the text format."""
    ae_server.set_faults({"busy_first": 1, "busy_format": "text", "language": "fr"})
    assert ret(shopper.submit()) == [
        "FAIL_BIZ_SYSTEM_BUSY::Le système est occupé. Veuillez réessayer plus tard."
    ]


def test_retry_after_seconds_and_date(timed: tuple[StorefrontServer, list[float]]) -> None:
    """retry_after_s is sent on busy answers, as seconds or as an HTTP date from the wall clock."""
    server, _ = timed
    server.reset()
    shopper = AeShopper(server)
    try:
        server.set_faults({"busy_first": 1, "retry_after_s": 7})
        assert shopper.submit().headers["retry-after"] == "7"
        server.set_faults({"busy_first": 1, "retry_after_s": 7, "retry_after_format": "date"})
        when = parsedate_to_datetime(shopper.submit().headers["retry-after"])
        assert when.timestamp() == WALL_TIME + 7
    finally:
        shopper.close()


def test_busy_after_commit(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """busy_after_commit=1: the request is created, the answer says busy all the same."""
    ae_server.set_faults({"busy_after_commit": 1})
    assert ret(shopper.submit()) == GATEWAY
    [submission] = ae_server.submissions()
    assert (submission["answer"], submission["dispute_id"]) == (
        "busy_after_commit",
        "5000000001007135",
    )
    page = shopper.page("/p/order/detail.html?orderId=1001")
    assert page.texts("order-detail-item-reverse-status") == ["Waiting for the seller's response"]


def test_server_errors_and_the_decision_order(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """server_errors=1 with busy_first=1: HTTP 500 JSON, then busy, then opened."""
    ae_server.set_faults({"server_errors": 1, "busy_first": 1})
    error = shopper.submit()
    assert (error.status_code, ret(error)) == (
        500,
        ["FAIL_SYS_SERVICE_INNER_FAULT::服务竟然出错了"],
    )
    assert ret(shopper.submit()) == GATEWAY
    assert ret(shopper.submit())[0].startswith("SUCCESS")
    assert answers(ae_server) == ["server_error", "busy", "opened"]


def test_errors_after_commit(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """errors_after_commit: the 500 comes after the request was created."""
    ae_server.set_faults({"server_errors": 1, "errors_after_commit": True})
    assert shopper.submit().status_code == 500
    assert ae_server.submissions()[0]["dispute_id"] == "5000000001007135"


def test_session_expires(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """session_expires_after=0: the first submit ends the session; pages go to the login origin."""
    ae_server.set_faults({"session_expires_after": 0})
    assert ret(shopper.submit()) == ["FAIL_SYS_SESSION_EXPIRED::SESSION失效"]
    assert ae_server.submissions()[0]["detail"] == "session expired"
    page = shopper.client.get("/p/order/index.html")
    assert page.headers["location"].startswith(ae_server.login_url)


def test_challenge_comes_before_the_token(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """captcha_after=1: the second submit (even with a wrong sign) gets RGV587 with a slider URL."""
    ae_server.set_faults({"captcha_after": 1})
    assert ret(shopper.submit())[0].startswith("SUCCESS")
    referer = {"referer": ae_server.url + "/p/reverse-pages/start.html?orderId=1001&itemId=100101"}
    shopper.client.headers.update(referer)
    answer = shopper.submit(sign="forged")
    assert (answer.status_code, ret(answer)) == (200, GATEWAY)
    url = answer.json()["data"]["url"]
    assert url.startswith("/_____tmd_____/punish?x5secdata=") and "action=captcha" in url
    assert url.endswith("url=%2Fp%2Freverse-pages%2Fstart.html%3ForderId%3D1001%26itemId%3D100101")
    assert answers(ae_server) == ["opened", "challenge"]


def test_slow_answers_and_upload_delay(timed: tuple[StorefrontServer, list[float]]) -> None:
    """slow_submit_s holds the answer after creating; upload_delay_s holds each upload."""
    server, sleeps = timed
    server.reset()
    sleeps.clear()
    shopper = AeShopper(server)
    try:
        server.set_faults({"slow_submit_s": 2.5, "upload_delay_s": 0.25})
        assert ret(shopper.submit(evidence=[shopper.photo()]))[0].startswith("SUCCESS")
        assert sleeps == [0.25, 2.5]
        [submission] = server.submissions()
        assert (submission["answer"], submission["detail"]) == (
            "slow",
            "opened, answered after 2.5 s",
        )
    finally:
        shopper.close()


def test_page_keys_reach_the_page(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """toast_s, busy_style, form_resets_on_busy and overlay show in the page as documented."""
    ae_server.set_faults(
        {"toast_s": 1, "busy_style": "modal", "form_resets_on_busy": True, "overlay": "once"}
    )
    start = "/p/reverse-pages/start.html?orderId=1001&itemId=100101"
    page = shopper.page(start)
    assert "hidden" in page.one("reverse--noticeModal--2Tb9qAs").attrs
    init = json.loads(page.html.split('id="reverse-init-data">')[1].split("</script>")[0])
    assert (init["busyStyle"], init["resetsOnBusy"]) == ("modal", True)
    assert '<body data-toast-ms="1000"' in page.html
    assert page.one("poplayer--mask--2HnK4sT").attrs["data-show-on-load"] == "yes"
    again = shopper.page(start)
    assert again.one("poplayer--mask--2HnK4sT").attrs["data-show-on-load"] == "no"


def test_faults_shows_the_skin_defaults(ae_server: StorefrontServer) -> None:
    """The aliexpress skin's healthy plan has busy_style toast, and it can be sent back."""
    ae_server.reset()
    plan = ae_server.faults()
    assert (plan["busy_style"], plan["busy_format"], plan["toast_s"]) == ("toast", "gateway", 3.0)
    assert ae_server.set_faults(plan) == plan


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        ({"busy_style": "banner"}, 'busy_style = "banner" has no meaning on the aliexpress'),
        ({"popup_blocked": True}, "popup_blocked has no meaning on the aliexpress"),
        ({"language": "ru"}, 'language has no meaning with busy_format = "gateway"'),
        ({"dispute_id_markup": True}, "dispute_id_markup has no meaning on the aliexpress"),
        ({"hidden_dispute_ids": True}, "hidden_dispute_ids is only on the mock storefront"),
    ],
)
def test_aliexpress_refuses_keys_without_meaning(
    ae_server: StorefrontServer, plan: dict[str, Any], words: str
) -> None:
    """PUT /__mock/faults answers 400 naming the key and why; the plan in force stays."""
    ae_server.reset()
    ae_server.set_faults({"busy_first": 3})
    answer = httpx.put(ae_server.url + "/__mock/faults", json=plan)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(words)
    assert ae_server.faults()["busy_first"] == 3
    with pytest.raises(ValueError, match=words.split()[0]):
        StorefrontServer(skin="aliexpress", faults=plan)


@pytest.mark.parametrize(
    ("plan", "key"),
    [({"busy_format": "text"}, "busy_format"), ({"toast_s": 1}, "toast_s"),
     ({"upload_delay_s": 0}, "upload_delay_s")],
)  # fmt: skip
def test_mock_refuses_the_aliexpress_keys(plan: dict[str, Any], key: str) -> None:
    """The mock skin refuses the aliexpress-only keys with a 400 that names them."""
    with StorefrontServer() as server:
        answer = httpx.put(server.url + "/__mock/faults", json=plan)
        assert answer.status_code == 400
        assert answer.json()["error"].startswith(f"{key} has no meaning on the mock storefront")
        assert httpx.put(server.url + "/__mock/faults", json=server.faults()).status_code == 200


def test_fault_file_refused_per_skin(tmp_path, capsys) -> None:
    """--faults with a key meaningless on the skin: one line naming it, exit 2, nothing served."""
    plan = tmp_path / "plan.toml"
    plan.write_text('busy_style = "banner"\n', encoding="utf-8")
    assert mock_main.main(["--skin", "aliexpress", "--faults", str(plan)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'busy_style = "banner" has no meaning' in err
    plan.write_text('busy_format = "text"\n', encoding="utf-8")
    assert mock_main.main(["--faults", str(plan)]) == 2
    assert "busy_format has no meaning on the mock storefront" in capsys.readouterr().err
    assert mock_main.main(["--login-port", "9001"]) == 2
    assert capsys.readouterr().err == "mock_site: --login-port is for --skin aliexpress only\n"


def test_main_serves_both_origins_on_loopback(monkeypatch, tmp_path) -> None:
    """--skin aliexpress binds the storefront and the login origin on 127.0.0.1."""
    seen: list[tuple[str, int]] = []

    def fake_run(self: Any, sockets: list[Any]) -> None:
        seen.extend(sock.getsockname() for sock in sockets)
        for sock in sockets:
            sock.close()

    monkeypatch.setattr(mock_main.uvicorn.Server, "run", fake_run)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"busy_first": 1, "busy_format": "text"}), encoding="utf-8")
    assert mock_main.main(["--skin", "aliexpress", "--port", "0", "--login-port", "0",
                           "--faults", str(plan)]) == 0  # fmt: skip
    assert [host for host, _ in seen] == ["127.0.0.1", "127.0.0.1"]
    assert seen[0][1] != seen[1][1]


def test_store_and_server_must_agree_on_the_skin() -> None:
    """A store of one skin cannot be served as the other; unknown skins are named."""
    with pytest.raises(ValueError, match="mock skin, not aliexpress"):
        StorefrontServer(skin="aliexpress", store=Store())
    with pytest.raises(ValueError, match="unknown skin: 'ebay'"):
        StorefrontServer(skin="ebay")


def test_reset_brings_back_the_seeded_requests(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """Reset: the three seeded requests with their items and statuses; new ids start again."""
    shopper.submit()
    ae_server.reset()
    seeded = [(d["dispute_id"], d["item_id"], d["status"]) for d in ae_server.disputes()]
    assert seeded == [
        ("5000000000077135", "100701", "waiting_feedback"),
        ("5000000000087135", "3043329396777135", "waiting_response"),
        ("5000000000097135", "3042816799797135", "refund_complete"),
    ]
    assert ae_server.seeded_dispute_ids == [d[0] for d in seeded]
    assert ae_server.submissions() == []
    assert shopper.submit().json()["data"]["reverseOrderId"] == "5000000001007135"
    assert Html(shopper.client.get("/p/order/index.html").text).all("order-item")


def test_dispute_shows_after_s_delays_the_request_on_the_order_page(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """dispute_shows_after_s: a new request shows on its item line only after the delay."""
    ae_server.set_faults({"dispute_shows_after_s": 60})
    answer = shopper.submit()
    assert answer.json()["ret"][0].startswith("SUCCESS")
    request_id = answer.json()["data"]["reverseOrderId"]
    page = shopper.page("/p/order/detail.html?orderId=1001")
    assert not page.all("order-detail-item-reverse-link")
    assert page.buttons("Returns/refunds")  # the item still offers a request, as on a late site
    ae_server.set_faults({})
    page = shopper.page("/p/order/detail.html?orderId=1001")
    [link] = page.all("order-detail-item-reverse-link")
    assert request_id in str(link.attrs["href"])
