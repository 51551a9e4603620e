"""The support chat's part of a site profile: the optional ``[support_chat]`` table.

Everything `retry-dispute support` needs to know about one storefront's chat lives here, read from
TOML: where the chat page is, the Playwright selectors of its parts, how to recognise what the
operator asks (``[[support_chat.asks]]``), the case number and the inactivity notice, the message
and image limits, and the idle limit after which the chat drops a silent customer. A bad table is
refused with `InvalidConfig` naming the profile file and the dotted key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from agent.errors import InvalidConfig
from agent.site.patterns import BoundedPattern, PatternError, compile_pattern

__all__ = [
    "ASK_KINDS",
    "AskKind",
    "ChatAsk",
    "ChatProfile",
    "ChatSelectors",
    "IdleCounts",
    "parse_chat_profile",
]

#: What an operator's message can ask that the agent knows how to answer from the run folder;
#: ``none`` marks messages that ask nothing (a greeting, a thank-you, a goodbye).
AskKind = Literal[
    "order_number", "screenshots", "what_happened", "when", "attempts", "error_text", "none"
]
ASK_KINDS: tuple[AskKind, ...] = get_args(AskKind)
#: When the site counts a customer's silence: only while it is their turn, or all the time.
IdleCounts = Literal["turn", "always"]
_IDLE_COUNTS: tuple[IdleCounts, ...] = get_args(IdleCounts)

_HINT = "fix the [support_chat] table (see README, 'The support chat')"
_OPTIONAL_SELECTORS = frozenset(
    {"queue_position", "typing", "case_number", "error", "message_time"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatSelectors:
    """Playwright selectors of the chat page; an optional one is None when the site lacks it."""

    #: The button that starts (or restarts) a chat.
    start: str
    #: Shown while support is offline (its text says when it is open).
    offline: str
    #: Shown while the customer waits in the queue.
    queue: str
    #: Shown once the chat is over (closed by the operator, or dropped for inactivity).
    closed: str
    #: Every message of the conversation, in order.
    message: str
    #: Matches only the operator's messages among ``message``.
    operator_message: str
    #: A message's text, inside a message.
    message_text: str
    input: str
    #: The file input for images.
    attach: str
    send: str
    queue_position: str | None = None
    #: Shown while the operator is typing.
    typing: str | None = None
    #: The case number, once given.
    case_number: str | None = None
    #: A refusal of what was just sent (an image refused, the chat closed).
    error: str | None = None
    #: The time shown beside a message, inside a message (with the text, it recognises the
    #: messages already read when the chat page is rebuilt).
    message_time: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatAsk:
    """Operator messages containing one of ``match`` (any case) ask for ``kind``."""

    kind: AskKind
    match: tuple[str, ...]

    def matches(self, text: str) -> bool:
        """Whether ``text`` contains one of the phrases."""
        folded = text.casefold()
        return any(phrase.casefold() in folded for phrase in self.match)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatProfile:
    """One storefront's support chat."""

    #: The chat page's path on the site.
    path: str
    selectors: ChatSelectors
    #: What the operator asks, first match wins; a message matching none is a question for a person.
    asks: tuple[ChatAsk, ...]
    #: Finds the case number in an operator's message: a group named case_number (RE2: linear
    #: time on bounded text, like every pattern of a profile).
    case_number: BoundedPattern
    #: Phrases of the closed notice that mean the chat dropped the customer for inactivity.
    dropped: tuple[str, ...]
    #: Seconds of customer silence after which the site drops the chat.
    idle_s: float = 180.0
    idle_counts: IdleCounts = "turn"
    #: Send the holding message this many seconds before the idle limit.
    hold_margin_s: float = 30.0
    #: Give up waiting in the queue after this long.
    queue_timeout_s: float = 3600.0
    #: Stop a conversation that has not given a case number after this long.
    max_chat_s: float = 3600.0
    max_chars: int = 300
    max_images: int = 5
    max_image_bytes: int = 3 * 1024 * 1024

    def url(self, base_url: str) -> str:
        """The chat page's URL on the site at ``base_url``."""
        return base_url.rstrip("/") + self.path

    def ask_of(self, text: str) -> AskKind | None:
        """What an operator's message asks (the first matching ``asks`` entry), or None."""
        for ask in self.asks:
            if ask.matches(text):
                return ask.kind
        return None

    def find_case_number(self, text: str) -> str | None:
        """The case number an operator's message gives, or None."""
        found = self.case_number.search(text)
        return found.group("case_number") if found else None

    def is_dropped(self, notice: str) -> bool:
        """Whether the closed notice says the chat dropped the customer for inactivity."""
        folded = notice.casefold()
        return any(phrase.casefold() in folded for phrase in self.dropped)


