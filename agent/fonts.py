"""Fonts for readable screenshots: the scripts the sites' messages use must have glyphs.

The site's busy toast is Chinese (``哎哟喂,被挤爆啦,请稍后重试``) and its interface may be
Russian: without a font that covers them, Chromium draws empty boxes, and the screenshot
support asks for says nothing. `ensure_fonts` installs Debian's fonts with the browser
(``fonts-noto-cjk``, else ``fonts-wqy-zenhei``, and ``fonts-dejavu-core`` for Latin and
Cyrillic); `font_warning` says when no installed font covers Chinese, Japanese or Korean.
fontconfig's ``fc-list`` is asked; where it is missing nothing is said.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable

__all__ = ["BASE_FONT_PACKAGES", "CJK_FONT_PACKAGES", "covers", "ensure_fonts", "font_warning"]

#: Debian's fonts that cover Chinese, Japanese and Korean, the first one preferred.
CJK_FONT_PACKAGES: tuple[str, ...] = ("fonts-noto-cjk", "fonts-wqy-zenhei")
#: Latin, Greek and Cyrillic.
BASE_FONT_PACKAGES: tuple[str, ...] = ("fonts-dejavu-core",)
#: fontconfig's language for each script the sites' messages use.
_CJK_LANGUAGES = ("zh-cn", "ja", "ko")
_FC_TIMEOUT_S = 20


def covers(language: str) -> bool | None:
    """Whether an installed font covers *language* (fontconfig's name: ``zh-cn``, ``ru``);
    None when fontconfig cannot be asked."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        found = subprocess.run(
            [fc_list, f":lang={language}", "family"],
            capture_output=True,
            text=True,
            timeout=_FC_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(found.stdout.strip())


def font_warning() -> str | None:
    """One line when no installed font covers Chinese, Japanese or Korean (None otherwise)."""
    missing = [lang for lang in _CJK_LANGUAGES if covers(lang) is False]
    if not missing:
        return None
    return (
        "warning: no installed font covers Chinese, Japanese or Korean: the site's Chinese "
        "busy message will be empty boxes in the screenshots support reads; install one "
        "(`make setup`, or `retry-dispute browser --install` as root, or "
        "`sudo apt-get install -y fonts-noto-cjk fonts-dejavu-core`)"
    )


def ensure_fonts(install: Callable[[tuple[str, ...]], None]) -> None:
    """Install the fonts that are missing with *install* (apt-get), best effort: a font that
    cannot be installed is said on stderr, never fatal."""
    wanted: list[tuple[str, ...]] = []
    if covers("ru") is False:
        wanted.append(BASE_FONT_PACKAGES)
    if covers("zh-cn") is False:
        wanted.extend((package,) for package in CJK_FONT_PACKAGES)
    done_cjk = False
    for packages in wanted:
        if done_cjk and packages[0] in CJK_FONT_PACKAGES:
            continue
        try:
            install(packages)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"retry-dispute: could not install {' '.join(packages)} ({exc})", file=sys.stderr)
            continue
        done_cjk = done_cjk or packages[0] in CJK_FONT_PACKAGES
