"""Fonts for readable screenshots: installed with the browser, and a warning when CJK has none."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from agent import browser, fonts
from tests.safety.helpers import cli


def _fake_fc_list(tmp_path: Path, families: dict[str, str]) -> Path:
    """An ``fc-list`` that knows fonts for some ``:lang=`` only."""
    cases = "\n".join(f'  ":lang={lang}") echo "{family}" ;;' for lang, family in families.items())
    script = tmp_path / "fc-list"
    script.write_text(f'#!/bin/sh\ncase "$1" in\n{cases}\n  *) ;;\nesac\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _use(monkeypatch: pytest.MonkeyPatch, fc_list: Path | None) -> None:
    real = fonts.shutil.which
    monkeypatch.setattr(
        fonts.shutil,
        "which",
        lambda name: (str(fc_list) if fc_list else None) if name == "fc-list" else real(name),
    )


def test_a_missing_cjk_font_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No font for Chinese, Japanese or Korean: one line says what the screenshots lose and how
    to install one; with one, or without fontconfig to ask, nothing is said."""
    _use(monkeypatch, _fake_fc_list(tmp_path, {"ru": "DejaVu Sans"}))
    assert fonts.covers("ru") is True and fonts.covers("zh-cn") is False
    warning = fonts.font_warning()
    assert warning is not None and "empty boxes" in warning and "fonts-noto-cjk" in warning
    cjk = {"ru": "DejaVu Sans", "zh-cn": "Noto Sans CJK SC", "ja": "Noto", "ko": "Noto"}
    _use(monkeypatch, _fake_fc_list(tmp_path, cjk))
    assert fonts.font_warning() is None
    _use(monkeypatch, None)
    assert fonts.covers("zh-cn") is None and fonts.font_warning() is None


def test_the_browser_command_warns_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``retry-dispute browser`` prints the browser, and the font warning on stderr."""
    _use(monkeypatch, _fake_fc_list(tmp_path, {"ru": "DejaVu Sans"}))
    monkeypatch.setenv(browser.BROWSER_ENV, "/bin/sh")  # a browser is found: no install
    assert cli(["browser"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "/bin/sh"
    assert "no installed font covers Chinese, Japanese or Korean" in err


def test_missing_fonts_are_installed_with_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root with apt-get: DejaVu for Cyrillic, then fonts-noto-cjk, and fonts-wqy-zenhei
    only when Noto cannot be installed; a font that fails is said, never fatal."""
    _use(monkeypatch, _fake_fc_list(tmp_path, {}))
    calls: list[tuple[str, ...]] = []

    def install(packages: tuple[str, ...]) -> None:
        calls.append(packages)
        if packages == ("fonts-noto-cjk",):
            raise subprocess.CalledProcessError(100, ["apt-get", "install", *packages])

    fonts.ensure_fonts(install)
    assert calls == [("fonts-dejavu-core",), ("fonts-noto-cjk",), ("fonts-wqy-zenhei",)]
    assert "could not install fonts-noto-cjk" in capsys.readouterr().err
    calls.clear()
    fonts.ensure_fonts(lambda packages: calls.append(packages))
    assert calls == [("fonts-dejavu-core",), ("fonts-noto-cjk",)]
    monkeypatch.setattr(
        browser, "_apt_install", lambda packages=("chromium",): calls.append(packages)
    )
    monkeypatch.setattr(browser, "_can_apt", lambda: True)
    monkeypatch.setenv(browser.BROWSER_ENV, "/bin/sh")
    calls.clear()
    assert browser.ensure_browser() == "/bin/sh"
    assert ("fonts-noto-cjk",) in calls
