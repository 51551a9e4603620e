"""Site profiles: load and check one from TOML, every key at load time.

A profile is refused at load, with one line naming the file and the key (exit 2), for an
unknown or missing key, a value of the wrong type, a timeout that is not a finite positive
number, a URL with a placeholder it may not hold (or a stray brace), a regular expression RE2
cannot run in linear time, or a step or field naming an element ``[elements]`` lacks. The
records are in `agent.site.profile_model`; README's "Site profiles" is the format's guide.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from agent.errors import InvalidConfig
from agent.request import EvidenceRules
from agent.request.model import ALL_REASONS
from agent.request.reasons import SiteReason, SiteReasons
from agent.site.answer_rules import parse_answer
from agent.site.chat_profile import parse_chat_profile
from agent.site.check_rules import parse_check_rules
from agent.site.flow_rules import Field, Step, parse_fields, parse_steps
from agent.site.follow_profile import parse_follow
from agent.site.profile_model import (
    DisputeRule,
    Element,
    Eligibility,
    FormRules,
    LoginRules,
    OrderPageRules,
    Overlay,
    PageGates,
    PinCookie,
    RetryRules,
    Scope,
    SiteProfile,
    Timeouts,
)
from agent.site.profile_schema import keys
from agent.site.toml_check import Checker
from agent.user_files import UnreadableFile, check_nesting, read_user_text

__all__ = [
    "DisputeRule",
    "Element",
    "Eligibility",
    "SiteProfile",
    "Timeouts",
    "bundled_profiles",
    "load_profile",
    "parse_profile",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COOKIE_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+")
_TOP_KEYS = keys("")
#: A ``{word}`` in a selector: ``{item}`` (and ``{order_id}``, the dispute's row) are placeholders.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_OLD_FORMAT = (
    "is in the old profile format ([selectors] and [texts]); the flow is data now: write "
    "[elements], [page], [login], [order_page], [dispute], [[open.steps]], [form] with "
    "[[form.fields]], [[submit.steps]], [retry], [answer] and [[reasons]] (README, 'Site "
    "profiles'; agent/profiles/mock.toml is a complete example)"
)


_ELEMENT_FORMS = (
    "must be a Playwright selector (a non-empty string), a list of alternative selectors, or "
    '{selector = "..." or [...], scope = "item", texts = [...]}'
)


def _selectors(chk: Checker, value: object, at: str) -> tuple[str, ...]:
    """One selector, or a non-empty list of alternatives (the preferred one first)."""
    items = [value] if isinstance(value, str) else value
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(v, str) and v.strip() for v in items)
    ):
        chk.fail(at, _ELEMENT_FORMS)
    if len(set(items)) != len(items):
        chk.fail(at, "lists the same selector twice")
    return tuple(items)


def _elements(chk: Checker, table: dict[str, Any]) -> dict[str, Element]:
    if not table:
        chk.fail("elements", 'is missing: name the page elements, e.g. submit = "#submit"')
    out: dict[str, Element] = {}
    for name, value in table.items():
        at = f"elements.{name}"
        if not _NAME.fullmatch(name):
            chk.fail(at, "must be a name of letters, digits and _")
        texts: tuple[str, ...] = ()
        frame: tuple[str, ...] = ()
        if isinstance(value, dict):
            chk.known(value, keys("elements.*"), at)
            if "selector" not in value:
                chk.fail(f"{at}.selector", "is missing")
            selectors = _selectors(chk, value["selector"], f"{at}.selector")
            scope = chk.choice(value, "scope", at, ("page", "item", "form_item"), default="page")
            texts = chk.strings(value, "texts", at)
            frame = _frame(chk, value, at)
        else:
            selectors, scope = _selectors(chk, value, at), "page"
        for word in (w for selector in selectors for w in _PLACEHOLDER.findall(selector)):
            if word not in ("item", "order_id"):
                chk.fail(
                    at, f"has an unknown placeholder {{{word}}} (they are {{item}}, {{order_id}})"
                )
        out[name] = Element(
            name=name,
            selectors=selectors,
            scope=cast("Scope", scope),
            texts=texts,
            frame=frame,
            frame_entry=f"{at}.frame" if frame else None,
        )
    return out


def _frame(chk: Checker, data: dict[str, Any], where: str) -> tuple[str, ...]:
    """A ``frame`` key: the iframe's selector, or a list of them from the outer one in."""
    if "frame" not in data:
        return ()
    frames = chk.strings(data, "frame", where)
    if not frames:
        chk.fail(f"{where}.frame", "must be the iframe's selector (or a list, outer first)")
    return frames


