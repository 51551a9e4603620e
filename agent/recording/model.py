"""What a recording holds once read, whatever wrote it: the actions a person made, in order.

Both readers (`agent.recording.chrome` for a Chrome DevTools Recorder export,
`agent.recording.codegen` for a Playwright codegen script) turn their format into these records;
`agent.recording.flow` reads a profile's flow out of them. Selectors are Playwright selectors
already (`agent.recording.selectors` converts each format's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = ["Action", "ActionKind", "Recording", "RecordingFormat", "Target"]

RecordingFormat = Literal["chrome", "codegen"]

#: What a person did: open a URL, click, tick a radio or checkbox, type a text, pick an option
#: of a native select, press a key, choose files; or what they checked the page showed.
ActionKind = Literal[
    "goto", "click", "check", "fill", "select", "press", "files", "assert_text", "assert_visible"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """The element an action was made on, as the recording names it."""

    #: Playwright selectors for it, as the recording gave them (alternatives, in its order).
    selectors: tuple[str, ...]
    #: Its ARIA role and accessible name (or label, or text), when the recording says.
    role: str | None = None
    name: str | None = None
    #: Its test id (``data-testid`` or the recording's test id attribute), when known.
    test_id: str | None = None
    #: Its tag (``select``, ``textarea``, ``input``, ``a``, ``button``) when a selector says.
    tag: str | None = None
    #: An input's type (``radio``, ``checkbox``, ``file``, ``password``) when known.
    input_type: str | None = None

    @property
    def key(self) -> str:
        """What tells two targets apart: their first selector."""
        return self.selectors[0] if self.selectors else ""

    def shares(self, other: Target) -> bool:
        """Whether two targets are the same element (they have a selector in common)."""
        return bool(set(self.selectors) & set(other.selectors))

    def with_selectors(self, selectors: tuple[str, ...]) -> Target:
        """The same target with other selectors."""
        return replace(self, selectors=selectors)


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One thing the person did (or checked), on one page of the recording."""

    kind: ActionKind
    #: The page (tab or pop-up) it happened on: ``page``, ``page1``… (codegen), ``main`` or the
    #: tab's first URL (Chrome).
    page: str
    target: Target | None = None
    #: The text typed, the option picked, the key pressed, the URL opened, the text checked.
    value: str = ""
    #: The files chosen (``files``), by name.
    files: tuple[str, ...] = ()
    #: The page this click opened (a pop-up or a new tab), when it opened one.
    opens_page: str | None = None
    #: A JS dialog (confirm, alert) came up on this click and was answered.
    dialog: bool = False
    #: The URL this action navigated its page to, when the recording says.
    navigated_to: str | None = None
    #: Where in the recording: the step's number (Chrome) or the line (codegen).
    line: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Recording:
    """A recording, read: where it came from, and its actions in order."""

    source: str
    format: RecordingFormat
    title: str = ""
    actions: tuple[Action, ...] = field(default_factory=tuple)

    @property
    def described(self) -> str:
        """The recording for messages: its file and its format."""
        what = "Chrome DevTools Recorder export" if self.format == "chrome" else "codegen script"
        return f"{self.source} ({what})"
