"""The aliexpress skin's interface languages: which one a request gets, and its wording.

As the real site does (``../shared/real-storefront.md``, "The interface language"), the
language comes from the locale cookie ``aep_usuc_f`` (``site=glo&c_tp=USD&region=FR&
b_locale=fr_FR``) when it names one; else from what the site guesses for the visitor (the fault
plan's ``ui_language``, standing for the real site's guess from the IP address); else from
the browser's ``Accept-Language``; else English. A cookie naming a language the skin does
not speak gives English. docs/storefront.md, "Interface languages", lists every text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from urllib.parse import parse_qs

from mock_site.aliexpress.lang import de, en, es, fr, ru
from mock_site.languages import LANGUAGES, UiLanguage

__all__ = [
    "LANGUAGES",
    "LOCALES",
    "LOCALE_COOKIE",
    "UiLanguage",
    "Wording",
    "pick_language",
    "wording",
]

#: The locale the real site writes in its cookie for each language.
LOCALES: Mapping[str, str] = MappingProxyType(
    {"en": "en_US", "fr": "fr_FR", "de": "de_DE", "es": "es_ES", "ru": "ru_RU"}
)
LOCALE_COOKIE = "aep_usuc_f"
_TABLES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"en": en.WORDING, "fr": fr.WORDING, "de": de.WORDING, "es": es.WORDING, "ru": ru.WORDING}
)
_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$"
)
_DELIVERED = re.compile(r"^Delivered (\d+) days ago$")
_SHIPPED = re.compile(r"^Not delivered yet \(shipped (\d+) days ago\)$")
#: The order's status text by the store's state.
_ORDER_STATUS = MappingProxyType(
    {
        "in_transit": "order.awaiting_delivery",
        "delivered": "order.delivered",
        "protection_ended": "order.completed",
        "protection_extended": "order.delivered",
        "receipt_confirmed": "order.completed",
        "proposal_accepted": "order.closed",
        "dispute_open": "order.delivered",
    }
)


def _cookie_language(value: str | None) -> str | None:
    """The language of ``b_locale`` in the cookie's value (``fr_FR`` -> fr); "en" for a locale
    the skin does not speak; None when the cookie says none."""
    if not value:
        return None
    locale = (parse_qs(value).get("b_locale") or [""])[0]
    if not locale:
        return None
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in LANGUAGES else "en"


def _accepted_language(header: str | None) -> str | None:
    """The first language of Accept-Language (by quality, then order) the skin speaks."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")[:20]):
        found = _RANGE.match(part)
        if found is None:
            continue
        try:
            quality = float(found.group(2)) if found.group(2) else 1.0
        except ValueError:
            continue
        language = found.group(1).lower()
        if quality > 0 and language in LANGUAGES:
            ranked.append((-quality, index, language))
    return min(ranked)[2] if ranked else None


def pick_language(
    *, cookie: str | None, accept_language: str | None, default: str | None
) -> UiLanguage:
    """The interface language of one request: the cookie, else *default* (the plan's
    ``ui_language``), else Accept-Language, else English."""
    for candidate in (_cookie_language(cookie), default, _accepted_language(accept_language)):
        if candidate in LANGUAGES:
            return LANGUAGES[LANGUAGES.index(candidate)]
    return "en"


class Wording:
    """Every text of the skin in one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._table = _TABLES[language]

    def __getitem__(self, key: str) -> str:
        return self._table[key]

    def get(self, key: str) -> str | None:
        """The text of *key*, or None when this wording has none."""
        return self._table.get(key)

    def text(self, key: str, **values: object) -> str:
        """The text of *key* with its placeholders filled."""
        return self._table[key].format(**values)

    def reason(self, code: str) -> str:
        """A reason's label."""
        return self._table[f"reason.{code}"]

    def status(self, state: str) -> str:
        """A request's status line by its state code (`mock_site.lifecycle.state_code`; ""
        for an unknown one)."""
        return self._table.get(f"status.{state}", "")

    def title(self, state: str) -> str:
        """The title above a request's status line, by its state code ("" for an unknown one)."""
        return self._table.get(f"title.{state}", "")

    def order_status(self, state: str, fallback: str) -> str:
        """The order's status by the store's state."""
        key = _ORDER_STATUS.get(state)
        return self._table[key] if key else fallback

    def ineligible(self, state: str, fallback: str) -> str:
        """Why no request can be opened for an order in *state*."""
        return self._table.get(f"ineligible.{state}", fallback)

    def refusal(self, sentence: str) -> str:
        """A refusal of the server (mock_site/validation.py's English sentence) in this
        language; a sentence it does not know stays as it is."""
        direct = self._table.get(f"refused.{sentence}")
        if direct is not None:
            return direct
        for prefix in ("Unsupported file format: ", "File too large: "):
            if sentence.startswith(prefix):
                name = sentence.removeprefix(prefix)
                return self._table[f"refused.{prefix}{{name}}"].format(name=name)
        return sentence

    def delivery(self, line: str) -> str:
        """The order's delivery line (``Delivered 5 days ago``) in this language."""
        for pattern, key in ((_DELIVERED, "delivered_ago"), (_SHIPPED, "shipped_ago")):
            found = pattern.match(line)
            if found:
                return self.text(key, days=found.group(1))
        return line

    def files(self, count: int) -> str:
        """``1 file`` / ``3 files``."""
        return self.text("files_one" if count == 1 else "files_many", n=count)


@cache
def wording(language: str) -> Wording:
    """The wording of *language* (one of `LANGUAGES`)."""
    return Wording(language)