def _form_elements(ready: str, fields: tuple[Field, ...], submit: tuple[Step, ...]) -> set[str]:
    """The elements of the form: its ready element, its fields' and the submit steps'."""
    names = {ready, *(n for f in fields for n in f.elements())}
    for step in submit:
        names.add(step.element)
    return names


def _outside_elements(profile: SiteProfile) -> dict[str, str]:
    """Elements used outside the form, and one place each is used."""
    used: dict[str, str] = {}
    gates = profile.page
    for key in ("challenge", "login", "signed_in"):
        name = getattr(gates, key)
        if name:
            used.setdefault(name, f"page.{key}")
    for n, overlay in enumerate(gates.overlays, 1):
        used.setdefault(overlay.element, f"page.overlays[{n}]")
        used.setdefault(overlay.close, f"page.overlays[{n}]")
    for step in (*profile.login.steps, *profile.open_steps):
        used.setdefault(step.element, step.where)
    order = profile.order_page
    for key in ("ready", "not_eligible", "items"):
        name = getattr(order, key)
        if name:
            used.setdefault(name, f"order_page.{key}")
    used.setdefault(profile.dispute.element, "dispute.element")
    return used


def _element_ref(
    chk: Checker,
    data: dict[str, Any],
    key: str,
    where: str,
    elements: dict[str, Element],
    *,
    required: bool,
) -> str | None:
    name = chk.string(data, key, where, required=required)
    if name is not None and name not in elements:
        chk.fail(f"{where}.{key}", f"names no element: add {name!r} to [elements]")
    return name


def _page(chk: Checker, data: dict[str, Any], elements: dict[str, Element]) -> PageGates:
    chk.known(data, keys("page"), "page")
    overlays = []
    for n, item in enumerate(chk.tables(data, "overlays", "page"), 1):
        at = f"page.overlays[{n}]"
        chk.known(item, keys("page.overlays"), at)
        element = _element_ref(chk, item, "element", at, elements, required=True)
        close = _element_ref(chk, item, "close", at, elements, required=True)
        assert element is not None and close is not None
        overlays.append(Overlay(element=element, close=close))
    dialogs = chk.choice(data, "dialogs", "page", ("accept", "dismiss"), default="accept")
    return PageGates(
        challenge=_element_ref(chk, data, "challenge", "page", elements, required=False),
        login=_element_ref(chk, data, "login", "page", elements, required=False),
        signed_in=_element_ref(chk, data, "signed_in", "page", elements, required=False),
        overlays=tuple(overlays),
        dialogs="dismiss" if dialogs == "dismiss" else "accept",
    )


def _dispute(chk: Checker, data: dict[str, Any], elements: dict[str, Element]) -> DisputeRule:
    chk.known(data, keys("dispute"), "dispute")
    element = _element_ref(chk, data, "element", "dispute", elements, required=True)
    assert element is not None
    page = chk.string(data, "page", "dispute", required=False)
    if page is not None:
        try:
            page.format(order_id="1", item="1")
        except (KeyError, IndexError, ValueError):
            chk.fail(
                "dispute.page",
                "must be a path whose only placeholders are {order_id} and {item}, "
                'e.g. "/returns?order={order_id}"',
            )
    if "shows_within_s" not in data:
        chk.fail(
            "dispute.shows_within_s",
            "is missing: say how long a new dispute may take to "
            "show on the order page (0 if it shows at once)",
        )
    return DisputeRule(
        element=element,
        attribute=chk.string(data, "attribute", "dispute", required=False),
        pattern=chk.pattern(data.get("pattern"), "dispute.pattern"),
        shows_within_s=chk.seconds(data, "shows_within_s", "dispute", default=0.0, allow_zero=True),
        page=page,
    )


def _eligibility(chk: Checker, items: list[dict[str, Any]]) -> tuple[Eligibility, ...]:
    rules = []
    for n, item in enumerate(items, 1):
        at = f"eligibility[{n}]"
        chk.known(item, keys("eligibility"), at)
        if "match" not in item:
            chk.fail(f"{at}.match", "is missing")
        rules.append(
            Eligibility(
                matches=chk.strings(item, "match", at),
                code=chk.text(item, "code", at),
                explain=chk.text(item, "explain", at),
            )
        )
    return tuple(rules)


