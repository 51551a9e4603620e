"""The fault plan: what goes wrong on the storefront, and the decisions for one submission.

A :class:`FaultPlan` is parsed and validated from a plain mapping (JSON from the control API or a
TOML/JSON file given to ``python -m mock_site --faults``). A :class:`FaultEngine` holds one plan,
its counters and a ``random.Random(plan.seed)``, and answers the questions the storefront asks
while it judges a submission, in the order documented in docs/storefront.md.

The ``chat_*`` keys shape the support chat (mock_site/chat.py): its queue, operator delay,
inactivity drop, opening hours and the script's free question; they are only parsed here.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mock_site.fault_skins import SKIN_DEFAULTS, refusal
from mock_site.faults_realsite import REALSITE_KEYS, check_realsite_key
from mock_site.lifecycle import StoreAnswer, parse_store_answer
from mock_site.skins import DEFAULT_SKIN, Skin

__all__ = [
    "BUSY_TEXTS",
    "HOSTILE_ESCAPES",
    "MARKETPLACE_LATENCY",
    "FaultEngine",
    "FaultPlan",
    "Latency",
    "check_plan_for_skin",
    "default_plan",
    "load_fault_file",
    "parse_fault_plan",
]

BusyStyle = Literal["banner", "toast", "modal"]
Language = Literal["en", "fr", "ru", "es", "pt", "zh"]
Overlay = Literal["never", "once", "always"]
RetryAfterFormat = Literal["seconds", "date"]
BusyFormat = Literal["gateway", "text"]
PreAnswer = Literal["server_error", "busy"]
PostAnswer = Literal["server_error", "busy_after_commit"]
ChatIdleMode = Literal["turn", "always"]

BUSY_TEXTS: Mapping[str, str] = {
    "en": "System busy, please try again later",
    "fr": "Système occupé, veuillez réessayer plus tard",
    "ru": "Система занята, попробуйте позже",
    "es": "Sistema ocupado, inténtelo de nuevo más tarde",
    "pt": "Sistema ocupado, tente novamente mais tarde",
    "zh": "系统繁忙，请稍后再试",  # noqa: RUF001  # the real text has a fullwidth comma
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Latency:
    """How long the site takes: each delay drawn between two bounds, in seconds.

    ``page_s`` holds every page (a GET of an HTML page), ``submit_s`` every dispute submission's
    answer (after it was judged: a dispute is created before the wait). Each delay is drawn
    from a triangular distribution between the bounds with its peak a quarter of the way up
    (most answers quick, a tail of slow ones, as a real marketplace), from a random source
    seeded with the plan's ``seed`` and used for nothing else.
    """

    page_s: tuple[float, float] = (0.0, 0.0)
    submit_s: tuple[float, float] = (0.0, 0.0)


#: What the ``escape_sequences`` fault appends to a busy answer: a window title set, the screen
#: cleared, the cursor homed, a bell and a right-to-left override (a terminal printing it as it
#: is would obey each).
HOSTILE_ESCAPES = " \x1b]0;owned\x07\x1b[2J\x1b[H\u202eevil"

#: ``latency = "marketplace"``: 300-900 ms a page, 1-3 s a submission.
MARKETPLACE_LATENCY = Latency(page_s=(0.3, 0.9), submit_s=(1.0, 3.0))
#: The longest delay a latency bound may name, in seconds.
MAX_LATENCY_S = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultPlan:
    """What goes wrong; every field's default is a healthy site."""

    busy_first: int = 0
    busy_rate: float = 0.0
    seed: int = 0
    busy_for_s: float = 0.0
    busy_after_commit: int = 0
    busy_after_commit_rate: float = 0.0
    busy_status: int = 200
    retry_after_s: int | None = None
    retry_after_format: RetryAfterFormat = "seconds"
    busy_style: BusyStyle = "banner"
    language: Language = "en"
    slow_submit_s: float = 0.0
    slow_rate: float = 1.0
    server_errors: int = 0
    server_error_rate: float = 0.0
    errors_after_commit: bool = False
    session_expires_after: int | None = None
    session_expires_again: bool = False
    overlay: Overlay = "never"
    popup_blocked: bool = False
    form_resets_on_busy: bool = False
    captcha_after: int | None = None
    # what the order page shows of a dispute (docs/storefront.md, "Fault plan")
    dispute_id_markup: bool = False
    dispute_shows_after_s: float = 0.0
    hidden_dispute_ids: bool = False
    latency: Latency | None = None
    # a slow, overloaded back end (docs/storefront.md, "Fault plan")
    commit_delay_s: float = 0.0
    validate_first: bool = False
    never_answer: bool = False
    # mock skin: each rendered form carries a single-use token (docs/storefront.md)
    single_use_form: bool = False
    # the mock skin's order page and answer (docs/storefront.md, "Fault plan")
    returns_page: bool = False
    order_notes: int = 0
    dispute_text_only: bool = False
    answer_wrong_id: bool = False
    # after the request is opened (docs/storefront.md, "After the request is opened")
    store_answer: StoreAnswer | None = None
    respond_busy_first: int = 0
    respond_busy_after_commit: int = 0
    respond_slow_s: float = 0.0
    # the support chat (docs/storefront.md, "Support chat")
    chat_idle_s: float = 180.0
    chat_idle_mode: ChatIdleMode = "turn"
    chat_operator_delay_s: float = 2.0
    chat_queue_s: float = 5.0
    chat_offline: bool = False
    chat_free_question: bool | str = False
    #: The chat page shows only its last N messages (older ones leave the page); None: all.
    chat_window: int | None = None
    # a hostile site (the mock skin only; docs/storefront.md, "Fault plan")
    echo_password: bool = False
    echo_cookie: bool = False
    escape_sequences: bool = False
    extra_popups: int = 0
    # the aliexpress skin only (refused elsewhere when not the default; docs/storefront.md)
    busy_format: BusyFormat = "gateway"
    toast_s: float = 3.0
    upload_delay_s: float = 0.5
    # the shopper's real site (mock_site/faults_realsite.py; docs/storefront.md, "Languages,
    # drift, late overlays and chaos"): the aliexpress skin's interface language (None: from
    # the cookie, else Accept-Language), a seed for new class hashes (0: off), the consent
    # banner late or with a modal, and chaos (a seed; 0: off)
    ui_language: str | None = None
    class_drift: int = 0
    late_banner_s: float = 0.0
    banner_with_modal: bool = False
    chaos: int = 0

    @property
    def busy_text(self) -> str:
        """The busy message in the plan's language."""
        return BUSY_TEXTS[self.language]

    @property
    def uses_fetch(self) -> bool:
        """Whether the dispute form is sent by ``fetch()`` (toast, modal) or a full-page POST."""
        return self.busy_style != "banner"

    def to_dict(self) -> dict[str, object]:
        """The plan as a JSON-ready dict with every key."""
        return dataclasses.asdict(self)


