"""Answers read from the network: only the submit request's response counts, its JSON first.

No browser: the request watch is fed look-alike requests in the order a page makes them, and
``classify`` gets what the JSON said with what the page showed (or no longer shows).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest
from playwright.async_api import BrowserContext, Request

from agent.site.answer import classify
from agent.site.answer_rules import JsonTest, SubmitRequest, body_data, parse_path
from agent.site.profile import load_profile
from agent.site.request_watch import RequestWatch

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


class FakeContext:
    """A look-alike of Playwright's BrowserContext: its request events, fired by the test."""

    def __init__(self) -> None:
        self.handlers: dict[str, list[Callable[[Any], None]]] = {}

    def on(self, event: str, handler: Callable[[Any], None]) -> None:
        self.handlers.setdefault(event, []).append(handler)

    def remove_listener(self, event: str, handler: Callable[[Any], None]) -> None:
        self.handlers[event].remove(handler)

    def fire(self, event: str, request: object) -> None:
        for handler in list(self.handlers.get(event, [])):
            handler(request)


def request(method: str, url: str, body: bytes | None = None) -> Request:
    """A look-alike of Playwright's Request: method, URL, body, failure."""
    return cast(
        Request,
        SimpleNamespace(method=method, url=url, post_data_buffer=body, failure="net::ERR_FAILED"),
    )


def watching(rule: SubmitRequest) -> tuple[FakeContext, RequestWatch, list[float]]:
    """A request watch on a fake context, with a clock the test moves."""
    context = FakeContext()
    now = [10.0]
    watch = RequestWatch(cast(BrowserContext, context), rule, clock=lambda: now[0])
    watch.start()
    return context, watch, now


def test_a_tracking_post_is_not_a_submission() -> None:
    """A beacon POSTed around the submission is passed over; the submission is tracked."""
    context, watch, _ = watching(MOCK.answer.request)
    context.fire("request", request("POST", "http://127.0.0.1:9/gw/aplus/track"))
    assert watch.tracked == []
    submit = request("POST", "http://127.0.0.1:9/order/1001/dispute")
    context.fire("request", submit)
    assert [t.request for t in watch.tracked] == [submit]


def test_an_upload_post_is_not_a_submission() -> None:
    """An evidence upload's POST (and the page's other calls) never stand for the submission."""
    context, watch, _ = watching(AE.answer.request)
    for other in (
        request("POST", "http://127.0.0.1:9/x/upload?scene=reverse"),
        request("GET", "http://127.0.0.1:9/x/file/0123456789abcdef01234567"),
        request("POST", "http://127.0.0.1:9/gw/aplus/track"),
        request("GET", AE_SUBMIT),
    ):
        context.fire("request", other)
    assert watch.tracked == []
    context.fire("request", request("POST", AE_SUBMIT))
    assert len(watch.tracked) == 1


def test_every_matching_request_counts_and_stays_in_flight_until_it_ends() -> None:
    """Two requests to the submit URL are two possible submissions, each in flight until its
    end (a response or a network failure) is seen."""
    context, watch, now = watching(MOCK.answer.request)
    first = request("POST", "http://127.0.0.1:9/order/1001/dispute")
    second = request("POST", "http://127.0.0.1:9/order/1001/dispute")
    context.fire("request", first)
    context.fire("request", second)
    assert len(watch.in_flight()) == 2
    now[0] = 11.5
    context.fire("requestfinished", first)
    assert [t.request for t in watch.in_flight()] == [second]
    context.fire("requestfailed", second)
    assert watch.in_flight() == []
    assert [(t.ended_at, t.failure) for t in watch.tracked] == [
        (11.5, None),
        (11.5, "net::ERR_FAILED"),
    ]
    mark = watch.mark()
    assert watch.since(mark) == [] and len(watch.since(0)) == 2


def test_a_body_matcher_tells_the_submission_from_a_side_request() -> None:
    """With ``[answer] body``, a validation call to the same URL is not a submission."""
    rule = dataclasses.replace(
        MOCK.answer.request, body=((JsonTest(path=parse_path("validate"), exists=False),),)
    )
    context, watch, _ = watching(rule)
    url = "http://127.0.0.1:9/order/1001/dispute"
    context.fire("request", request("POST", url, b"validate=1&message=x"))
    assert watch.tracked == []
    context.fire("request", request("POST", url, b"received=no&message=x"))
    assert len(watch.tracked) == 1


def test_a_graphql_body_is_matched_by_its_operation() -> None:
    """One URL for every call: the operation name in the JSON body says which is the submit."""
    rule = dataclasses.replace(
        MOCK.answer.request,
        body=((JsonTest(path=parse_path("operationName"), equals=("CreateReturn",)),),),
    )
    assert rule.matches("POST", "http://x/order/1/dispute", b'{"operationName": "CreateReturn"}')
    assert not rule.matches("POST", "http://x/order/1/dispute", b'{"operationName": "Track"}')
    # a body that cannot be read cannot be told from the submission: it may be one
    assert rule.matches("POST", "http://x/order/1/dispute", None)
    assert rule.matches("POST", "http://x/order/1/dispute", b"\xff" * 10)


def test_a_form_field_holding_json_is_read_by_path() -> None:
    """A form body whose field holds JSON (the gateway's ``data=``) is read into."""
    assert body_data(b"data=%7B%22orderId%22%3A%20%221%22%7D&sign=x") == {
        "data": {"orderId": "1"},
        "sign": "x",
    }
    assert body_data(b"") is None and body_data(b"\xff\xfe") is None


def test_a_handler_never_raises() -> None:
    """A request whose body cannot be read is still tracked (counted as a possible one)."""

    class Broken:
        method = "POST"
        url = "http://127.0.0.1:9/order/1001/dispute"

        @property
        def post_data_buffer(self) -> bytes:
            raise RuntimeError("gone")

    context, watch, _ = watching(MOCK.answer.request)
    context.fire("request", Broken())
    assert len(watch.tracked) == 1


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


def test_json_paths_are_jmespath_and_any_value_passes() -> None:
    """Paths are JMESPath: a projection tests each value, a missing key gives none, GraphQL's
    error codes are read through ``errors[*].extensions.code``; a bad path is refused."""
    graphql = {"data": None, "errors": [{"extensions": {"code": "TOO_MANY_REQUESTS"}}]}
    busy = JsonTest(path=parse_path("errors[*].extensions.code"), equals=("TOO_MANY_REQUESTS",))
    assert busy.holds(graphql) and not busy.holds({"errors": []})
    assert parse_path("ret[-1]").values({"ret": ["a", "b"]}) == ["b"]
    assert parse_path("data.reverseOrderId").values({"data": {}}) == []
    with pytest.raises(ValueError):
        parse_path("ret[")


def test_a_closed_context_ends_the_wait_at_once() -> None:
    """The browser went away (the context closed): the watch stops waiting for a request that
    can no longer end, instead of waiting out the run's deadline."""
    context, watch, now = watching(MOCK.answer.request)
    context.fire("request", request("POST", "http://127.0.0.1:9/order/1001/dispute"))
    context.fire("close", object())
    ended = asyncio.run(watch.wait_for(lambda: not watch.in_flight(), until=now[0] + 900))
    assert ended is False and watch.closed and len(watch.in_flight()) == 1
