"""After the dispute opens: the profile's optional ``[follow]`` table, and its pure reads.

What `retry-dispute follow` needs to know about one storefront's request page, as data:

- how to reach it: ``url`` (a path with ``{request_id}``), and/or ``[[follow.open_steps]]``
  from the order page (whose ``[dispute]`` gives the request's id);
- ``ready`` (the page is there) and ``state`` (the elements whose texts say the state), with
  ``[[follow.states]]`` mapping the site's phrases, in every language it speaks, to our state
  codes (`agent.follow.states.RequestState`), first match wins;
- ``deadline`` (an ISO 8601 instant in an attribute, or a countdown read with a pattern whose
  groups are ``days``, ``hours``, ``minutes``, ``seconds``), ``proposal`` and ``requested``
  (amounts, a pattern with a group ``amount``), ``store_says`` (the store's words) and
  ``responses`` (each of the shopper's answers on the record);
- ``[follow.respond]``: how to disagree. Its ``[[steps]]`` open the answer's form,
  ``[form]`` / ``[[form.fields]]`` fill it (a ``text`` field for the message, a ``files`` field
  for the evidence), ``[[submit.steps]]`` send it, ``[retry]`` says where a resubmission starts,
  and ``[answer]`` reads the site's answer in the very format of the dispute's ``[answer]``
  (`agent.site.answer_rules`; its ``opened`` means "the answer was recorded").

A bad table is refused at load with one line naming the file and the ``follow.…`` key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from agent.follow.states import RequestState
from agent.site.answer_rules import AnswerRules, parse_answer
from agent.site.flow_rules import Field, Step, parse_fields, parse_steps
from agent.site.patterns import BoundedPattern
from agent.site.toml_check import Checker

__all__ = [
    "AmountRule",
    "DeadlineRule",
    "FollowRules",
    "RespondRules",
    "StatePhrase",
    "parse_follow",
]

_KEYS = (
    "url",
    "open_steps",
    "ready",
    "state",
    "states",
    "deadline",
    "proposal",
    "requested",
    "store_says",
    "responses",
    "shows_within_s",
    "respond",
)
_RESPOND_KEYS = ("steps", "form", "submit", "retry", "answer")
_COUNTDOWN_GROUPS = ("days", "hours", "minutes", "seconds")
_DEFAULT_AMOUNT = r"(?P<amount>\d+(?:[.,]\d{1,2})?)"


class _FollowChecker(Checker):
    """A Checker whose keys are under ``follow.`` (the dispute's parsers name their own keys)."""

    def __init__(self, source: str, prefix: str) -> None:
        super().__init__(source)
        self.prefix = prefix

    def fail(self, key: str, what: str) -> NoReturn:
        super().fail(f"{self.prefix}.{key}" if key else self.prefix, what)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatePhrase:
    """The site's phrases (any language, any case) that mean one of our states."""

    code: RequestState
    match: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRule:
    """Where the deadline is: an instant in an attribute, or a countdown in the text."""

    element: str
    attribute: str | None = None
    #: A countdown: groups days, hours, minutes, seconds (any may be absent).
    pattern: BoundedPattern | None = None

    def parse(self, value: str, *, now: datetime) -> datetime | None:
        """The deadline read from *value* (the attribute's or the text), or None."""
        value = " ".join(value.split())
        if self.pattern is None:
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return None
            return when if when.tzinfo is not None else None
        found = self.pattern.search(value)
        if found is None:
            return None
        parts = {
            name: int(found.group(name) or 0)
            for name in _COUNTDOWN_GROUPS
            if name in self.pattern.group_names
        }
        return now + timedelta(**parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class AmountRule:
    """An amount on the page: an element, and a pattern whose group ``amount`` is the number."""

    element: str
    pattern: BoundedPattern

    def parse(self, text: str) -> Decimal | None:
        """The amount in *text* (a decimal comma accepted), or None."""
        found = self.pattern.search(" ".join(text.split()))
        if found is None:
            return None
        try:
            return Decimal((found.group("amount") or "").replace(",", "."))
        except InvalidOperation:
            return None


@dataclass(frozen=True, slots=True, kw_only=True)
class RespondRules:
    """How to disagree with the store: open the answer's form, fill it, send it, read the answer."""

    steps: tuple[Step, ...]
    ready: str
    fields: tuple[Field, ...]
    submit_steps: tuple[Step, ...]
    retry_steps: tuple[Step, ...] = ()
    #: Visible when the form still holds everything entered: resubmit from `retry_from`.
    retry_kept: str | None = None
    retry_from: str | None = None
    answer: AnswerRules


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowRules:
    """The whole ``[follow]`` table."""

    #: The request's page, a path with {request_id}; None: only through `open_steps`.
    url: str | None
    open_steps: tuple[Step, ...]
    ready: str
    state: tuple[str, ...]
    states: tuple[StatePhrase, ...]
    deadline: DeadlineRule | None = None
    proposal: AmountRule | None = None
    requested: AmountRule | None = None
    store_says: str | None = None
    responses: str | None = None
    #: How long an answer of the shopper may take to show on the request's page.
    shows_within_s: float = 0.0
    respond: RespondRules | None = None

    def request_url(self, base_url: str, request_id: str) -> str | None:
        """The URL of a request's page, when the profile gives one."""
        if self.url is None:
            return None
        return base_url.rstrip("/") + self.url.replace("{request_id}", request_id)

    def state_of(self, text: str) -> RequestState | None:
        """Our state for the page's text: the first ``[[follow.states]]`` phrase found."""
        folded = " ".join(text.split()).casefold()
        for phrase in self.states:
            if any(" ".join(m.split()).casefold() in folded for m in phrase.match):
                return phrase.code
        return None

    def elements(self) -> tuple[str, ...]:
        """Every element the reading uses (for `retry-dispute check`)."""
        names = [
            self.ready,
            *self.state,
            self.deadline.element if self.deadline else None,
            self.proposal.element if self.proposal else None,
            self.requested.element if self.requested else None,
            self.store_says,
            self.responses,
        ]
        return tuple(dict.fromkeys(n for n in names if n))


def _element(chk: Checker, value: object, key: str, elements: Collection[str]) -> str:
    if not isinstance(value, str) or not value:
        chk.fail(key, "must name an element of [elements]")
    if value not in elements:
        chk.fail(key, f"names no element: add {value!r} to [elements]")
    return value


def _optional(
    chk: Checker, data: Mapping[str, Any], key: str, elements: Collection[str]
) -> str | None:
    return _element(chk, data[key], key, elements) if key in data else None


def _amount(
    chk: Checker, data: Mapping[str, Any], key: str, elements: Collection[str]
) -> AmountRule | None:
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, str):
        value = {"element": value}
    if not isinstance(value, dict):
        chk.fail(key, '= {element = "...", pattern = "...(?P<amount>...)"} or an element name')
    chk.known(value, ("element", "pattern"), key)
    return AmountRule(
        element=_element(chk, value.get("element"), f"{key}.element", elements),
        pattern=chk.pattern(
            value.get("pattern", _DEFAULT_AMOUNT), f"{key}.pattern", groups=("amount",)
        ),
    )


def _deadline(
    chk: Checker, data: Mapping[str, Any], elements: Collection[str]
) -> DeadlineRule | None:
    if "deadline" not in data:
        return None
    value = data["deadline"]
    if not isinstance(value, dict):
        chk.fail(
            "deadline",
            'must be {element = "...", attribute = "datetime"} (an ISO 8601 instant) or '
            '{element = "...", pattern = "(?P<days>\\d+) days (?P<hours>\\d+):..."} (a countdown)',
        )
    chk.known(value, ("element", "attribute", "pattern"), "deadline")
    element = _element(chk, value.get("element"), "deadline.element", elements)
    if ("attribute" in value) == ("pattern" in value):
        chk.fail("deadline", "needs attribute (an ISO 8601 instant) or pattern (a countdown)")
    pattern = None
    if "pattern" in value:
        pattern = chk.pattern(value["pattern"], "deadline.pattern")
        if not set(_COUNTDOWN_GROUPS) & set(pattern.group_names):
            chk.fail("deadline.pattern", "needs a group named days, hours, minutes or seconds")
    attribute = chk.string(value, "attribute", "deadline", required=False)
    return DeadlineRule(element=element, attribute=attribute, pattern=pattern)


def _states(chk: Checker, items: list[dict[str, Any]]) -> tuple[StatePhrase, ...]:
    if not items:
        chk.fail("states", "is missing: map the site's phrases to our state codes")
    codes = ", ".join(s.value for s in RequestState)
    phrases = []
    for n, item in enumerate(items, 1):
        at = f"states[{n}]"
        chk.known(item, ("code", "match"), at)
        code = item.get("code")
        if code not in {s.value for s in RequestState}:
            chk.fail(f"{at}.code", f"must be one of our state codes: {codes}")
        match = chk.strings(item, "match", at)
        if not match:
            chk.fail(f"{at}.match", "is missing: the site's phrases for this state")
        phrases.append(StatePhrase(code=RequestState(code), match=match))
    return tuple(phrases)


def _respond(chk: Checker, data: dict[str, Any], elements: Collection[str]) -> RespondRules:
    names = tuple(elements)
    # steps and fields are parsed with their whole key (they name it in check's table)
    plain = Checker(chk.source)
    at = "follow.respond"
    chk.known(data, _RESPOND_KEYS, "")
    form = chk.table(data, "form", "", required=True)
    chk.known(form, ("ready", "fields"), "form")
    fields = parse_fields(plain, chk.tables(form, "fields", "form"), f"{at}.form.fields", names)
    if not any(f.value == "message" for f in fields):
        chk.fail("form.fields", "needs a text field for the message")
    submit = chk.table(data, "submit", "", required=True)
    chk.known(submit, ("steps",), "submit")
    submit_steps = parse_steps(
        plain, chk.tables(submit, "steps", "submit"), f"{at}.submit.steps", names
    )
    if not submit_steps:
        chk.fail("submit.steps", "is missing: add [[follow.respond.submit.steps]] tables")
    retry = chk.table(data, "retry", "")
    chk.known(retry, ("steps", "kept", "from"), "retry")
    start = chk.string(retry, "from", "retry", required=False)
    if start is not None and start not in [s.name for s in submit_steps]:
        chk.fail("retry.from", "names no submit step")
    return RespondRules(
        steps=parse_steps(plain, chk.tables(data, "steps", ""), f"{at}.steps", names),
        ready=_element(chk, form.get("ready"), "form.ready", elements),
        fields=fields,
        submit_steps=submit_steps,
        retry_steps=parse_steps(
            plain, chk.tables(retry, "steps", "retry"), f"{at}.retry.steps", names
        ),
        retry_kept=_optional(chk, retry, "kept", elements),
        retry_from=start,
        answer=parse_answer(
            _FollowChecker(chk.source, "follow.respond"),
            chk.table(data, "answer", "", required=True),
            names,
        ),
    )


def parse_follow(data: object, *, source: str, elements: Collection[str]) -> FollowRules:
    """The ``[follow]`` table of profile *source* (*elements*: the names in ``[elements]``)."""
    chk = _FollowChecker(source, "follow")
    if not isinstance(data, dict):
        chk.fail("", "must be a table")
    chk.known(data, _KEYS, "")
    url = chk.string(data, "url", "", required=False)
    if url is not None:
        if not url.startswith("/"):
            chk.fail("url", "must be a path from the site's root, e.g. /dispute/{request_id}")
        chk.placeholders(url, "url", ("request_id",), required=("request_id",))
    names = tuple(elements)
    open_steps = parse_steps(
        Checker(source), chk.tables(data, "open_steps", ""), "follow.open_steps", names
    )
    if url is None and not open_steps:
        chk.fail("", "says no way to the request's page: give url or [[follow.open_steps]]")
    state = chk.strings(data, "state", "")
    if not state:
        chk.fail("state", "is missing: the elements whose texts say the request's state")
    for n, name in enumerate(state, 1):
        _element(chk, name, f"state[{n}]", elements)
    respond = data.get("respond")
    if respond is not None and not isinstance(respond, dict):
        chk.fail("respond", "must be a table")
    return FollowRules(
        url=url,
        open_steps=open_steps,
        ready=_element(chk, data.get("ready"), "ready", elements),
        state=state,
        states=_states(chk, chk.tables(data, "states", "")),
        deadline=_deadline(chk, data, elements),
        proposal=_amount(chk, data, "proposal", elements),
        requested=_amount(chk, data, "requested", elements),
        store_says=_optional(chk, data, "store_says", elements),
        responses=_optional(chk, data, "responses", elements),
        shows_within_s=chk.seconds(data, "shows_within_s", "", default=0.0, allow_zero=True),
        respond=(
            _respond(_FollowChecker(source, "follow.respond"), respond, elements)
            if respond is not None
            else None
        ),
    )