def _reasons(chk: Checker, items: list[dict[str, Any]]) -> SiteReasons:
    if not items:
        chk.fail(
            "reasons",
            "is missing: list the site's reasons as [[reasons]] tables "
            "(label, received, and our code when there is one)",
        )
    seen: set[str] = set()
    reasons = []
    for n, item in enumerate(items, 1):
        at = f"reasons[{n}]"
        chk.known(item, keys("reasons"), at)
        code = chk.string(item, "code", at, required=False)
        if code is not None and code not in ALL_REASONS:
            chk.fail(
                f"{at}.code",
                f"{code!r} is not one of our codes ({', '.join(ALL_REASONS)}); "
                "leave code out for a reason we have no code for",
            )
        if "received" not in item or not isinstance(item["received"], bool):
            chk.fail(f"{at}.received", "must be true (for items received) or false")
        if "label" not in item:
            chk.fail(f"{at}.label", "is missing")
        labels = chk.strings(item, "label", at)
        for name in (code, *labels):
            if name is not None and name.casefold() in seen:
                chk.fail(at, f"{name!r} is given twice in [[reasons]]")
            if name is not None:
                seen.add(name.casefold())
        reasons.append(
            SiteReason(
                label=labels[0],
                translations=labels[1:],
                received=item["received"],
                code=code,
                value=chk.string(item, "value", at, required=False),
            )
        )
    return SiteReasons(tuple(reasons))


def _evidence(chk: Checker, table: dict[str, Any]) -> EvidenceRules:
    chk.known(table, keys("evidence"), "evidence")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    # what has no reason is not asked for: a store without video needs no video rules, one
    # that takes no files requires none
    if values.get("video_formats") == ():
        values.setdefault("video_required_reasons", ())
        values.setdefault("max_video_bytes", 0)
    if values.get("max_files") == 0:
        values.setdefault("photos_required_when_received", False)
        values.setdefault("video_required_reasons", ())
    try:
        return EvidenceRules(**values)
    except InvalidConfig as exc:
        chk.fail("evidence", exc.what)
    except (TypeError, ValueError) as exc:
        chk.fail("evidence", str(exc))


def _pin(chk: Checker, table: dict[str, Any]) -> tuple[PinCookie, ...]:
    """``[pin]``: cookies set in the browser context before the first page."""
    chk.known(table, ("cookies",), "pin")
    cookies = []
    for n, item in enumerate(chk.tables(table, "cookies", "pin"), 1):
        at = f"pin.cookies[{n}]"
        chk.known(item, ("name", "value", "path"), at)
        name = chk.text(item, "name", at)
        if not _COOKIE_NAME.fullmatch(name):
            chk.fail(f"{at}.name", "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)")
        value = item.get("value")
        if not isinstance(value, str) or any(c in value for c in ';\r\n"') or "\\" in value:
            chk.fail(f"{at}.value", 'must be a string without ; " \\ or line breaks')
        path = chk.string(item, "path", at, required=False, default="/")
        assert path is not None
        if not path.startswith("/"):
            chk.fail(f"{at}.path", "must start with /")
        cookies.append(PinCookie(name=name, value=value, path=path))
    return tuple(cookies)


def _timeouts(chk: Checker, table: dict[str, Any]) -> Timeouts:
    names = keys("timeouts")
    chk.known(table, names, "timeouts")
    defaults = Timeouts()
    return Timeouts(
        **{
            name: chk.seconds(table, name, "timeouts", default=getattr(defaults, name))
            for name in names
        }
    )


def _urls(chk: Checker, data: dict[str, Any]) -> tuple[str, str, str, str | None]:
    base_url = data.get("base_url", "")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        chk.fail("base_url", "must be an http(s) URL")
    chk.placeholders(base_url, "base_url", ())
    urls = chk.table(data, "urls", "", required=True)
    chk.known(urls, keys("urls"), "urls")
    order = chk.text(urls, "order", "urls")
    if not order.startswith("/"):
        chk.fail("urls.order", "must be a path from the site's root, e.g. /order/{order_id}")
    chk.placeholders(order, "urls.order", ("order_id",), required=("order_id",))
    login = chk.string(urls, "login", "urls", required=False, default="/login")
    assert login is not None
    if not login.startswith(("/", "http://", "https://")):
        chk.fail("urls.login", "must be a path from the site's root or an http(s) URL")
    chk.placeholders(login, "urls.login", ())
    orders = chk.string(urls, "orders", "urls", required=False)
    if orders is not None:
        if not orders.startswith(("/", "http://", "https://")):
            chk.fail("urls.orders", "must be a path from the site's root or an http(s) URL")
        chk.placeholders(orders, "urls.orders", ())
    return base_url, login, order, orders