def _fail(source: str, key: str, what: str) -> InvalidConfig:
    return InvalidConfig(
        f"profile {source}: support_chat.{key} {what}", key=f"support_chat.{key}", hint=_HINT
    )


def _known(table: Mapping[str, Any], allowed: frozenset[str], prefix: str, source: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(source, prefix + unknown[0], "is not a known key")


def _text(value: object, key: str, source: str) -> str:
    if not (isinstance(value, str) and value.strip()):
        raise _fail(source, key, "must be a non-empty string")
    return value


def _phrases(value: object, key: str, source: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not (isinstance(items, list) and items and all(isinstance(v, str) and v for v in items)):
        raise _fail(source, key, "must be a string or a non-empty list of strings")
    return tuple(items)


def _number(value: object, key: str, source: str, *, whole: bool = False) -> float:
    kinds = int if whole else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        what = "a whole number above 0" if whole else "a number of seconds above 0"
        raise _fail(source, key, f"must be {what}, not {value!r}")
    return value


def _selectors(table: object, source: str) -> ChatSelectors:
    if not isinstance(table, dict):
        raise _fail(source, "selectors", "must be a table ([support_chat.selectors])")
    names = frozenset(f.name for f in fields(ChatSelectors))
    _known(table, names, "selectors.", source)
    missing = sorted(names - _OPTIONAL_SELECTORS - set(table))
    if missing:
        raise _fail(source, f"selectors.{missing[0]}", "is missing")
    return ChatSelectors(
        **{name: _text(value, f"selectors.{name}", source) for name, value in table.items()}
    )


def _asks(items: object, source: str) -> tuple[ChatAsk, ...]:
    if not isinstance(items, list) or not items:
        raise _fail(source, "asks", "must be a non-empty array of tables ([[support_chat.asks]])")
    asks = []
    for i, item in enumerate(items, start=1):
        where = f"asks[{i}]"
        if not isinstance(item, dict):
            raise _fail(source, where, "must be a table")
        _known(item, frozenset({"kind", "match"}), f"{where}.", source)
        kind = item.get("kind")
        if kind not in ASK_KINDS:
            raise _fail(
                source, f"{where}.kind", f"must be one of {', '.join(ASK_KINDS)}, not {kind!r}"
            )
        asks.append(ChatAsk(kind=kind, match=_phrases(item.get("match"), f"{where}.match", source)))
    return tuple(asks)


def _case_pattern(value: object, source: str) -> BoundedPattern:
    raw = _text(value, "case_number", source)
    try:
        pattern = compile_pattern(raw)
    except PatternError as exc:
        raise _fail(
            source,
            "case_number",
            f"is not a valid regular expression the agent can run in linear time ({exc})",
        ) from None
    if "case_number" not in pattern.group_names:
        raise _fail(source, "case_number", "needs a group named case_number: (?P<case_number>...)")
    return pattern


_TIMES = ("idle_s", "hold_margin_s", "queue_timeout_s", "max_chat_s")
_COUNTS = ("max_chars", "max_images", "max_image_bytes")
_KEYS = frozenset(
    {"path", "selectors", "asks", "case_number", "dropped", "idle_counts", *_TIMES, *_COUNTS}
)


def parse_chat_profile(table: object, *, source: str) -> ChatProfile:
    """Build the ChatProfile of a ``[support_chat]`` table; `InvalidConfig` names the bad key."""
    if not isinstance(table, dict):
        raise InvalidConfig(
            f"profile {source}: [support_chat] must be a table", key="support_chat", hint=_HINT
        )
    _known(table, _KEYS, "", source)
    for key in ("path", "selectors", "asks", "case_number", "dropped"):
        if key not in table:
            raise _fail(source, key, "is missing")
    path = _text(table["path"], "path", source)
    if not path.startswith("/"):
        raise _fail(source, "path", f"must be a path starting with /, not {path!r}")
    idle_counts = table.get("idle_counts", "turn")
    if idle_counts not in _IDLE_COUNTS:
        raise _fail(
            source, "idle_counts", f"must be one of {', '.join(_IDLE_COUNTS)}, not {idle_counts!r}"
        )
    values: dict[str, Any] = {k: float(_number(table[k], k, source)) for k in _TIMES if k in table}
    values |= {k: int(_number(table[k], k, source, whole=True)) for k in _COUNTS if k in table}
    profile = ChatProfile(
        path=path,
        selectors=_selectors(table["selectors"], source),
        asks=_asks(table["asks"], source),
        case_number=_case_pattern(table["case_number"], source),
        dropped=_phrases(table["dropped"], "dropped", source),
        idle_counts=idle_counts,
        **values,
    )
    if profile.hold_margin_s >= profile.idle_s:
        raise _fail(
            source,
            "hold_margin_s",
            f"({profile.hold_margin_s:g}) must be below idle_s "
            f"({profile.idle_s:g}): the holding message goes this long before the limit",
        )
    return profile
