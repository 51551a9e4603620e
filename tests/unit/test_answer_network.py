"""Answers read from the network: only the submit request's response counts, its JSON first.

No browser: the response catcher is fed look-alike responses in the order a page makes them,
and ``classify`` gets what the JSON said with what the page showed (or no longer shows).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from playwright.async_api import Response

from agent.site.answer import ResponseCatcher, classify
from agent.site.profile import load_profile

MOCK = load_profile("mock")
AE = load_profile("aliexpress")
GATEWAY_BUSY = {
    "api": "mtop.ae.reverse.submit",
    "v": "1.0",
    "data": {},
    "ret": ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"],
}
SUCCESS = {
    "ret": ["SUCCESS::调用成功"],
    "data": {"success": True, "reverseOrderId": "5000000001007135"},
}
AE_SUBMIT = (
    "http://127.0.0.1:9/h5/mtop.ae.reverse.submit/1.0/?jsv=2.7.2&appKey=24815441"
    "&t=1&sign=abc&api=mtop.ae.reverse.submit&v=1.0&type=originaljson&dataType=json"
)


def response(method: str, url: str) -> Response:
    """A look-alike of Playwright's Response: its request's method and its URL."""
    return cast(Response, SimpleNamespace(request=SimpleNamespace(method=method), url=url))


def test_a_tracking_post_before_the_answer_is_not_the_answer() -> None:
    """A beacon POSTed just before the submission's answer is passed over."""
    catcher = ResponseCatcher(MOCK.answer.request)
    beacon = response("POST", "http://127.0.0.1:9/gw/aplus/track")
    answer = response("POST", "http://127.0.0.1:9/order/1001/dispute")
    catcher(beacon)
    assert catcher.response is None and not catcher.arrived.is_set()
    catcher(answer)
    assert catcher.response is answer and catcher.arrived.is_set()


def test_an_upload_post_is_not_the_answer() -> None:
    """An evidence upload's POST (and the page's other calls) never stand for the answer."""
    catcher = ResponseCatcher(AE.answer.request)
    for other in (
        response("POST", "http://127.0.0.1:9/x/upload?scene=reverse"),
        response("GET", "http://127.0.0.1:9/x/file/0123456789abcdef01234567"),
        response("POST", "http://127.0.0.1:9/gw/aplus/track"),
        response("GET", AE_SUBMIT),
    ):
        catcher(other)
    assert catcher.response is None
    answer = response("POST", AE_SUBMIT)
    catcher(answer)
    assert catcher.response is answer


def test_only_the_first_answer_is_kept() -> None:
    """A later response to the same request (a second click) does not replace the first."""
    catcher = ResponseCatcher(MOCK.answer.request)
    first = response("POST", "http://127.0.0.1:9/order/1001/dispute")
    catcher(first)
    catcher(response("POST", "http://127.0.0.1:9/order/1001/dispute"))
    assert catcher.response is first


def test_a_json_busy_in_an_http_200_is_busy() -> None:
    """The gateway's overload (RGV587 in Chinese) inside an HTTP 200 is busy, and ambiguous."""
    verdict = AE.answer.json.judge(GATEWAY_BUSY)  # type: ignore[union-attr]
    answer = classify(AE, shown={}, verdict=verdict, status_code=200)
    assert answer.outcome == "busy" and answer.ambiguous
    assert answer.text == "哎哟喂,被挤爆啦,请稍后重试"
    assert answer.source == "json"


@pytest.mark.parametrize("status", [200, 429, 503])
def test_a_busy_sentence_in_any_status_is_busy(status: int) -> None:
    """FAIL_BIZ_SYSTEM_BUSY with the sentence in French is busy whatever the status."""
    body = {
        "ret": ["FAIL_BIZ_SYSTEM_BUSY::Le système est occupé. Veuillez réessayer plus tard."],
        "data": {},
    }
    answer = classify(
        AE,
        shown={},
        verdict=AE.answer.json.judge(body),  # type: ignore[union-attr]
        status_code=status,
    )
    assert answer.outcome == "busy"
    assert answer.text.startswith("Le système est occupé")


