"""A third storefront of another shape, driven by a profile alone (tests/e2e/tinyshop/).

TinyShop signs in on one page, opens its claim form in the same tab, asks "received?" with a
checkbox, picks the reason in a native select by the site's own ids, answers JSON of its own
shape (busy as RATE_LIMITED in an HTTP 200) and shows a toast for one second. Nothing in
agent/ knows it: only tests/e2e/tinyshop/tinyshop.toml does.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.api import open_dispute_async
from agent.errors import InvalidField
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import Outcome
from agent.request import build_request
from agent.session import Credentials, Session
from agent.site.profile import SiteProfile, load_profile
from mock_site.testing import SAMPLE_JPEG
from tests.e2e.tinyshop.app import BUSY_TEXT, TinyShop
from tests.safety.helpers import AgentLoop

pytestmark = pytest.mark.browser

PROFILE = Path(__file__).resolve().parent / "tinyshop" / "tinyshop.toml"
FAST = RetryPolicy(initial_wait_s=0.01, max_wait_s=0.04, jitter=False, max_attempts=5)
MESSAGE = "The lamp arrived with its glass broken."


@pytest.fixture(scope="module")
def loop() -> Iterator[AgentLoop]:
    """One browser in a loop thread for the module."""
    with AgentLoop(timeout_s=300) as running:
        yield running


@pytest.fixture(scope="module")
def served() -> Iterator[TinyShop]:
    """TinyShop on a free port, for the module."""
    with TinyShop() as shop:
        yield shop


@pytest.fixture
def tinyshop(served: TinyShop) -> TinyShop:
    """TinyShop back to one claim (C-77, order 501), no faults."""
    served.shop.reset()
    return served


def faults(shop: TinyShop, **plan: int) -> None:
    """Set TinyShop's faults."""
    data = json.dumps(plan).encode()
    req = urllib.request.Request(
        shop.url + "/__test/faults",
        data=data,
        method="POST",
        headers={"content-type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=10).close()


def claims(shop: TinyShop, order: str) -> list[dict[str, Any]]:
    """TinyShop's claims for an order."""
    return [c for c in shop.shop.claims if c["order"] == order]


def run(
    loop: AgentLoop,
    shop: TinyShop,
    tmp_path: Path,
    *,
    profile: SiteProfile | None = None,
    **fields: Any,
) -> Outcome:
    """Open a claim on TinyShop with the profile (the file unless given)."""
    chosen = profile or load_profile(PROFILE)
    values: dict[str, Any] = {
        "order_id": "500",
        "received": "yes",
        "reason": "damaged",
        "message": MESSAGE,
        **fields,
    }
    if values["received"] == "yes" and "evidence" not in fields:
        photo = tmp_path / "lamp.jpg"
        photo.write_bytes(SAMPLE_JPEG)
        values["evidence"] = [photo]
    prepared = build_request(**values, rules=chosen.evidence, reasons=chosen.reasons)
    options = RunOptions(
        site=shop.url,
        profile=chosen,
        policy=FAST,
        out_dir=tmp_path / "runs",
        session=Session(credentials=Credentials("demo@tiny.test", "demo")),
        state_dir=tmp_path / "state",
        trace="off",
    )

    async def no_sleep(_: float) -> None:
        return None

    runtime = Runtime(sleep=no_sleep, browser=loop.browser)
    return loop.run(open_dispute_async(prepared, options, runtime=runtime))


def test_busy_json_in_an_http_200_then_opened(
    loop: AgentLoop, tinyshop: TinyShop, tmp_path: Path
) -> None:
    """RATE_LIMITED twice in HTTP 200 JSON, beacons before each answer: opened, one claim."""
    faults(tinyshop, busy_first=2)
    outcome = run(loop, tinyshop, tmp_path)
    [claim] = claims(tinyshop, "500")
    assert outcome.status == "opened", outcome.message
    assert outcome.attempts == 3
    assert outcome.dispute_id == claim["number"]
    assert claim["got"] is True and claim["why"] == "w2" and claim["want"] == "money"
    assert claim["pics"] == ["lamp.jpg"] and claim["note"] == MESSAGE
    assert tinyshop.shop.beacons >= 6  # two before each of the three answers: none taken for one


def test_busy_after_commit_is_found_by_the_reconcile(
    loop: AgentLoop, tinyshop: TinyShop, tmp_path: Path
) -> None:
    """The claim is created, the answer says busy: the order page shows it, nothing resent."""
    faults(tinyshop, busy_after_commit=1)
    outcome = run(loop, tinyshop, tmp_path, received="no", reason="not_received", solution="return")
    [claim] = claims(tinyshop, "500")
    assert outcome.status == "opened", outcome.message
    assert outcome.dispute_id == claim["number"]
    assert claim["got"] is False and claim["why"] == "w1" and claim["want"] == "return"


def test_a_reason_only_the_site_has_by_its_label(
    loop: AgentLoop, tinyshop: TinyShop, tmp_path: Path
) -> None:
    """A reason with no code of ours, given by the site's label, is picked by its id."""
    outcome = run(loop, tinyshop, tmp_path, reason="it smells ODD")
    assert outcome.status == "opened", outcome.message
    assert claims(tinyshop, "500")[0]["why"] == "w3"


def test_the_page_fallback_reads_a_toast_that_lasts_one_second(
    loop: AgentLoop, tinyshop: TinyShop, tmp_path: Path
) -> None:
    """Without JSON rules the busy toast (gone after 1 s) and the page's success are read."""
    text = PROFILE.read_text(encoding="utf-8")
    start = text.index("[answer.json]")
    path = tmp_path / "page-only.toml"
    path.write_text(text[:start] + text[text.index("[answer.page]") :], encoding="utf-8")
    profile = load_profile(path)
    assert profile.answer.json is None
    faults(tinyshop, busy_first=1)
    outcome = run(loop, tinyshop, tmp_path, profile=profile)
    assert outcome.status == "opened", outcome.message
    assert outcome.attempts == 2
    assert outcome.dispute_id == claims(tinyshop, "500")[0]["number"]
    result = json.loads((outcome.run_dir / "result.json").read_text())  # type: ignore[operator]
    answers = [e for e in result["timeline"] if e["kind"] == "attempt"]
    assert answers[0]["outcome"] == "busy" and BUSY_TEXT in answers[0]["detail"]


def test_an_order_with_a_claim_is_already_open(
    loop: AgentLoop, tinyshop: TinyShop, tmp_path: Path
) -> None:
    """Order 501 shows "Claim <em>C-77</em> is under review": already_open, nothing sent."""
    outcome = run(loop, tinyshop, tmp_path, order_id="501")
    assert outcome.status == "already_open"
    assert outcome.dispute_id == "C-77"
    assert len(tinyshop.shop.claims) == 1


def test_what_the_form_cannot_take_is_refused_before_the_browser(
    loop: AgentLoop, tinyshop: TinyShop, tmp_path: Path
) -> None:
    """TinyShop's form has no amount: a partial refund is refused in the pre-flight."""
    with pytest.raises(InvalidField) as info:
        run(loop, tinyshop, tmp_path, refund="partial", amount="5.00")
    assert info.value.field == "refund" and "no amount field" in str(info.value)
    assert tinyshop.shop.beacons == 0
