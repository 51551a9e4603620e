"""The control API (/__mock/...), the fault plan's parsing and ``python -m mock_site``."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

import mock_site.__main__ as mock_main
from mock_site.faults import FaultEngine, FaultPlan, load_fault_file, parse_fault_plan
from mock_site.testing import StorefrontServer


def test_reset_restores_the_seeded_state(shopper, storefront: StorefrontServer) -> None:
    """Reset: only D-000007, no submissions, healthy plan, ids from D-000100; sessions kept."""
    storefront.set_faults({"busy_after_commit": 1})
    shopper.submit()
    token = shopper.csrf()
    shopper.client.post("/order/1002/confirm-receipt", data={"csrf_token": token})
    storefront.reset()
    assert [d["dispute_id"] for d in storefront.disputes()] == ["D-000007"]
    assert storefront.submissions() == []
    assert storefront.faults() == FaultPlan().to_dict()
    assert not shopper.page("/order/1002").has("dispute-ineligible")
    assert shopper.submit().headers["location"] == "/dispute/D-000100"


def test_faults_round_trip(storefront: StorefrontServer) -> None:
    """PUT answers the whole plan in force, GET gives it back."""
    plan = storefront.set_faults({"busy_first": 3, "language": "fr", "busy_rate": 1})
    assert plan["busy_first"] == 3
    assert plan["busy_rate"] == 1.0
    assert plan["busy_style"] == "banner"
    assert set(plan) == set(FaultPlan().to_dict())
    assert storefront.faults() == plan


BAD_PLANS = [
    ({"busy_frist": 1}, "unknown fault key: busy_frist"),
    ({"busy_first": -1}, "invalid value for busy_first: -1 (expected an integer >= 0)"),
    ({"busy_first": True}, "invalid value for busy_first: True (expected an integer >= 0)"),
    ({"busy_first": 1.5}, "invalid value for busy_first: 1.5 (expected an integer >= 0)"),
    ({"busy_rate": 1.5}, "invalid value for busy_rate: 1.5 (expected a number from 0 to 1)"),
    ({"busy_rate": "0.5"}, "invalid value for busy_rate: '0.5' (expected a number from 0 to 1)"),
    ({"seed": "x"}, "invalid value for seed: 'x' (expected an integer)"),
    ({"busy_for_s": -2}, "invalid value for busy_for_s: -2 (expected a number of seconds >= 0)"),
    ({"busy_status": 404}, "invalid value for busy_status: 404 (expected one of 200, 429, 503)"),
    ({"retry_after_s": -5}, "invalid value for retry_after_s: -5 (expected an integer >= 0)"),
    (
        {"retry_after_format": "http"},
        'invalid value for retry_after_format: \'http\' (expected one of "seconds", "date")',
    ),
    (
        {"busy_style": "popup"},
        'invalid value for busy_style: \'popup\' (expected one of "banner", "toast", "modal")',
    ),
    ({"language": "de"}, "invalid value for language: 'de'"),
    ({"overlay": "sometimes"}, "invalid value for overlay: 'sometimes'"),
    ({"popup_blocked": "yes"}, "invalid value for popup_blocked: 'yes' (expected true or false)"),
    ({"errors_after_commit": 1}, "invalid value for errors_after_commit: 1"),
    ({"form_resets_on_busy": None}, "invalid value for form_resets_on_busy: None"),
    ({"captcha_after": "2"}, "invalid value for captcha_after: '2'"),
    ({"session_expires_after": -1}, "invalid value for session_expires_after: -1"),
    ({"slow_submit_s": "1s"}, "invalid value for slow_submit_s: '1s'"),
    ({"slow_rate": 2}, "invalid value for slow_rate: 2"),
    ({"server_errors": "many"}, "invalid value for server_errors: 'many'"),
    ({"server_error_rate": -0.1}, "invalid value for server_error_rate: -0.1"),
    ({"busy_after_commit": -1}, "invalid value for busy_after_commit: -1"),
    ({"busy_after_commit_rate": 7}, "invalid value for busy_after_commit_rate: 7"),
    ({"dispute_id_markup": "bold"}, "invalid value for dispute_id_markup: 'bold' (expected true"),
    (
        {"dispute_shows_after_s": -1},
        "invalid value for dispute_shows_after_s: -1 (expected a number of seconds >= 0)",
    ),
    ({"dispute_shows_after_s": "2s"}, "invalid value for dispute_shows_after_s: '2s'"),
    ({"hidden_dispute_ids": 1}, "invalid value for hidden_dispute_ids: 1 (expected true or false)"),
    ({"latency": "slow"}, "invalid value for latency: 'slow'"),
    ({"latency": {}}, "invalid value for latency: {}"),
    ({"latency": {"page": [0.3, 0.9]}}, "invalid value for latency: {'page': [0.3, 0.9]}"),
    ({"latency": {"page_s": [0.9, 0.3]}}, "invalid value for latency.page_s: [0.9, 0.3]"),
    ({"latency": {"page_s": 0.5}}, "invalid value for latency.page_s: 0.5"),
    ({"latency": {"submit_s": [-1, 2]}}, "invalid value for latency.submit_s: [-1, 2]"),
    ({"latency": {"submit_s": [1, 61]}}, "invalid value for latency.submit_s: [1, 61]"),
    ({"latency": {"submit_s": [1, True]}}, "invalid value for latency.submit_s: [1, True]"),
]


@pytest.mark.parametrize(("plan", "error"), BAD_PLANS)
def test_bad_fault_plan_is_400_naming_the_key(storefront, plan: dict[str, object], error: str):
    """A bad key or value answers 400 with an error naming it; the plan in force stays."""
    storefront.set_faults({"busy_first": 1})
    response = httpx.put(storefront.url + "/__mock/faults", json=plan, verify=False)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert storefront.faults()["busy_first"] == 1


def test_unknown_key_error_is_exact(storefront) -> None:
    """The documented example, word for word."""
    response = httpx.put(storefront.url + "/__mock/faults", json={"busy_frist": 2}, verify=False)
    assert response.json() == {"error": "unknown fault key: busy_frist"}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"busy"'])
def test_fault_plan_must_be_a_json_object(storefront, body: bytes) -> None:
    """Not JSON, or not an object: 400."""
    response = httpx.put(storefront.url + "/__mock/faults", content=body, verify=False)
    assert response.status_code == 400
    assert "error" in response.json()


def test_set_faults_raises_value_error(storefront) -> None:
    """StorefrontServer.set_faults turns the 400 into ValueError with the server's words."""
    with pytest.raises(ValueError, match="unknown fault key: busy_frist"):
        storefront.set_faults({"busy_frist": 1})


