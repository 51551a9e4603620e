"""Scenario records: what a scenario file holds, what a run observed, and the check."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args

from agent import RetryPolicy, Status
from agent.request import PreparedRequest, request_from_mapping
from agent.site.profile import SiteProfile, Timeouts
from agent.support.conversation import ChatEnd
from mock_site.scenarios.follow import FOLLOW_EXPECT_KEYS, FollowPlan
from mock_site.skins import SKINS
from mock_site.testing import SAMPLE_JPEG, SAMPLE_PNG

#: The top-level keys of a scenario file.
SCENARIO_KEYS: tuple[str, ...] = (
    "description",
    "storefront",
    "faults",
    "request",
    "policy",
    "timeouts",
    "files",
    "support",
    "follow",
    "profile",
    "expect",
)
#: The bundled storefronts a scenario can run on (each with the profile of the same name).
STOREFRONTS: tuple[str, ...] = tuple(SKINS)
#: The keys of ``[expect]``.
EXPECT_KEYS: tuple[str, ...] = (
    "status",
    "attempts",
    "disputes",
    "submissions",
    "screenshots_min",
    "files",
    "message_contains",
    "waits",
    "dispute",
    "chat",
    "chat_attachments",
    "chat_holding",
    *FOLLOW_EXPECT_KEYS,
    "drift",
)
#: The keys of ``[profile]``: changes to the storefront's bundled profile for this scenario
#: (``pin = false``: without its ``[[pin.cookies]]``, the site's own interface language).
PROFILE_KEYS: tuple[str, ...] = ("pin",)
#: The keys of ``[support]``: after the run, `retry-dispute support` on its run folder, with these
#: overrides of the profile's ``[support_chat]`` (short idle limits for the catalogue).
SUPPORT_KEYS: tuple[str, ...] = (
    "idle_s",
    "idle_counts",
    "hold_margin_s",
    "queue_timeout_s",
    "max_chat_s",
)
#: How a support chat can end (``expect.chat``).
CHAT_ENDS: tuple[str, ...] = get_args(ChatEnd)
#: The fields of the created dispute that ``[expect.dispute]`` may check.
DISPUTE_KEYS: tuple[str, ...] = (
    "received",
    "reason",
    "solution",
    "refund",
    "amount",
    "message",
    "files",
)
#: The final statuses a scenario can expect (an interrupt is not a scenario: it needs a signal;
#: nor is a claimed order: it needs a second process, see tests/safety/test_races.py).
STATUSES: tuple[str, ...] = tuple(
    str(s) for s in Status if s not in (Status.INTERRUPTED, Status.CLAIMED)
)
#: What ``[[files]]`` can generate: whole pictures, a video header and a text file.
CONTENTS: Mapping[str, bytes] = MappingProxyType(
    {
        "jpeg": SAMPLE_JPEG,
        "png": SAMPLE_PNG,
        "mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(64),
        "text": b"This is a text file, not a photo.\n",
    }
)
WAIT_CAUSES = ("backoff", "retry_after")
POLICY_KEYS = tuple(f.name for f in dataclasses.fields(RetryPolicy))
TIMEOUT_KEYS = tuple(f.name for f in dataclasses.fields(Timeouts))
FILE_KEYS = ("name", "content", "size")
COUNT_KEYS = ("min", "max")
MAX_FILE_BYTES = 64 * 1024 * 1024


# --- the records --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Count:
    """An expected count: one number (``min == max``), or a range, open above when max is None."""

    min: int = 0
    max: int | None = None

    def matches(self, value: int) -> bool:
        """Whether *value* is within the range."""
        return value >= self.min and (self.max is None or value <= self.max)

    def __str__(self) -> str:
        if self.max == self.min:
            return str(self.min)
        return f">={self.min}" if self.max is None else f"{self.min}-{self.max}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Expectation:
    """The ``[expect]`` table: what must be true at the end; None (or empty) checks nothing."""

    status: str
    attempts: Count | None = None
    disputes: int | None = None
    submissions: int | None = None
    screenshots_min: int | None = None
    files: tuple[str, ...] = ()
    message_contains: tuple[str, ...] = ()
    waits: tuple[str, ...] | None = None
    dispute: Mapping[str, object] = dataclasses.field(default_factory=dict)
    #: How the support chat ended (with a ``[support]`` table).
    chat: str | None = None
    #: Images the agent attached in the chat (the storefront's transcript).
    chat_attachments: Count | None = None
    #: Holding messages the agent sent in the chat.
    chat_holding: Count | None = None
    #: After the dispute opened (with a ``[follow]`` table): how the follow ended, the state it
    #: last read, the disagreements on the store's record, the response's attempts.
    follow: str | None = None
    follow_state: str | None = None
    responses: int | None = None
    follow_attempts: Count | None = None
    #: result.json's ``drift``: some (True), none (False), or at least these elements.
    drift: bool | tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GeneratedFile:
    """One ``[[files]]`` entry: an evidence file written before the pre-flight."""

    name: str
    content: str
    size: int

    def data(self) -> bytes:
        """The file's bytes: the content's header, padded (binary) or repeated (text) to size."""
        head = CONTENTS[self.content]
        if self.content == "text":
            return (head * (self.size // len(head) + 1))[: self.size]
        return head + bytes(self.size - len(head))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """One scenario file, checked."""

    path: Path
    #: The file's name; ``NAME@aliexpress`` for its run on a storefront other than mock.
    name: str
    description: str
    #: The storefronts the file runs on, and the one this copy runs on.
    storefronts: tuple[str, ...] = ("mock",)
    storefront: str = "mock"
    faults: Mapping[str, object]
    request: Mapping[str, object]
    policy: RetryPolicy
    timeouts: Mapping[str, float]
    files: tuple[GeneratedFile, ...]
    expect: Expectation
    #: ``[support]``: go to the support chat after the run, with these [support_chat] overrides;
    #: None: no support chat.
    support: Mapping[str, Any] | None = None
    #: ``[follow]``: the store's answers and ``retry-dispute follow`` after the run; None: none.
    follow: FollowPlan | None = None
    #: ``[profile] pin``: False runs the profile without its pin cookies.
    pin: bool = True

    @property
    def order_id(self) -> str:
        """The order as the request names it."""
        return str(self.request.get("order_id", "")).strip()

    def profile_for(self, profile: SiteProfile) -> SiteProfile:
        """*profile* with this scenario's ``[timeouts]`` applied."""
        if self.timeouts:
            profile = dataclasses.replace(
                profile, timeouts=dataclasses.replace(profile.timeouts, **self.timeouts)
            )
        if self.support and profile.support_chat is not None:
            chat = dataclasses.replace(profile.support_chat, **self.support)
            profile = dataclasses.replace(profile, support_chat=chat)
        if not self.pin:
            profile = dataclasses.replace(profile, pin_cookies=())
        return profile

    def write_files(self, folder: Path) -> None:
        """Generate the ``[[files]]`` into *folder*."""
        if self.files:
            folder.mkdir(parents=True, exist_ok=True)
        for item in self.files:
            (folder / item.name).write_bytes(item.data())

    def prepare(self, files_dir: Path, profile: SiteProfile) -> PreparedRequest:
        """Run the pre-flight on the request (against *profile*'s evidence rules and reasons);
        generated files are taken from *files_dir*."""
        prepared = request_from_mapping(
            with_generated(self.request, {f.name for f in self.files}, files_dir),
            base_dir=self.path.parent,
            rules=profile.evidence,
            source=str(self.path),
            reasons=profile.reasons,
            message_limits=profile.message_limits,
        )
        profile.check_request(prepared.request)
        return prepared


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """What one scenario's run ended with, and what the storefront recorded."""

    status: str
    attempts: int = 0
    disputes: int = 0
    submissions: int = 0
    screenshots: int = 0
    seconds: float = 0.0
    message: str = ""
    run_dir: Path | None = None
    #: Every file in the run folder, relative to it.
    files: tuple[str, ...] = ()
    #: The cause of each wait between attempts, from result.json's timeline.
    waits: tuple[str, ...] = ()
    #: The last dispute created for the order (never the seeded one), as the control API says.
    dispute: Mapping[str, object] | None = None
    #: How the support chat ended (None: no chat ran), images attached, holding messages sent.
    chat: str | None = None
    chat_attachments: int = 0
    chat_holding: int = 0
    #: How the follow ended (None: none ran), the state it last read, the disagreements on the
    #: store's record, the response's attempts.
    follow: str | None = None
    follow_state: str | None = None
    responses: int = 0
    follow_attempts: int = 0
    #: The elements result.json's ``drift`` names.
    drift: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioResult:
    """A scenario, what its run observed, and each way it missed its expectation."""

    scenario: Scenario
    observed: Observed
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the scenario met its expectation."""
        return not self.problems


# --- checking -----------------------------------------------------------------------------------


def _check_dispute(expected: Mapping[str, object], got: Mapping[str, object] | None) -> list[str]:
    if not expected:
        return []
    if got is None:
        return ["dispute: no dispute was created for the order"]
    problems = []
    for key, want in expected.items():
        have = got.get(key)
        if (have if key == "files" else str(have)) != want:
            problems.append(f"dispute.{key}: expected {want!r}, got {have!r}")
    return problems


def check(expect: Expectation, got: Observed) -> tuple[str, ...]:
    """Each way *got* misses *expect*, in words; empty when it met every expectation."""
    problems: list[str] = []
    if got.status != expect.status:
        problems.append(f"status: expected {expect.status}, got {got.status}")
    if expect.attempts is not None and not expect.attempts.matches(got.attempts):
        problems.append(f"attempts: expected {expect.attempts}, got {got.attempts}")
    for key in ("disputes", "submissions"):
        want, have = getattr(expect, key), getattr(got, key)
        if want is not None and want != have:
            problems.append(f"{key}: expected {want}, got {have}")
    if expect.screenshots_min is not None and got.screenshots < expect.screenshots_min:
        problems.append(
            f"screenshots: expected at least {expect.screenshots_min}, got {got.screenshots}"
        )
    problems += [
        f"files: {name} is missing from the run folder"
        for name in expect.files
        if name not in got.files
    ]
    problems += [
        f"message: {text!r} not in {got.message!r}"
        for text in expect.message_contains
        if text not in got.message
    ]
    if expect.waits is not None and tuple(expect.waits) != got.waits:
        problems.append(f"waits: expected {list(expect.waits)}, got {list(got.waits)}")
    problems += _check_dispute(expect.dispute, got.dispute)
    if expect.chat is not None and got.chat != expect.chat:
        problems.append(f"chat: expected {expect.chat}, got {got.chat}")
    for key in ("follow", "follow_state", "responses"):
        want, have = getattr(expect, key), getattr(got, key)
        if want is not None and want != have:
            problems.append(f"{key}: expected {want}, got {have}")
    for key in ("chat_attachments", "chat_holding", "follow_attempts"):
        want_count, have_count = getattr(expect, key), getattr(got, key)
        if want_count is not None and not want_count.matches(have_count):
            problems.append(f"{key}: expected {want_count}, got {have_count}")
    problems += _check_drift(expect.drift, got.drift)
    return tuple(problems)


def _check_drift(want: bool | tuple[str, ...] | None, got: tuple[str, ...]) -> list[str]:
    if want is None:
        return []
    if want is True and not got:
        return ["drift: expected some in result.json, got none"]
    if want is False and got:
        return [f"drift: expected none, got {', '.join(got)}"]
    if isinstance(want, tuple):
        return [f"drift: {name} is not in result.json's drift" for name in want if name not in got]
    return []


def with_generated(
    request: Mapping[str, object], names: set[str], folder: Path
) -> dict[str, object]:
    """The request with evidence entries that name a ``[[files]]`` entry pointing into *folder*."""
    data = dict(request)
    evidence = data.get("evidence")
    if isinstance(evidence, list):
        data["evidence"] = [
            str(folder / item) if isinstance(item, str) and item in names else item
            for item in evidence
        ]
    return data
