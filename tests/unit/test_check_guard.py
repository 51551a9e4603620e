"""`retry-dispute check`'s network guard: what a walk may send, decided request by request."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from agent.errors import InvalidConfig
from agent.site.network_guard import NetworkGuard, site_domain
from agent.site.profile import load_profile, parse_profile

SITE = "http://shop.example:8000"


def _guard(profile: str = "mock", site: str = SITE) -> NetworkGuard:
    guard = NetworkGuard(load_profile(profile), site_url=site)
    guard.doing = "form.fields[3] (solution)"
    return guard


def test_the_submit_request_is_blocked_always_and_named() -> None:
    """The profile's answer request is aborted before and after the login, naming the field."""
    guard = _guard()
    blocked = guard.verdict("POST", f"{SITE}/order/1002/dispute")
    assert blocked is not None and blocked.submit
    assert blocked.line.startswith(
        "form.fields[3] (solution) sent the submit request: this element submits the form "
        "(blocked: POST /order/1002/dispute"
    )
    guard.logged_in = True
    guard.uploading = True  # not even a field's uploads may submit
    assert guard.verdict("POST", f"{SITE}/order/1002/dispute") is not None


def test_after_the_login_only_gets_and_a_fields_uploads_go() -> None:
    """The login form posts; once logged in a POST is blocked, unless a files field is filled."""
    guard = _guard()
    assert guard.verdict("POST", f"{SITE}/login") is None
    guard.logged_in = True
    assert guard.verdict("GET", f"{SITE}/order/1002") is None
    blocked = guard.verdict("POST", f"{SITE}/api/cart?x=1")
    assert blocked is not None and not blocked.submit
    assert "sent POST /api/cart?x=1 (blocked)" in blocked.line
    assert "[[check.harmless]]" in blocked.line
    assert guard.verdict("DELETE", "http://login.shop.example/session") is not None
    guard.uploading = True
    assert guard.verdict("POST", f"{SITE}/x/upload") is None


def test_other_sites_are_left_alone_and_harmless_requests_go() -> None:
    """A POST to another domain is not the site's; the aliexpress profile's beacon is harmless."""
    guard = _guard()
    guard.logged_in = True
    assert guard.verdict("POST", "https://analytics.example.net/collect") is None
    ae = _guard("aliexpress", "https://www.aliexpress.com")
    ae.logged_in = True
    assert ae.verdict("POST", "https://www.aliexpress.com/gw/aplus/track") is None
    assert ae.verdict("POST", "https://www.aliexpress.com/gw/other") is not None
    assert (
        ae.verdict("POST", "https://www.aliexpress.com/h5/mtop.ae.reverse.submit/1.0/?a=1")
        is not None
    )


@pytest.mark.parametrize(
    ("host", "domain"),
    [("www.shop.example", "shop.example"), ("127.0.0.1", "127.0.0.1"), ("localhost", "localhost")],
)
def test_the_site_is_the_hosts_domain(host: str, domain: str) -> None:
    """The hosts of the --site host's domain are the site; an address is itself."""
    assert site_domain(host) == domain


def _mock() -> dict[str, Any]:
    text = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"harmless": [{"method": "GET", "url": "**/x"}]}, "check.harmless[1].method must be one"),
        ({"harmless": [{"method": "POST"}]}, "check.harmless[1].url give the request's URL"),
        ({"harmless": [{"url": "**/x", "colour": 1}]}, "check.harmless[1].colour is not a key"),
        ({"harmless": [{"url_pattern": "(a"}]}, "check.harmless[1].url_pattern is not a regular"),
        ({"allow": []}, "check.allow is not a key of [check]"),
    ],
)
def test_a_bad_check_table_is_refused_naming_the_key(table: dict[str, Any], words: str) -> None:
    """Each mistake in [check] is one line naming the profile file and the dotted key."""
    data = _mock()
    data["check"] = table
    with pytest.raises(InvalidConfig) as caught:
        parse_profile(data, source="shop.toml")
    assert str(caught.value).startswith("profile shop.toml: ")
    assert words in str(caught.value)
