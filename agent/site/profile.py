"""Site profiles: everything specific to one storefront, loaded from TOML.

A profile names the storefront's URLs, the Playwright selectors of its pages, the texts it
shows (busy messages in every language, the success pattern, eligibility phrases), its evidence
limits and timeouts. Supporting another storefront means writing a profile, not code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from agent.errors import InvalidConfig
from agent.request import EvidenceRules
from agent.site.chat_profile import ChatProfile, parse_chat_profile

__all__ = ["Eligibility", "Selectors", "SiteProfile", "Texts", "Timeouts", "load_profile"]

_LIST_SELECTORS = frozenset({"busy"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Selectors:
    """Playwright selectors of the storefront's pages."""

    login_username: str
    login_password: str
    login_submit: str
    login_error: str
    order_status: str
    open_dispute: str
    ineligible: str
    existing_dispute: str
    popup_blocked: str
    popup_fallback: str
    form: str
    received_yes: str
    received_no: str
    reason: str
    solution_refund: str
    solution_return: str
    refund_full: str
    refund_partial: str
    amount: str
    message: str
    evidence: str
    submit: str
    form_error: str
    busy: tuple[str, ...]
    busy_dismiss: str
    result: str
    challenge: str
    overlay: str
    overlay_close: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Texts:
    """What the storefront says, as patterns."""

    success: re.Pattern[str]
    existing: re.Pattern[str]
    busy: tuple[str, ...]

    def is_busy(self, text: str) -> str | None:
        """Return the busy phrase found in ``text`` (any language), or None."""
        folded = text.casefold()
        for phrase in self.busy:
            if phrase.casefold() in folded:
                return phrase
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Eligibility:
    """One phrase of the order page that means no dispute can be opened."""

    match: str
    code: str
    explain: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """How long to wait for the site, in seconds."""

    navigation_s: float = 30.0
    answer_s: float = 30.0
    screenshot_s: float = 5.0
    popup_s: float = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteProfile:
    """One storefront: URLs, selectors, texts, evidence rules and timeouts."""

    name: str
    description: str
    base_url: str
    login_path: str
    order_path: str
    selectors: Selectors
    texts: Texts
    eligibility: tuple[Eligibility, ...]
    evidence: EvidenceRules
    timeouts: Timeouts
    source: str
    #: The support chat (``[support_chat]``), None when the profile describes none.
    support_chat: ChatProfile | None = None

    def order_url(self, order_id: str, *, base_url: str | None = None) -> str:
        """The URL of an order's page."""
        base = (base_url or self.base_url).rstrip("/")
        return base + self.order_path.format(order_id=order_id)

    def login_url(self, *, base_url: str | None = None) -> str:
        """The URL of the login page."""
        return (base_url or self.base_url).rstrip("/") + self.login_path

    def explain_ineligible(self, page_text: str) -> Eligibility | None:
        """Return the eligibility rule whose phrase the page shows, if any."""
        for rule in self.eligibility:
            if rule.match.casefold() in page_text.casefold():
                return rule
        return None


def _fail(source: str, what: str) -> InvalidConfig:
    return InvalidConfig(
        f"profile {source}: {what}",
        hint="fix the profile (see README, 'Site profiles') or use --profile mock",
    )


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _fail(source, f"[{key}] must be a table")
    return value