_COUNTS = (
    "busy_first",
    "busy_after_commit",
    "server_errors",
    "extra_popups",
    "order_notes",
    "respond_busy_first",
    "respond_busy_after_commit",
)
_OPTIONAL_COUNTS = ("retry_after_s", "session_expires_after", "captcha_after", "chat_window")
_RATES = ("busy_rate", "busy_after_commit_rate", "slow_rate", "server_error_rate")
_SECONDS = (
    "busy_for_s",
    "slow_submit_s",
    "chat_operator_delay_s",
    "chat_queue_s",
    "upload_delay_s",
    "dispute_shows_after_s",
    "commit_delay_s",
    "respond_slow_s",
)
_POSITIVE_SECONDS = ("chat_idle_s", "toast_s")
_FLAGS = (
    "errors_after_commit",
    "popup_blocked",
    "form_resets_on_busy",
    "chat_offline",
    "dispute_id_markup",
    "hidden_dispute_ids",
    "echo_password",
    "echo_cookie",
    "escape_sequences",
    "validate_first",
    "never_answer",
    "single_use_form",
    "returns_page",
    "dispute_text_only",
    "answer_wrong_id",
    "session_expires_again",
)
#: The most pop-ups one click may open (a browser test opens every one of them).
MAX_EXTRA_POPUPS = 50
_CHOICES: Mapping[str, tuple[object, ...]] = {
    "busy_status": (200, 429, 503),
    "retry_after_format": ("seconds", "date"),
    "busy_style": ("banner", "toast", "modal"),
    "language": tuple(BUSY_TEXTS),
    "overlay": ("never", "once", "always"),
    "chat_idle_mode": ("turn", "always"),
    "busy_format": ("gateway", "text"),
}
_KEYS = frozenset(field.name for field in dataclasses.fields(FaultPlan))