def test_disputes_and_submissions_fields(shopper, storefront) -> None:
    """Every documented field of /__mock/disputes and /__mock/submissions is there."""
    shopper.submit()
    dispute = storefront.disputes()[-1]
    documented = {"dispute_id", "order_id", "account", "reason", "message", "amount", "files"}
    assert documented | {"created_at"} <= set(dispute)
    submission = storefront.submissions()[-1]
    assert {"n", "order_id", "at", "answer", "status_code", "dispute_id", "detail"} <= set(
        submission
    )
    assert submission["n"] == 1
    assert isinstance(submission["at"], float)


def test_orders_endpoint(shopper, storefront) -> None:
    """/__mock/orders lists every seeded order with its eligibility and reason."""
    rows = {row["order_id"]: row for row in storefront.orders()}
    assert len(rows) == 8 + 600
    assert rows["1002"] == {
        "order_id": "1002",
        "account": "demo",
        "state": "delivered",
        "eligible": True,
        "reason": "",
        "total": "24.50",
        "dispute_id": None,
    }
    assert rows["1003"]["eligible"] is False
    assert rows["1003"]["reason"].startswith("Buyer protection ended 5 days ago.")
    assert rows["1005"]["state"] == "receipt_confirmed"
    assert rows["1006"]["state"] == "proposal_accepted"
    assert rows["1007"]["eligible"] is False
    assert rows["1007"]["reason"] == "Dispute D-000007 is open"
    assert rows["1007"]["dispute_id"] == "D-000007"
    assert rows["1008"]["account"] == "other"
    assert rows["2599"]["total"] == "10.00"
    shopper.submit("1001")
    rows = {row["order_id"]: row for row in storefront.orders()}
    assert rows["1001"]["dispute_id"] == "D-000100"
    assert rows["1001"]["eligible"] is False


def test_parse_fault_plan_defaults_and_types() -> None:
    """An empty plan is healthy; ints are fine where numbers are due."""
    assert parse_fault_plan({}) == FaultPlan()
    plan = parse_fault_plan({"busy_rate": 1, "busy_for_s": 3, "retry_after_s": None})
    assert plan.busy_rate == 1.0
    assert isinstance(plan.busy_rate, float)
    assert plan.busy_for_s == 3.0
    assert plan.retry_after_s is None
    with pytest.raises(ValueError, match="must be an object"):
        parse_fault_plan([])  # type: ignore[arg-type]


def test_fault_plan_is_frozen() -> None:
    """A plan cannot change after it is parsed."""
    plan = FaultPlan()
    with pytest.raises(AttributeError):
        plan.busy_first = 2  # type: ignore[misc]


def test_engine_counts_per_step() -> None:
    """The busy counter only counts submissions that reached the busy check."""
    engine = FaultEngine(FaultPlan(server_errors=2, busy_first=1))
    assert [engine.before_validation(0.0) for _ in range(4)] == [
        "server_error",
        "server_error",
        "busy",
        None,
    ]