def _check_flow(chk: Checker, profile: SiteProfile) -> None:
    """Cross-checks: what a field needs from the reasons; where a retry starts."""
    for f in profile.form.fields:
        if f.value == "reason" and f.kind == "select" and f.by == "value":
            missing = [r.label for r in profile.reasons.reasons if r.value is None]
            if missing:
                chk.fail(f"{f.where}.by", f'is "value" but reason {missing[0]!r} has no value')
    names = [s.name for s in profile.submit_steps]
    if profile.retry.from_step is not None and profile.retry.from_step not in names:
        chk.fail("retry.from", f"names no submit step (they are: {', '.join(names)})")
    for scope, key in (("item", "order_page.item_line"), ("form_item", "form.item_row")):
        given = profile.order_page.item_line if scope == "item" else profile.form.item_row
        scoped = [e.name for e in profile.elements.values() if e.scope == scope]
        if scoped and given is None:
            chk.fail(f"elements.{scoped[0]}", f'has scope = "{scope}" but {key} is not given')
    for f in profile.form.fields:
        if f.kind == "items" and f.element is not None:
            element = profile.elements[f.element]
            if not (element.uses_item or element.scope == "form_item"):
                chk.fail(
                    f"{f.where}.element",
                    f"elements.{f.element} must find the requested item's box: put {{item}} in "
                    'its selector or give it scope = "form_item"',
                )


def parse_profile(data: dict[str, Any], *, source: str) -> SiteProfile:
    """Build a SiteProfile from parsed TOML, refusing anything unknown, missing or wrong."""
    chk = Checker(source)
    if "selectors" in data or "texts" in data:
        chk.fail("", _OLD_FORMAT)
    chk.known(data, _TOP_KEYS, "")
    name = chk.text(data, "name", "")
    base_url, login_path, order_path, orders_path = _urls(chk, data)
    elements = _elements(chk, chk.table(data, "elements", "", required=True))
    names = tuple(elements)
    login = chk.table(data, "login", "")
    chk.known(login, keys("login"), "login")
    order_page = chk.table(data, "order_page", "", required=True)
    chk.known(order_page, keys("order_page"), "order_page")
    item_line = chk.string(order_page, "item_line", "order_page", required=False)
    if item_line is not None:
        chk.placeholders(item_line, "order_page.item_line", ("item",), required=("item",))
    items = _element_ref(chk, order_page, "items", "order_page", elements, required=False)
    item_id = chk.string(order_page, "item_id", "order_page", required=items is not None)
    if item_id is not None and items is None:
        chk.fail("order_page.item_id", "goes with order_page.items (every item's line)")
    open_ = chk.table(data, "open", "", required=True)
    chk.known(open_, keys("open"), "open")
    form = chk.table(data, "form", "", required=True)
    chk.known(form, keys("form"), "form")
    item_row = chk.string(form, "item_row", "form", required=False)
    if item_row is not None:
        chk.placeholders(item_row, "form.item_row", ("item",), required=("item",))
    submit = chk.table(data, "submit", "", required=True)
    chk.known(submit, keys("submit"), "submit")
    retry = chk.table(data, "retry", "")
    chk.known(retry, keys("retry"), "retry")
    open_steps = parse_steps(chk, chk.tables(open_, "steps", "open"), "open.steps", names)
    submit_steps = parse_steps(chk, chk.tables(submit, "steps", "submit"), "submit.steps", names)
    for section, steps in (("open", open_steps), ("submit", submit_steps)):
        if not steps:
            chk.fail(f"{section}.steps", f"is missing: add [[{section}.steps]] tables")
    support = data.get("support_chat")
    description = data.get("description", "")
    if not isinstance(description, str):
        chk.fail("description", "must be a string")
    ready = _element_ref(chk, order_page, "ready", "order_page", elements, required=True)
    form_ready = _element_ref(chk, form, "ready", "form", elements, required=True)
    assert ready is not None and form_ready is not None
    form_fields = parse_fields(chk, chk.tables(form, "fields", "form"), "form.fields", names)
    form_frame = _frame(chk, form, "form")
    if form_frame:  # the form's elements without a frame of their own are in the form's
        for element_name in _form_elements(form_ready, form_fields, submit_steps):
            element = elements[element_name]
            if not element.frame:
                elements[element_name] = replace(
                    element, frame=form_frame, frame_entry="form.frame"
                )
    profile = SiteProfile(
        name=name,
        description=description,
        base_url=base_url,
        login_path=login_path,
        order_path=order_path,
        orders_path=orders_path,
        elements=MappingProxyType(elements),
        page=_page(chk, chk.table(data, "page", ""), elements),
        login=LoginRules(
            steps=parse_steps(
                chk, chk.tables(login, "steps", "login"), "login.steps", names, login=True
            ),
            error=_element_ref(chk, login, "error", "login", elements, required=False),
        ),
        order_page=OrderPageRules(
            ready=ready,
            not_eligible=_element_ref(
                chk, order_page, "not_eligible", "order_page", elements, required=False
            ),
            item_line=item_line,
            items=items,
            item_id=item_id,
        ),
        dispute=_dispute(chk, chk.table(data, "dispute", "", required=True), elements),
        eligibility=_eligibility(chk, chk.tables(data, "eligibility", "")),
        open_steps=open_steps,
        form=FormRules(ready=form_ready, fields=form_fields, frame=form_frame, item_row=item_row),
        submit_steps=submit_steps,
        retry=RetryRules(
            steps=parse_steps(chk, chk.tables(retry, "steps", "retry"), "retry.steps", names),
            kept=_element_ref(chk, retry, "kept", "retry", elements, required=False),
            from_step=chk.string(retry, "from", "retry", required=False),
        ),
        answer=parse_answer(chk, chk.table(data, "answer", "", required=True), names),
        reasons=_reasons(chk, chk.tables(data, "reasons", "")),
        evidence=_evidence(chk, chk.table(data, "evidence", "")),
        timeouts=_timeouts(chk, chk.table(data, "timeouts", "")),
        source=source,
        support_chat=(parse_chat_profile(support, source=source) if support is not None else None),
        check=parse_check_rules(chk, chk.table(data, "check", "")),
        follow=(
            parse_follow(data["follow"], source=source, elements=names)
            if "follow" in data
            else None
        ),
        pin_cookies=_pin(chk, chk.table(data, "pin", "")),
    )
    _check_flow(chk, profile)
    if form_frame:
        outside = _outside_elements(profile)
        for element_name in _form_elements(form_ready, form_fields, submit_steps):
            if element_name in outside and elements[element_name].frame_entry == "form.frame":
                chk.fail(
                    f"elements.{element_name}",
                    f"is in the form's frame (form.frame) but {outside[element_name]} uses it "
                    "outside the form: give it a frame of its own, or use another element there",
                )
    return profile