def _bad(key: str, value: object, expected: str) -> ValueError:
    return ValueError(f"invalid value for {key}: {value!r} (expected {expected})")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds(key: str, value: object) -> tuple[float, float]:
    expected = f"[low, high] seconds, 0 <= low <= high <= {MAX_LATENCY_S:g}"
    if not (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(_is_number(v) for v in value)
        and 0 <= value[0] <= value[1] <= MAX_LATENCY_S
    ):
        raise _bad(key, value, expected)
    return float(value[0]), float(value[1])


def _latency(value: object) -> Latency | None:
    """``latency``: null, "marketplace", or {page_s = [low, high], submit_s = [low, high]}."""
    expected = 'null, "marketplace" or {"page_s": [low, high], "submit_s": [low, high]}'
    if value is None:
        return None
    if value == "marketplace":
        return MARKETPLACE_LATENCY
    if not isinstance(value, Mapping) or not value or set(value) - {"page_s", "submit_s"}:
        raise _bad("latency", value, expected)
    return Latency(**{name: _bounds(f"latency.{name}", bounds) for name, bounds in value.items()})


def _check(key: str, value: object) -> object:
    """Validate one key's value and return it normalised (ints to floats where floats are due)."""
    if key in REALSITE_KEYS:
        return check_realsite_key(key, value)
    if key == "latency":
        return _latency(value)
    if key == "store_answer":
        return parse_store_answer(value)
    if key == "seed":
        if not _is_int(value):
            raise _bad(key, value, "an integer")
        return value
    if key == "extra_popups" and not (_is_int(value) and 0 <= value <= MAX_EXTRA_POPUPS):  # type: ignore[operator]
        raise _bad(key, value, f"an integer from 0 to {MAX_EXTRA_POPUPS}")
    if key in _COUNTS or (key in _OPTIONAL_COUNTS and value is not None):
        if not _is_int(value) or value < 0:  # type: ignore[operator]  # int after _is_int
            raise _bad(key, value, "an integer >= 0")
        return value
    if key in _OPTIONAL_COUNTS:
        return None
    if key in _RATES:
        if not _is_number(value) or not 0 <= value <= 1:  # type: ignore[operator]  # number
            raise _bad(key, value, "a number from 0 to 1")
        return float(value)  # type: ignore[arg-type]  # a number, checked above
    if key in _SECONDS:
        if not _is_number(value) or not 0 <= value < math.inf:  # type: ignore[operator]  # number
            raise _bad(key, value, "a number of seconds >= 0")
        return float(value)  # type: ignore[arg-type]  # a number, checked above
    if key in _POSITIVE_SECONDS:
        if not _is_number(value) or not value > 0:  # type: ignore[operator]  # number
            raise _bad(key, value, "a number of seconds > 0")
        return float(value)  # type: ignore[arg-type]  # a number, checked above
    if key in _FLAGS:
        if not isinstance(value, bool):
            raise _bad(key, value, "true or false")
        return value
    if key == "chat_free_question":
        if isinstance(value, bool) or (isinstance(value, str) and value.strip()):
            return value.strip() if isinstance(value, str) else value
        raise _bad(key, value, "true, false or the question's text")
    choices = _CHOICES[key]
    if value not in choices or isinstance(value, bool):
        raise _bad(key, value, "one of " + ", ".join(json.dumps(c) for c in choices))
    return value


def default_plan(skin: Skin = DEFAULT_SKIN) -> FaultPlan:
    """The healthy plan of a skin (the aliexpress skin's busy_style is ``toast``)."""
    return FaultPlan(**SKIN_DEFAULTS[skin])  # type: ignore[arg-type]  # valid by construction


def check_plan_for_skin(plan: FaultPlan, skin: Skin) -> None:
    """ValueError naming the first key whose value has no meaning on this skin."""
    reason = refusal(skin, plan.to_dict())
    if reason is not None:
        raise ValueError(reason)


