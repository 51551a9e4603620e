"""The real site's faults over HTTP: class_drift, late banners and chaos, on both skins."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from mock_site.aliexpress.drift import HASHED_CLASS, drifted
from mock_site.chaos import CHAOS_MAX_DELAY_S
from mock_site.faults import parse_fault_plan
from mock_site.store import Store
from mock_site.testing import StorefrontServer
from tests.site.test_aliexpress_shopper import AeShopper

START = "/p/reverse-pages/start.html?orderId=1002&itemId=100201"
ASSETS = ("/static/ae.css", "/static/ae-common.js", "/static/ae-reverse.js")


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


def _hashed(text: str) -> set[str]:
    return {m.group(0) for m in HASHED_CLASS.finditer(text)}


def _texts(shopper: AeShopper) -> tuple[str, str]:
    """The returns page's HTML, and its stylesheet and scripts together."""
    html = shopper.page(START).html
    assets = "\n".join(shopper.client.get(path).text for path in ASSETS)
    return html, assets


def test_class_drift_gives_every_hashed_class_a_new_hash(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """class_drift = SEED: no old hash is left in the page, its CSS or its scripts; the page's
    new classes are the ones its CSS and scripts use; plain classes, data-pl and roles stay."""
    old_html, old_assets = _texts(shopper)
    old_classes = _hashed(old_html) | _hashed(old_assets)
    assert "reverse--form--3Tq9vKd" in old_classes and len(old_classes) > 40
    ae_server.set_faults({"class_drift": 42})
    html, assets = _texts(shopper)
    new_classes = _hashed(html) | _hashed(assets)
    assert not old_classes & new_classes
    assert {c.rsplit("--", 1)[0] for c in old_classes} == {
        c.rsplit("--", 1)[0] for c in new_classes
    }
    assert _hashed(html) == {drifted(c, 42) for c in _hashed(old_html)}
    assert _hashed(assets) == {drifted(c, 42) for c in _hashed(old_assets)}
    shared = _hashed(old_html) & _hashed(old_assets)  # what the CSS and scripts find in the page
    assert len(shared) > 20 and {drifted(c, 42) for c in shared} <= _hashed(html) & _hashed(assets)
    for stable in ('data-pl="buyersubmit_btn_submit"', 'role="combobox"', "comet-v2-select"):
        assert stable in html
    again = shopper.page(START).html
    assert _hashed(again) == _hashed(html)  # the same seed, the same hashes


def test_class_drift_seeds_differ_and_zero_is_off(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """Another seed gives other hashes; 0 (the default) leaves the markup as it is."""
    original = _hashed(shopper.page(START).html)
    ae_server.set_faults({"class_drift": 1})
    one = _hashed(shopper.page(START).html)
    ae_server.set_faults({"class_drift": 2})
    two = _hashed(shopper.page(START).html)
    ae_server.set_faults({"class_drift": 0})
    assert one != two and not one & original and not two & original
    assert _hashed(shopper.page(START).html) == original


def test_drifted_text_keeps_names_and_length() -> None:
    """Only the hash changes: module--name-- stays, the hash keeps its 7 characters."""
    out = drifted('<div class="reverse--form--3Tq9vKd my-account--name--2Vh3kQe x">', 7)
    found = re.findall(r"(reverse--form--|my-account--name--)([A-Za-z0-9]{7})", out)
    assert [f[0] for f in found] == ["reverse--form--", "my-account--name--"]
    assert "3Tq9vKd" not in out and "2Vh3kQe" not in out and out.endswith(' x">')


def test_late_banner_is_rendered_hidden_with_its_time(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """late_banner_s: the consent banner is in the page, hidden, and the page says when to show
    it; banner_with_modal says to show it with the first modal."""
    page = shopper.page("/p/order/detail.html?orderId=1001")
    assert "hidden" not in page.one("global-gdpr-wrap").attrs  # at load, by default
    ae_server.set_faults({"late_banner_s": 1.5})
    page = shopper.page("/p/order/detail.html?orderId=1001")
    assert "hidden" in page.one("global-gdpr-wrap").attrs
    assert 'data-banner-ms="1500"' in page.html
    ae_server.set_faults({"banner_with_modal": True})
    page = shopper.page("/p/order/detail.html?orderId=1001")
    assert 'data-banner-with-modal="yes"' in page.html and "data-banner-ms" not in page.html


def test_late_banner_on_the_mock_skin(storefront: StorefrontServer) -> None:
    """The mock skin shows a consent banner only with these faults, hidden until its time."""
    client = httpx.Client(base_url=storefront.url, timeout=10)
    client.cookies.update(storefront.session_cookies())
    try:
        assert 'data-testid="consent-banner"' not in client.get("/orders").text
        storefront.set_faults({"late_banner_s": 0.5})
        html = client.get("/order/1001").text
        assert 'data-testid="consent-banner"' in html and 'data-banner-ms="500"' in html
    finally:
        client.close()


@pytest.mark.parametrize("skin", ["mock", "aliexpress"])
def test_chaos_draws_every_page_its_effects(skin: str) -> None:
    """chaos = SEED: each page gets a re-render time, a banner late or with a modal, sometimes a
    promo and toasts; the same seed draws the same, another seed other draws."""
    plan = parse_fault_plan({"chaos": 7}, skin=skin)  # type: ignore[arg-type]
    draws = [Store(faults=plan, skin=skin).page_effects() for _ in range(2)]  # type: ignore[arg-type]
    assert draws[0] == draws[1]
    store = Store(faults=plan, skin=skin)  # type: ignore[arg-type]
    pages = [store.page_effects() for _ in range(40)]
    assert all(p.rerender_ms is not None and p.banner for p in pages)
    assert any(p.promo_ms is not None for p in pages) and any(p.toasts_ms for p in pages)
    assert any(p.banner_with_modal for p in pages) and any(p.banner_ms for p in pages)
    other = Store(faults=parse_fault_plan({"chaos": 8}, skin=skin), skin=skin)  # type: ignore[arg-type]
    assert [other.page_effects() for _ in range(40)] != pages
    healthy = Store(skin=skin)  # type: ignore[arg-type]
    assert not healthy.page_effects().any and healthy.chaos_delay() == 0


def test_chaos_holds_every_request_but_the_control_api() -> None:
    """Each request waits 0-1.5 s (the store's injected sleep); the control API never does."""
    held: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        held.append(seconds)

    store = Store(skin="aliexpress", sleep=fake_sleep)
    store.set_plan(parse_fault_plan({"chaos": 3}, skin="aliexpress"))
    with StorefrontServer(store=store) as server:
        client = httpx.Client(base_url=server.url, timeout=10)
        try:
            for path in ("/static/ae.css", "/p/order/index.html", "/gw/aplus/track"):
                client.request("POST" if path.endswith("track") else "GET", path)
            assert len(held) == 3
            assert all(0 <= s <= CHAOS_MAX_DELAY_S for s in held) and len(set(held)) == 3
            server.disputes()
            server.faults()
            assert len(held) == 3
        finally:
            client.close()
