"""A draft profile: what the recording (and the live pages, on a second pass) said of a store,
before it is written as TOML (`agent.recording.writer`).

Everything here is a fact of the store the recording showed, or a TODO saying what it cannot
know; `Draft.todos` lists those for the file's header and the console. The records are mutable:
the reading of the recording builds them (`agent.recording.flow`), the second pass on the live
site completes them (`agent.recording.live`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Draft",
    "DraftAnswer",
    "DraftDispute",
    "DraftElement",
    "DraftField",
    "DraftReason",
    "DraftStep",
    "JsonRule",
    "Recorded",
]


@dataclass(slots=True, kw_only=True)
class DraftElement:
    """One page element: its selectors, the preferred first."""

    name: str
    selectors: list[str]
    note: str = ""
    #: A page-wide element read in the item's line of the order page (not drafted yet).
    scope: str = "page"


@dataclass(slots=True, kw_only=True)
class DraftStep:
    """One step (login, open, submit, retry)."""

    name: str
    action: str  # click, fill, press, wait
    element: str
    text: str | None = None
    key: str | None = None
    new_page: str | None = None
    or_visible: str | None = None
    navigates: bool = False
    dialog: str | None = None
    if_visible: str | None = None
    when: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(slots=True, kw_only=True)
class DraftField:
    """One form field: the request value it enters and its kind."""

    name: str
    kind: str
    element: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    by: str | None = None
    option: str | None = None
    shown: str | None = None
    selected: str | None = None
    when: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(slots=True, kw_only=True)
class DraftReason:
    """One reason the site offers."""

    label: str
    received: bool
    code: str | None = None
    value: str | None = None
    #: The code was guessed from the label's words: check it.
    guessed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonRule:
    """One test on the answer's JSON: ``{path, equals | prefix}``."""

    path: str
    equals: str | bool | None = None
    prefix: str | None = None


@dataclass(slots=True, kw_only=True)
class DraftAnswer:
    """How the site answers a submission, as far as the recording showed."""

    method: str | None = None
    url: str | None = None
    #: Where the submit request came from: "har" (the recording's network), "live" (seen on the
    #: second pass, blocked), "" (not known).
    url_from: str = ""
    busy_texts: list[str] = field(default_factory=list)
    page_busy: list[str] = field(default_factory=list)
    page_result: str | None = None
    success: str | None = None
    json: dict[str, JsonRule] = field(default_factory=dict)
    dispute_id_path: str | None = None
    message_path: str | None = None
    message_pattern: str | None = None


@dataclass(slots=True, kw_only=True)
class DraftDispute:
    """How an existing dispute shows on the order page."""

    element: str
    attribute: str | None = None
    pattern: str | None = None
    shows_within_s: float = 3.0
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """The dispute the person opened in the recording (for `retry-dispute check` afterwards)."""

    order_id: str
    received: bool | None = None
    reason: str | None = None
    evidence: int = 0


@dataclass(slots=True, kw_only=True)
class Draft:
    """A draft profile, section by section."""

    name: str
    source: str
    base_url: str
    order_path: str
    login_url: str | None = None
    elements: dict[str, DraftElement] = field(default_factory=dict)
    page_login: str | None = None
    dialogs: str = "accept"
    overlays: list[tuple[str, str]] = field(default_factory=list)
    login_steps: list[DraftStep] = field(default_factory=list)
    order_ready: str | None = None
    dispute: DraftDispute | None = None
    open_steps: list[DraftStep] = field(default_factory=list)
    form_ready: str | None = None
    fields: list[DraftField] = field(default_factory=list)
    submit_steps: list[DraftStep] = field(default_factory=list)
    retry_steps: list[DraftStep] = field(default_factory=list)
    retry_kept: str | None = None
    retry_from: str | None = None
    answer: DraftAnswer = field(default_factory=DraftAnswer)
    reasons: list[DraftReason] = field(default_factory=list)
    #: What the draft could not know, for the header and the console (one line each).
    todos: list[str] = field(default_factory=list)
    #: Notes on what the draft learned where (the header's "from the recording" lines).
    learned: list[str] = field(default_factory=list)
    recorded: Recorded | None = None
    #: The site the recording was made on (its origin), and how often it sent the form.
    origin: str = ""
    sendings: int = 0
    #: The new dispute's id the recording's success showed, if it showed one.
    success_id: str | None = None
    #: Requests the site sends on its own while one browses (method, URL glob): a beacon.
    harmless: list[tuple[str, str]] = field(default_factory=list)

    def element(self, name: str, selectors: list[str], *, note: str = "") -> str:
        """Add (or extend) an element; its name."""
        existing = self.elements.get(name)
        if existing is None:
            self.elements[name] = DraftElement(name=name, selectors=list(selectors), note=note)
        else:
            existing.selectors.extend(s for s in selectors if s not in existing.selectors)
            existing.note = existing.note or note
        return name

    def todo(self, line: str) -> None:
        """Something the person must check or write (once)."""
        if line not in self.todos:
            self.todos.append(line)