def bundled_profiles() -> tuple[str, ...]:
    """The names of the profiles shipped in agent/profiles/."""
    folder = resources.files("agent") / "profiles"
    return tuple(
        sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))
    )


def _read(name_or_path: str | Path) -> tuple[str, str]:
    """The profile's text and its name for messages (the file, or ``NAME (bundled)``)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        source = str(candidate)
        try:  # a regular UTF-8 file of at most 1 MiB, not nested too deep (agent.user_files)
            text = read_user_text(candidate)
            check_nesting(text, syntax="toml")
        except UnreadableFile as exc:
            raise InvalidConfig(f"profile {source}: {exc.what}", hint=exc.hint) from None
        return text, source
    source = f"{name_or_path} (bundled)"
    bundled = resources.files("agent") / "profiles" / f"{name_or_path}.toml"
    if not _NAME.fullmatch(str(name_or_path)) or not bundled.is_file():
        close = difflib.get_close_matches(str(name_or_path), bundled_profiles(), n=1, cutoff=0.6)
        raise InvalidConfig(
            f"profile {source}: no such bundled profile (bundled: {', '.join(bundled_profiles())})",
            hint=(
                f"did you mean --profile {close[0]}? Or give a profile TOML file's path"
                if close
                else "give one of them, or a profile TOML file's path"
            ),
        )
    return bundled.read_text(encoding="utf-8"), source


def load_profile(name_or_path: str | Path = "mock") -> SiteProfile:
    """Load a bundled profile by name (``mock``, ``aliexpress``) or a profile TOML file by path."""
    text, source = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(
            f"profile {source}: is not valid TOML ({exc})", hint="fix the syntax"
        ) from None
    except RecursionError:
        raise InvalidConfig(
            f"profile {source}: is nested too deeply to read", hint="fix the file"
        ) from None
    return parse_profile(data, source=source)
