"""``retry-dispute check``: a profile walked on a live site up to the filled form, unsent."""

from __future__ import annotations

import stat
from importlib import resources
from pathlib import Path

import pytest

from mock_site.testing import SAMPLE_JPEG, StorefrontServer
from tests.safety.helpers import cli

pytestmark = pytest.mark.browser

REQUEST = [
    "--order",
    "1002",
    "--received",
    "yes",
    "--reason",
    "damaged",
    "--refund",
    "partial",
    "--amount",
    "3",
    "--message",
    "It arrived broken.",
]


def _profile(tmp_path: Path, old: str = "", new: str = "") -> Path:
    text = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "shop.toml"
    path.write_text(text.replace(old, new).replace("step_s = 10", "step_s = 2"), encoding="utf-8")
    return path


def _check(
    storefront: StorefrontServer,
    tmp_path: Path,
    profile: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, list[Path]]:
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(SAMPLE_JPEG)
    code = cli(
        [
            "check",
            "--site",
            storefront.url,
            "--profile",
            str(profile),
            *REQUEST,
            "--evidence",
            str(photo),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    shots = sorted((tmp_path / "out").rglob("*.png"))
    return code, capsys.readouterr().out, shots


def test_check_finds_every_element_and_submits_nothing(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bundled profile on the bundled site: every element found, exit 0, nothing sent."""
    code, out, shots = _check(storefront, tmp_path, _profile(tmp_path), monkeypatch, capsys)
    assert code == 0, out
    assert "every element used was found" in out
    for entry in ("elements.open_dispute", "elements.reason", "elements.evidence"):
        assert any(line.startswith(entry) and " found " in line for line in out.splitlines())
    assert "elements.submit" in out and "(not run)" in out
    assert storefront.submissions() == []
    assert len(shots) >= 10  # a screenshot per step and per field
    assert any(p.name.endswith("-field-reason.png") for p in shots)
    [folder] = (tmp_path / "out").iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # like a run folder: its owner's only
    assert {stat.S_IMODE(p.stat().st_mode) for p in shots} == {0o600}
    assert "blocked:" not in out


def test_a_field_that_clicks_submit_is_blocked_and_named(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A profile whose solution field clicks Submit: the request is aborted in the browser, no
    submission reaches the site, and check names the field and exits 2 (before: exit 0, and a
    real dispute)."""
    profile = _profile(
        tmp_path,
        'kind = "radio"\noptions = { refund = "solution_refund", return = "solution_return" }',
        'kind = "cards"\noptions = { refund = "submit", return = "solution_return" }\n'
        'selected = ".never-selected"',
    )
    code, out, _ = _check(storefront, tmp_path, profile, monkeypatch, capsys)
    assert code == 2, out
    assert storefront.submissions() == []
    assert [d for d in storefront.disputes() if d["order_id"] == "1002"] == []
    assert (
        "blocked: form.fields[3] (solution) sent the submit request: this element submits the "
        "form (blocked: POST /order/1002/dispute; nothing reached the site)"
    ) in out
    assert "every element used was found" not in out


def test_check_names_a_missing_element_with_a_hint(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A wrong selector: that entry is missing with a hint, exit 2, nothing sent."""
    profile = _profile(
        tmp_path, 'message = "data-testid=message"', 'message = "data-testid=mesage"'
    )
    code, out, _ = _check(storefront, tmp_path, profile, monkeypatch, capsys)
    assert code == 2
    [row] = [line for line in out.splitlines() if line.startswith("elements.message ")]
    assert "missing" in row and "fix elements.message" in row
    assert "stopped: form.fields[6] (message)" in out and str(profile) in out
    assert storefront.submissions() == []


def test_check_counts_an_ambiguous_element(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A selector that matches several visible elements is ambiguous, with how many, exit 2."""
    profile = _profile(
        tmp_path, 'order_status = "data-testid=order-status"', 'order_status = "css=p"'
    )
    code, out, _ = _check(storefront, tmp_path, profile, monkeypatch, capsys)
    assert code == 2
    [row] = [line for line in out.splitlines() if line.startswith("elements.order_status ")]
    assert "ambiguous" in row and "elements match and the first is used" in row


def test_submit_steps_that_would_never_run_are_a_problem(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Submit steps whose conditions skip them all for this request: a run would send nothing,
    and check says so (exit 2) though every element is found."""
    profile = _profile(
        tmp_path,
        'click = "submit"\ndialog = "accept"',
        'click = "submit"\ndialog = "accept"\nwhen = {received = "no"}',
    )
    code, out, _ = _check(storefront, tmp_path, profile, monkeypatch, capsys)
    assert code == 2, out
    assert "problem: submit.steps: none runs for this request" in out
    assert not [d for d in storefront.disputes() if d["order_id"] == "1002"]


def test_a_dispute_element_the_pattern_cannot_read_is_a_problem(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An order page whose dispute notice the profile's pattern cannot read: check tries the
    pattern on it and says so (a run would take it for a dispute whose id is unknown)."""
    storefront.set_faults({"dispute_text_only": True})
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    code = cli(
        [
            "check",
            "--site",
            storefront.url,
            "--order",
            "1007",
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            "It has not arrived after forty days.",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 2, out
    assert "problem: dispute.pattern does not match the dispute element" in out
    assert '"A dispute is open for this order"' in out


def test_check_reads_the_dispute_on_its_own_page(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``[dispute] page``: check opens the "Your returns" page, reads the order's row there (its
    id in an attribute) and reports the element, then says the order already has a dispute."""
    storefront.set_faults({"returns_page": True})
    profile = _profile(
        tmp_path,
        '[dispute]\nelement = "existing_dispute"',
        '[dispute]\npage = "/returns"\nattribute = "data-request-id"\nelement = "return_row"',
    )
    row = "css=tr[data-testid='return-row'][data-order-id='{order_id}']"
    text = profile.read_text(encoding="utf-8").replace(
        "[elements]\n", f'[elements]\nreturn_row = "{row}"\n', 1
    )
    profile.write_text(text, encoding="utf-8")
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    cli(
        [
            "check",
            "--site",
            storefront.url,
            "--profile",
            str(profile),
            "--order",
            "1007",
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            "It has not arrived after forty days.",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    out = capsys.readouterr().out
    assert "a dispute is open (D-000007)" in out, out
    assert "elements.return_row" in out and "found" in out
    assert list((tmp_path / "out").rglob("*-dispute-page.png"))