def parse_fault_plan(data: Mapping[str, object], *, skin: Skin = DEFAULT_SKIN) -> FaultPlan:
    """Build a FaultPlan for a skin from a mapping; ValueError names the first bad key or value.

    Keys left out take the skin's defaults; a value with no meaning on the skin is refused.
    """
    if not isinstance(data, Mapping):
        raise ValueError("the fault plan must be an object")
    for key in data:
        if key not in _KEYS:
            raise ValueError(f"unknown fault key: {key}")
    values = {**SKIN_DEFAULTS[skin], **{key: _check(key, value) for key, value in data.items()}}
    plan = FaultPlan(**values)  # type: ignore[arg-type]  # each value checked by _check
    check_plan_for_skin(plan, skin)
    return plan


def load_fault_file(path: str | os.PathLike[str], *, skin: Skin = DEFAULT_SKIN) -> FaultPlan:
    """Read a fault plan for a skin from a .toml or .json file."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ValueError(f"fault file must end in .toml or .json: {file}")
    text = file.read_text(encoding="utf-8")
    data: object = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the fault plan must be an object")
    return parse_fault_plan(data, skin=skin)


class FaultEngine:
    """One plan's counters and random draws; not thread-safe (the Store locks around it).

    Each counter counts the submissions that reached its step since the plan was set, so faults
    compose: ``server_errors=1, busy_first=1`` answers 500, then busy, then judges normally.
    """

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.submissions = 0
        self._server_error_checks = 0
        self._busy_checks = 0
        self._commits = 0
        self._busy_since: float | None = None
        self._session_expired = False
        # its own stream: adding latency to a plan changes none of its other draws
        self._latency_rng = random.Random(f"latency:{plan.seed}")

    def _draw(self, rate: float) -> bool:
        if rate <= 0:
            return False
        if rate >= 1:
            return True
        return self.rng.random() < rate

    def challenge_up(self, submissions: int | None = None) -> bool:
        """Whether the verification challenge is up after this many submissions (default: now)."""
        after = self.plan.captcha_after
        count = self.submissions if submissions is None else submissions
        return after is not None and count >= after

    def start_submission(self) -> int:
        """Count a new submission; return how many came before it."""
        before = self.submissions
        self.submissions += 1
        return before

    def session_expires(self, before: int) -> bool:
        """Whether this submission (``before`` earlier ones) ends the session: once per plan,
        or every one from then on (``session_expires_again``)."""
        after = self.plan.session_expires_after
        if after is None or before < after:
            return False
        if self._session_expired and not self.plan.session_expires_again:
            return False
        self._session_expired = True
        return True

    def _server_error(self) -> bool:
        index = self._server_error_checks
        self._server_error_checks += 1
        drawn = self._draw(self.plan.server_error_rate)
        return index < self.plan.server_errors or drawn

    def before_validation(self, now: float) -> PreAnswer | None:
        """HTTP 500 (unless after commit) and busy: the checks made before validation."""
        plan = self.plan
        if not plan.errors_after_commit and self._server_error():
            return "server_error"
        index = self._busy_checks
        self._busy_checks += 1
        if self._busy_since is None:
            self._busy_since = now
        drawn = self._draw(plan.busy_rate)
        in_window = plan.busy_for_s > 0 and now - self._busy_since < plan.busy_for_s
        if index < plan.busy_first or in_window or drawn:
            return "busy"
        return None

    def after_commit(self) -> PostAnswer | None:
        """Busy after commit, or HTTP 500 with ``errors_after_commit``: checks after creation."""
        plan = self.plan
        index = self._commits
        self._commits += 1
        if index < plan.busy_after_commit or self._draw(plan.busy_after_commit_rate):
            return "busy_after_commit"
        if plan.errors_after_commit and self._server_error():
            return "server_error"
        return None

    def slow_delay(self) -> float:
        """Seconds to hold the answer of a submission that created a dispute."""
        plan = self.plan
        if plan.slow_submit_s > 0 and self._draw(plan.slow_rate):
            return plan.slow_submit_s
        return 0.0

    def _delay(self, bounds: tuple[float, float]) -> float:
        low, high = bounds
        if high <= 0:
            return 0.0
        return self._latency_rng.triangular(low, high, low + (high - low) / 4)

    def page_delay(self) -> float:
        """Seconds to hold a page (``latency.page_s``), 0 without latency."""
        latency = self.plan.latency
        return 0.0 if latency is None else self._delay(latency.page_s)

    def submit_delay(self) -> float:
        """Seconds to hold a submission's answer (``latency.submit_s``), 0 without latency."""
        latency = self.plan.latency
        return 0.0 if latency is None else self._delay(latency.submit_s)