def test_a_toast_that_vanished_does_not_change_the_answer() -> None:
    """The toast is gone by the time the page is read: the JSON said busy, it is busy."""
    verdict = AE.answer.json.judge(GATEWAY_BUSY)  # type: ignore[union-attr]
    assert classify(AE, shown={}, verdict=verdict, status_code=200).outcome == "busy"
    opened = classify(
        AE,
        shown={},
        verdict=AE.answer.json.judge(SUCCESS),  # type: ignore[union-attr]
        status_code=200,
    )
    assert (opened.outcome, opened.dispute_id) == ("opened", "5000000001007135")


def test_the_json_wins_over_an_old_toast_on_the_page() -> None:
    """A busy toast still shown from the previous attempt does not hide this answer's success."""
    opened = classify(
        AE,
        shown={"busy": "哎哟喂,被挤爆啦,请稍后重试"},
        verdict=AE.answer.json.judge(SUCCESS),  # type: ignore[union-attr]
        status_code=200,
    )
    assert opened.outcome == "opened"


def test_opened_without_an_id_is_reconciled() -> None:
    """JSON success without a dispute id is ambiguous: the order page will say which dispute."""
    body = {"ret": ["SUCCESS::调用成功"], "data": {}}
    answer = classify(
        AE,
        shown={},
        verdict=AE.answer.json.judge(body),  # type: ignore[union-attr]
        status_code=200,
    )
    assert answer.outcome == "unknown" and answer.ambiguous


def test_json_that_says_nothing_falls_back_to_page_and_status() -> None:
    """An answer the JSON rules do not know: the page's texts, then the HTTP status, decide."""
    body = {"ret": ["FAIL_SYS_SERVICE_INNER_FAULT::服务竟然出错了"], "data": {}}
    verdict = AE.answer.json.judge(body)  # type: ignore[union-attr]
    assert verdict.kind is None
    shown = {"error": "Something went wrong. Please try again later."}
    assert classify(AE, shown=shown, verdict=verdict, status_code=500).outcome == "server_error"
    assert classify(AE, shown=shown, verdict=verdict, status_code=200).outcome == "invalid"


def test_a_refusal_and_a_session_end_are_read_from_the_json() -> None:
    """FAIL_BIZ_… is the site refusing (its sentence after ::); SESSION_EXPIRED needs a login."""
    refused = {"ret": ["FAIL_BIZ_PARAM_INVALID::Please complete your message"], "data": {}}
    answer = classify(
        AE,
        shown={},
        verdict=AE.answer.json.judge(refused),  # type: ignore[union-attr]
        status_code=200,
    )
    assert (answer.outcome, answer.text) == ("invalid", "Please complete your message")
    expired = {"ret": ["FAIL_SYS_SESSION_EXPIRED::SESSION失效"], "data": {}}
    assert (
        classify(
            AE,
            shown={},
            verdict=AE.answer.json.judge(expired),  # type: ignore[union-attr]
            status_code=200,
        ).outcome
        == "login_required"
    )


def test_the_slider_answer_is_a_challenge_not_busy() -> None:
    """The gateway's RGV587 with a slider URL is a challenge (a person), not a busy retry."""
    body = {**GATEWAY_BUSY, "data": {"url": "/_____tmd_____/punish?x5secdata=ab&action=captcha"}}
    answer = classify(
        AE,
        shown={},
        verdict=AE.answer.json.judge(body),  # type: ignore[union-attr]
        status_code=200,
    )
    assert answer.outcome == "challenge"


def test_the_mock_json_answers() -> None:
    """The bundled storefront's fetch() JSON: busy in a 200, opened with its id."""
    rules = MOCK.answer.json
    assert rules is not None
    busy = rules.judge({"status": "busy", "message": "System busy, please try again later"})
    assert classify(MOCK, shown={}, verdict=busy, status_code=200).outcome == "busy"
    opened = rules.judge(
        {"status": "opened", "dispute_id": "D-000100", "message": "Dispute D-000100 opened"}
    )
    answer = classify(MOCK, shown={}, verdict=opened, status_code=200)
    assert (answer.outcome, answer.dispute_id) == ("opened", "D-000100")


def test_a_busy_phrase_in_a_json_message_is_busy() -> None:
    """A JSON answer no rule knows, whose message is a busy phrase of the profile, is busy."""
    rules = MOCK.answer.json
    assert rules is not None
    verdict = rules.judge({"status": "weird", "message": "Система занята, попробуйте позже"})
    assert verdict.kind is None
    assert classify(MOCK, shown={}, verdict=verdict, status_code=200).outcome == "busy"
