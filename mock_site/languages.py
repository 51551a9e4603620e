"""The interface languages the bundled storefront's aliexpress skin speaks (its wording is in
`mock_site.aliexpress.lang`; the fault key ``ui_language`` names one)."""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGUAGES", "UiLanguage"]

UiLanguage = Literal["en", "fr", "de", "es", "ru"]
LANGUAGES: tuple[UiLanguage, ...] = ("en", "fr", "de", "es", "ru")