def _known_keys(table: dict[str, Any], allowed: set[str], where: str, source: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(source, f"unknown key {where}{unknown[0]!r}")


def _selectors(table: dict[str, Any], source: str) -> Selectors:
    names = {f.name for f in fields(Selectors)}
    _known_keys(table, names, "selectors.", source)
    missing = sorted(names - set(table))
    if missing:
        raise _fail(source, f"missing selector selectors.{missing[0]}")
    values: dict[str, Any] = {}
    for name in names:
        value = table[name]
        if name in _LIST_SELECTORS:
            value = [value] if isinstance(value, str) else value
            if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                raise _fail(source, f"selectors.{name} must be a string or a list of strings")
            value = tuple(value)
        elif not (isinstance(value, str) and value.strip()):
            raise _fail(source, f"selectors.{name} must be a non-empty string")
        values[name] = value
    return Selectors(**values)


def _pattern(table: dict[str, Any], key: str, source: str) -> re.Pattern[str]:
    raw = table.get(key)
    if not isinstance(raw, str):
        raise _fail(source, f"texts.{key} must be a regular expression string")
    try:
        pattern = re.compile(raw)
    except re.error as exc:
        raise _fail(source, f"texts.{key} is not a valid regular expression ({exc})") from exc
    if "dispute_id" not in pattern.groupindex:
        raise _fail(source, f"texts.{key} needs a group named dispute_id: (?P<dispute_id>...)")
    return pattern


def _texts(table: dict[str, Any], source: str) -> Texts:
    _known_keys(table, {"success", "existing", "busy"}, "texts.", source)
    busy = table.get("busy")
    if not (isinstance(busy, list) and busy and all(isinstance(b, str) and b for b in busy)):
        raise _fail(source, "texts.busy must be a non-empty list of strings")
    return Texts(
        success=_pattern(table, "success", source),
        existing=_pattern(table, "existing", source),
        busy=tuple(busy),
    )


def _eligibility(items: Any, source: str) -> tuple[Eligibility, ...]:
    if not isinstance(items, list):
        raise _fail(source, "[[eligibility]] must be an array of tables")
    rules = []
    for item in items:
        if not isinstance(item, dict):
            raise _fail(source, "[[eligibility]] entries must be tables")
        _known_keys(item, {"match", "code", "explain"}, "eligibility.", source)
        if not all(isinstance(item.get(k), str) and item[k] for k in ("match", "code", "explain")):
            raise _fail(source, "each [[eligibility]] needs match, code and explain strings")
        rules.append(Eligibility(match=item["match"], code=item["code"], explain=item["explain"]))
    return tuple(rules)


def _evidence(table: dict[str, Any], source: str) -> EvidenceRules:
    allowed = {f.name for f in fields(EvidenceRules)}
    _known_keys(table, allowed, "evidence.", source)
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    try:
        return EvidenceRules(**values)
    except InvalidConfig as exc:
        raise _fail(source, f"[evidence] {exc.what}") from exc
    except (TypeError, ValueError) as exc:
        raise _fail(source, f"[evidence] {exc}") from exc


def _timeouts(table: dict[str, Any], source: str) -> Timeouts:
    allowed = {f.name for f in fields(Timeouts)}
    _known_keys(table, allowed, "timeouts.", source)
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise _fail(source, f"timeouts.{key} must be a positive number of seconds")
    return Timeouts(**{k: float(v) for k, v in table.items()})


_TOP_KEYS = {
    "name",
    "description",
    "base_url",
    "urls",
    "selectors",
    "texts",
    "eligibility",
    "evidence",
    "timeouts",
    "support_chat",
}


def parse_profile(data: dict[str, Any], *, source: str) -> SiteProfile:
    """Build a SiteProfile from parsed TOML, refusing unknown or missing keys."""
    _known_keys(data, _TOP_KEYS, "", source)
    urls = _table(data, "urls", source)
    _known_keys(urls, {"login", "order"}, "urls.", source)
    order_path = urls.get("order", "")
    if not isinstance(order_path, str) or "{order_id}" not in order_path:
        raise _fail(source, "urls.order must be a path containing {order_id}")
    base_url = data.get("base_url", "")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise _fail(source, "base_url must be an http(s) URL")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(source, "name must be a non-empty string")
    return SiteProfile(
        name=name,
        description=str(data.get("description", "")),
        base_url=base_url,
        login_path=str(urls.get("login", "/login")),
        order_path=order_path,
        selectors=_selectors(_table(data, "selectors", source), source),
        texts=_texts(_table(data, "texts", source), source),
        eligibility=_eligibility(data.get("eligibility", []), source),
        evidence=_evidence(_table(data, "evidence", source), source),
        timeouts=_timeouts(_table(data, "timeouts", source), source),
        source=source,
        support_chat=(
            parse_chat_profile(data["support_chat"], source=source)
            if "support_chat" in data
            else None
        ),
    )


def load_profile(name_or_path: str | Path = "mock") -> SiteProfile:
    """Load a bundled profile by name (``mock``) or a profile TOML file by path."""
    text: str
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        source = str(candidate)
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError as exc:
            raise _fail(source, f"cannot be read ({exc.strerror or exc})") from exc
    else:
        source = f"{name_or_path} (bundled)"
        bundled = resources.files("agent") / "profiles" / f"{name_or_path}.toml"
        if not bundled.is_file():
            raise _fail(source, "no such bundled profile; bundled: mock")
        text = bundled.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, f"is not valid TOML ({exc})") from exc
    return parse_profile(data, source=source)