def test_load_fault_file(tmp_path: Path) -> None:
    """--faults accepts TOML and JSON; other suffixes and bad keys are refused."""
    toml = tmp_path / "plan.toml"
    toml.write_text('busy_first = 2\nbusy_style = "toast"\n', encoding="utf-8")
    assert load_fault_file(toml) == FaultPlan(busy_first=2, busy_style="toast")
    js = tmp_path / "plan.json"
    js.write_text(json.dumps({"language": "zh"}), encoding="utf-8")
    assert load_fault_file(js).language == "zh"
    bad = tmp_path / "plan.toml"
    bad.write_text("busy_frist = 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="busy_frist"):
        load_fault_file(bad)
    with pytest.raises(ValueError, match=r"\.toml or \.json"):
        load_fault_file(tmp_path / "plan.yaml")


def test_main_serves_on_loopback_with_the_file_plan(tmp_path, monkeypatch) -> None:
    """python -m mock_site binds 127.0.0.1 on the given port with the file's plan (the socket
    is bound before uvicorn serves on it), and port 8000 by default."""
    calls: list[dict[str, object]] = []

    class Server:
        """uvicorn's server, recording what it was asked to serve instead of serving."""

        def __init__(self, config: object) -> None:
            self.config = config

        def run(self, sockets: list[socket.socket]) -> None:
            calls.append(
                {
                    "app": self.config.app,  # type: ignore[attr-defined]
                    "addresses": [s.getsockname() for s in sockets],
                }
            )
            for sock in sockets:
                sock.close()

    monkeypatch.setattr(mock_main.uvicorn, "Server", Server)
    with socket.socket() as probe:  # a free port of 127.0.0.1
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    plan = tmp_path / "plan.toml"
    plan.write_text("busy_first = 1\n", encoding="utf-8")
    assert mock_main.main(["--port", str(free), "--faults", str(plan)]) == 0
    [call] = calls
    assert call["addresses"] == [("127.0.0.1", free)]
    assert call["app"].state.store.plan.busy_first == 1  # type: ignore[attr-defined]
    assert mock_main.build_parser().parse_args([]).port == 8000


def test_main_refuses_a_bad_fault_file(tmp_path, capsys) -> None:
    """A bad fault file exits 2 naming the problem, without serving."""
    plan = tmp_path / "plan.json"
    plan.write_text('{"busy_status": 404}', encoding="utf-8")
    assert mock_main.main(["--faults", str(plan)]) == 2
    assert "busy_status" in capsys.readouterr().err


def test_server_stops_and_refuses_url_when_stopped() -> None:
    """A StorefrontServer can be started and stopped on its own; url needs it running."""
    server = StorefrontServer(faults={"busy_first": 1})
    with pytest.raises(RuntimeError):
        _ = server.url
    with server:
        assert server.faults()["busy_first"] == 1
        assert httpx.get(server.url + "/login").status_code == 200
        url = server.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/login")


# --- the control API answers local tools only ---------------------------------------------------

CROSS_SITE = [
    ({"Origin": "http://evil.example"}, "another origin"),
    ({"Origin": "null"}, "another origin"),
    ({"Host": "evil.example"}, "Host"),
    ({"Host": "evil.example:8000"}, "Host"),
    ({"Sec-Fetch-Site": "cross-site"}, "another site"),
]


@pytest.mark.parametrize(
    ("headers", "says"),
    CROSS_SITE,
    ids=["origin", "origin-null", "rebound-host", "rebound-host-port", "sec-fetch-site"],
)
def test_a_cross_origin_request_changes_nothing(
    storefront: StorefrontServer, headers: dict[str, str], says: str
) -> None:
    """A web page's simple POST (or a DNS-rebound one) cannot reset the store or set faults."""
    storefront.set_faults({"busy_first": 2})
    with httpx.Client(base_url=storefront.url, timeout=10) as client:
        reset = client.post("/__mock/reset", headers=headers)
        faults = client.put(
            "/__mock/faults",
            content=b'{"busy_first": 0}',
            headers={"Content-Type": "text/plain", **headers},
        )
        read = client.get("/__mock/disputes", headers=headers)
    for answer in (reset, faults, read):
        assert answer.status_code == 403
        assert says in answer.json()["error"]
    assert storefront.faults()["busy_first"] == 2


def test_local_tools_and_same_origin_requests_still_work(storefront: StorefrontServer) -> None:
    """No Origin (urllib, curl, httpx), the storefront's own origin, localhost: all answered."""
    with httpx.Client(base_url=storefront.url, timeout=10) as client:
        assert client.get("/__mock/faults").status_code == 200
        own = {"Origin": storefront.url, "Sec-Fetch-Site": "same-origin"}
        assert client.post("/__mock/reset", headers=own).status_code == 200
        named = {"Host": f"localhost:{storefront.port}"}
        assert client.get("/__mock/orders", headers=named).status_code == 200
    assert storefront.faults()["busy_first"] == 0
