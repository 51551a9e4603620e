"""How a run ended: the one list of final statuses, the `Outcome`, and ``result.json``.

`Status` is the only place a final status is spelled, with its exit code and its label. `Outcome`
is what `open_dispute` returns and exactly what a run folder's ``result.json`` holds: it is
written with `Outcome.write` and read back (leniently: a damaged file gives an ``error`` outcome
saying so) with `Outcome.read`. `TimelineEntry` is one step, attempt or wait of the run, as the
run folder records it and the report shows it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from agent.errors import ORDER_NOT_FOUND, PROFILE_MISMATCH, RetryDisputeError
from agent.files import write_private_text
from agent.redaction import redact_data, redact_text

__all__ = [
    "CASE_OPENED_EXIT_CODE",
    "EXIT_PRECEDENCE",
    "INTERRUPT_EXIT_CODES",
    "RESULT_FILE",
    "BatchResult",
    "DriftEntry",
    "Outcome",
    "Status",
    "TimelineEntry",
    "batch_exit_code",
    "describe_exit_code",
]

#: The name of the result file in a run folder.
RESULT_FILE = "result.json"


class Status(StrEnum):
    """A run's final status; its value is what ``result.json`` and the console say."""

    OPENED = "opened"
    ALREADY_OPEN = "already_open"
    INVALID = "invalid"
    INELIGIBLE = "ineligible"
    GAVE_UP = "gave_up"
    NEEDS_HUMAN = "needs_human"
    CLAIMED = "claimed"
    UNCONFIRMED = "unconfirmed"
    INTERRUPTED = "interrupted"
    ERROR = "error"

    @property
    def exit_code(self) -> int:
        """The process exit code of this status (README, "Exit codes")."""
        return _EXIT_CODES[self]

    @property
    def label(self) -> str:
        """A short title for people (the report's headline, a batch index)."""
        return _LABELS[self]

    @property
    def ok(self) -> bool:
        """True when a dispute exists for the order (opened now or before)."""
        return self in (Status.OPENED, Status.ALREADY_OPEN)

    @property
    def final(self) -> bool:
        """True when running the order again cannot change anything (``--resume`` skips it).

        The dispute is open (now or before), or the site says the order is not eligible.
        """
        return self in (Status.OPENED, Status.ALREADY_OPEN, Status.INELIGIBLE)

    @property
    def failed(self) -> bool:
        """True for the orders ``--only-failed`` runs again: gave up, a person was needed, or an
        unexpected error (once its cause is fixed, another run may open the dispute)."""
        return self in (Status.GAVE_UP, Status.NEEDS_HUMAN, Status.UNCONFIRMED, Status.ERROR)

    @property
    def support_ticket(self) -> bool:
        """True when the run folder gets a support ticket and evidence.zip: the marketplace's
        support can help (not when the dispute is open, a person only has to log in, or the run
        was stopped before it finished)."""
        return self in (Status.INVALID, Status.INELIGIBLE, Status.GAVE_UP, Status.ERROR)

    @property
    def meaning(self) -> str:
        """One sentence for people: what this status means (the console, the Makefile)."""
        return _MEANINGS[self]

    @classmethod
    def of_error(cls, error: RetryDisputeError) -> Status:
        """The status a run stopped by *error* ends with (by the error's exit code)."""
        by_code = {
            s.exit_code: s
            for s in (
                cls.INVALID,
                cls.INELIGIBLE,
                cls.GAVE_UP,
                cls.NEEDS_HUMAN,
                cls.CLAIMED,
                cls.UNCONFIRMED,
            )
        }
        return by_code.get(error.exit_code, cls.ERROR)

    @classmethod
    def parse(cls, value: object) -> Status:
        """The status named by *value*; anything else (a damaged file) is ``error``."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.ERROR


_EXIT_CODES: Mapping[Status, int] = MappingProxyType(
    {
        Status.OPENED: 0,
        Status.ALREADY_OPEN: 0,
        Status.ERROR: 1,
        Status.INVALID: 2,
        Status.INELIGIBLE: 3,
        Status.GAVE_UP: 4,
        Status.NEEDS_HUMAN: 5,
        Status.CLAIMED: 6,
        Status.UNCONFIRMED: 7,
        Status.INTERRUPTED: 130,
    }
)
#: The exit code of a run stopped by a signal: 128 + the signal's number, as a shell reports it.
#: ``Status.INTERRUPTED.exit_code`` is Ctrl-C's (SIGINT); `Outcome.exit_code` gives 143 when the
#: run was stopped by SIGTERM (``kill``, a service manager, a CI timeout).
INTERRUPT_EXIT_CODES: Mapping[str, int] = MappingProxyType({"SIGINT": 130, "SIGTERM": 143})
#: ``run --escalate``: the run gave up (no dispute) and the support chat opened a case; the
#: run's own status stays ``gave_up`` (4) in result.json.
CASE_OPENED_EXIT_CODE = 8
_MEANINGS: Mapping[Status, str] = MappingProxyType(
    {
        Status.OPENED: "the dispute is open",
        Status.ALREADY_OPEN: "a dispute was already open for the order",
        Status.ERROR: "an unexpected error stopped the run (see log.jsonl in the run folder)",
        Status.INVALID: "the request, a file, a flag or the site refused what was given; "
        "nothing was opened",
        Status.INELIGIBLE: "the order page says no dispute can be opened for this order",
        Status.GAVE_UP: "the site was still busy when the attempts or the deadline ran out",
        Status.NEEDS_HUMAN: "a person must log in or solve a verification in the browser",
        Status.CLAIMED: "another run is working on this order; nothing was sent",
        Status.UNCONFIRMED: "a submission was still on its way to the site at the deadline; "
        "the next run waits for it before sending anything",
        Status.INTERRUPTED: "the run was stopped (Ctrl-C or SIGTERM) before it finished",
    }
)
_LABELS: Mapping[Status, str] = MappingProxyType(
    {
        Status.OPENED: "Dispute opened",
        Status.ALREADY_OPEN: "Dispute already open",
        Status.INVALID: "Request refused",
        Status.INELIGIBLE: "Order not eligible",
        Status.GAVE_UP: "Gave up: the site stayed busy",
        Status.NEEDS_HUMAN: "A person is needed",
        Status.CLAIMED: "Another run has this order",
        Status.UNCONFIRMED: "Submission unconfirmed",
        Status.INTERRUPTED: "Interrupted",
        Status.ERROR: "Unexpected error",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """One step, attempt or wait of a run, as ``result.json`` records it."""

    n: int
    kind: str  # "step" | "attempt" | "check" | "wait"
    name: str
    at: str = ""
    t: float = 0.0
    outcome: str | None = None
    attempt: int | None = None
    screenshot: str | None = None
    detail: str | None = None
    status_code: int | None = None
    wait_s: float | None = None
    wait_cause: str | None = None
    #: A check of the order page: why it was read (before_resend, confirm, earlier_run), and
    #: how many reads it took (a site that shows new disputes late is read again).
    purpose: str | None = None
    reads: int | None = None

    def __post_init__(self) -> None:
        # the site's text (and every other text: a name may quote a path or a URL): never a
        # secret it echoed
        for name in ("name", "outcome", "screenshot", "detail", "wait_cause", "purpose"):
            value = getattr(self, name)
            if value:
                object.__setattr__(self, name, redact_text(value))

    @property
    def when(self) -> datetime | None:
        """The entry's time as an aware UTC datetime, or None when it cannot be read."""
        try:
            value = datetime.fromisoformat(self.at)
        except (TypeError, ValueError):
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    def to_json(self) -> dict[str, object]:
        """The entry as ``result.json`` holds it (fields that are None left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, raw: Mapping[str, object], index: int) -> TimelineEntry:
        """Read an entry leniently; a bad value becomes its default."""
        return cls(
            n=_opt_int(raw.get("n")) or index,
            kind=str(raw.get("kind", "step")),
            name=str(raw.get("name", "")),
            at=str(raw.get("at", "")),
            t=_opt_float(raw.get("t")) or 0.0,
            outcome=_opt_str(raw.get("outcome")),
            attempt=_opt_int(raw.get("attempt")),
            screenshot=_opt_str(raw.get("screenshot")),
            detail=_opt_str(raw.get("detail")),
            status_code=_opt_int(raw.get("status_code")),
            wait_s=_opt_float(raw.get("wait_s")),
            wait_cause=_opt_str(raw.get("wait_cause")),
            purpose=_opt_str(raw.get("purpose")),
            reads=_opt_int(raw.get("reads")),
        )


#: Reason codes of a run stopped by something the user fixes, not the marketplace's support.
_OURS_TO_FIX = (PROFILE_MISMATCH, ORDER_NOT_FOUND)
#: The outcome's texts and lists of texts, redacted when an outcome is made.
_OUTCOME_TEXTS = (
    "order_id",
    "dispute_id",
    "message",
    "hint",
    "reason_code",
    "last_answer",
    "interrupted_by",
)
_OUTCOME_TEXT_LISTS = ("screenshots", "normalisations", "unwritten")


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftEntry:
    """A profile element whose preferred selector no longer matched: the run used another of its
    alternatives (``drift`` in result.json). The profile should be updated."""

    #: The element's name in the profile's ``[elements]``.
    element: str
    #: Which alternative was used: its position in the profile's list (1 is the preferred one).
    alternative: int
    #: The alternative's selector, and the preferred one that matched nothing.
    selector: str
    preferred: str
    #: Where the flow used it (a profile entry, ``submit.steps[4] (confirm)``).
    where: str = ""

    def __post_init__(self) -> None:
        # every text redacted, as a timeline entry's: a selector may quote the site's words
        for name in ("element", "selector", "preferred", "where"):
            value = getattr(self, name)
            if value:
                object.__setattr__(self, name, redact_text(value))

    def to_json(self) -> dict[str, object]:
        """The entry as ``result.json`` holds it."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> DriftEntry:
        """Read an entry leniently; a bad value becomes its default."""
        return cls(
            element=str(raw.get("element", "")),
            alternative=_opt_int(raw.get("alternative")) or 0,
            selector=str(raw.get("selector", "")),
            preferred=str(raw.get("preferred", "")),
            where=str(raw.get("where", "")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How one order ended, and where its evidence is: the contents of ``result.json``."""

    status: Status
    order_id: str
    dispute_id: str | None = None
    attempts: int = 0
    elapsed_s: float = 0.0
    message: str = ""
    #: What to do about it, when the run stopped on an error.
    hint: str | None = None
    reason_code: str | None = None
    last_answer: str | None = None
    run_dir: Path | None = None
    #: Screenshot paths, relative to the run folder, in run order.
    screenshots: tuple[str, ...] = ()
    #: What the pre-flight changed in the request, one line each.
    normalisations: tuple[str, ...] = ()
    #: The request as sent (evidence as file names).
    request: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: What the form held when it was first sent, read back field by field (field name ->
    #: what it showed: the message as typed, the reason's label, "1 file"); {} before that.
    form: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    timeline: tuple[TimelineEntry, ...] = ()
    #: The signal that stopped the run (``"SIGINT"``, ``"SIGTERM"``), for ``interrupted`` only.
    interrupted_by: str | None = None
    #: Where and how the run was made: site, profile, session mode, retry policy, the command
    #: line, the tool's version (the report shows them).
    context: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: Files of the run folder that could not be written (a full disk), by name.
    unwritten: tuple[str, ...] = ()
    #: Profile elements found only by an alternative selector (the site's markup drifted).
    drift: tuple[DriftEntry, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):  # a plain string from a caller: checked here
            object.__setattr__(self, "status", Status(self.status))
        # Every text of an outcome may quote the site (which may echo a password or a cookie)
        # or the command line (a --ws-endpoint or --cdp-url with a token or a password in it):
        # what leaves the process (result.json, the report, the ticket, evidence.zip, a batch's
        # summary and index, the console) is made of this object, so it is redacted here, once.
        for name in _OUTCOME_TEXTS:
            value = getattr(self, name)
            if value:
                object.__setattr__(self, name, redact_text(value))
        for name in _OUTCOME_TEXT_LISTS:
            object.__setattr__(self, name, tuple(redact_text(v) for v in getattr(self, name)))
        for name in ("request", "context", "form"):
            value = getattr(self, name)
            if value:
                object.__setattr__(self, name, MappingProxyType(redact_data(dict(value))))

    @property
    def order_key(self) -> str:
        """The order, and the item when the request named one: what one dispute is for
        (``1001``, ``1001/2``), as the journal and ``--resume`` key it."""
        item = self.request.get("item") if self.request else None
        return self.order_id if not item else f"{self.order_id}/{item}"

    @property
    def exit_code(self) -> int:
        """The process exit code of this outcome (143 for a run stopped by SIGTERM)."""
        if self.status is Status.INTERRUPTED and self.interrupted_by is not None:
            return INTERRUPT_EXIT_CODES.get(self.interrupted_by, self.status.exit_code)
        return self.status.exit_code

    @property
    def ok(self) -> bool:
        """True when a dispute exists for the order (opened now or before)."""
        return self.status.ok

    @property
    def support_ticket(self) -> bool:
        """True when the run folder gets a support ticket and evidence.zip: the status says
        support can help (`Status.support_ticket`), and the run did not stop on something of
        ours to fix (a profile that does not fit the page: `ProfileMismatch`; an order the site
        does not show: a wrong order id or another account's session)."""
        return self.status.support_ticket and self.reason_code not in _OURS_TO_FIX

    def to_json(self) -> dict[str, object]:
        """The contents of ``result.json`` (DESIGN.md), the timeline included."""
        return {
            "status": str(self.status),
            "order_id": self.order_id,
            "dispute_id": self.dispute_id,
            "attempts": self.attempts,
            "elapsed_s": self.elapsed_s,
            "message": self.message,
            "hint": self.hint,
            "exit_code": self.exit_code,
            "reason_code": self.reason_code,
            "last_answer": self.last_answer,
            "screenshots": list(self.screenshots),
            "normalisations": list(self.normalisations),
            "request": dict(self.request),
            "form": dict(self.form),
            "timeline": [entry.to_json() for entry in self.timeline],
            "interrupted_by": self.interrupted_by,
            "context": dict(self.context),
            "unwritten": list(self.unwritten),
            "drift": [entry.to_json() for entry in self.drift],
        }

    def write(self, run_dir: Path | None = None) -> Path:
        """Write ``result.json`` into the run folder (0600, atomically); return its path.

        Inside a run (`agent.files.tracking_failures`) a write that fails is recorded, not raised.
        """
        folder = run_dir or self.run_dir
        if folder is None:
            raise ValueError("the outcome has no run folder to write result.json into")
        target = folder / RESULT_FILE
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
        write_private_text(target, text, redact=False)  # each text was redacted on creation
        return target

    @classmethod
    def from_json(cls, data: Mapping[str, object], *, run_dir: Path | None = None) -> Outcome:
        """Read an outcome from ``result.json``'s object, leniently."""
        timeline = data.get("timeline") or []
        request = data.get("request") or {}
        order_id = data.get("order_id")
        context = data.get("context") or {}
        form = data.get("form") or {}
        return cls(
            status=Status.parse(data.get("status")),
            order_id=str(order_id) if order_id else _order_from_folder(run_dir),
            dispute_id=_opt_str(data.get("dispute_id")),
            attempts=_opt_int(data.get("attempts")) or 0,
            elapsed_s=_opt_float(data.get("elapsed_s")) or 0.0,
            message=str(data.get("message") or ""),
            hint=_opt_str(data.get("hint")),
            reason_code=_opt_str(data.get("reason_code")),
            last_answer=_opt_str(data.get("last_answer")),
            run_dir=run_dir,
            screenshots=tuple(str(s) for s in _list(data.get("screenshots")) if s),
            normalisations=tuple(str(s) for s in _list(data.get("normalisations"))),
            request=MappingProxyType(dict(request) if isinstance(request, dict) else {}),
            form=MappingProxyType(
                {str(k): str(v) for k, v in form.items()} if isinstance(form, dict) else {}
            ),
            timeline=tuple(
                TimelineEntry.from_json(raw, i)
                for i, raw in enumerate(timeline if isinstance(timeline, list) else [], 1)
                if isinstance(raw, dict)
            ),
            interrupted_by=_opt_str(data.get("interrupted_by")),
            context=MappingProxyType(dict(context) if isinstance(context, dict) else {}),
            unwritten=tuple(str(s) for s in _list(data.get("unwritten")) if s),
            drift=tuple(
                DriftEntry.from_json(raw)
                for raw in _list(data.get("drift"))
                if isinstance(raw, dict)
            ),
        )

    @classmethod
    def read(cls, run_dir: Path) -> Outcome:
        """Read ``run_dir/result.json``; an unreadable file gives an ``error`` outcome saying so."""
        try:
            data = json.loads((run_dir / RESULT_FILE).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"{RESULT_FILE} does not hold an object")
        except (OSError, ValueError) as exc:
            return cls(
                status=Status.ERROR,
                order_id=_order_from_folder(run_dir),
                run_dir=run_dir,
                message=f"{RESULT_FILE} could not be read: {str(exc)[:200]}",
            )
        return cls.from_json(data, run_dir=run_dir)


#: A batch's non-zero exit codes, most urgent first: it exits with the first one any order has.
#: 5 needs a person (the session or a challenge blocks every order) > 1 unexpected error >
#: 2 invalid (the site refused a request) > 4 gave up (run the batch again later) > 6 another
#: run has the order (run again when it ended) > 3 not eligible (nothing to do).
EXIT_PRECEDENCE: tuple[int, ...] = (143, 130, 5, 1, 2, 7, 4, 6, 3)


def batch_exit_code(codes: Iterable[int]) -> int:
    """0 when every order succeeded, else the most urgent code by `EXIT_PRECEDENCE`."""
    present = {c for c in codes if c != 0}
    for code in EXIT_PRECEDENCE:
        if code in present:
            return code
    return 1 if present else 0


def describe_exit_code(code: int) -> str:
    """What an exit code of ``retry-dispute run`` means, in one line (the Makefile prints it)."""
    if code in INTERRUPT_EXIT_CODES.values():
        name = next(n for n, c in INTERRUPT_EXIT_CODES.items() if c == code)
        return f"exit code {code}: {Status.INTERRUPTED.meaning} ({name})"
    if code == CASE_OPENED_EXIT_CODE:
        return (
            f"exit code {code} (run --escalate): the run gave up, and support opened a case "
            "(its number is printed); the dispute is not open"
        )
    statuses = [s for s in Status if s.exit_code == code]
    if not statuses:
        return f"exit code {code}: not an exit code of retry-dispute (see README, Exit codes)"
    names = " or ".join(str(s) for s in statuses)
    return f"exit code {code} ({names}): {statuses[0].meaning}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchResult:
    """How a batch ended: every order's outcome in file order, and where the output is."""

    batch_dir: Path
    outcomes: tuple[Outcome, ...]
    elapsed_s: float
    concurrency: int
    exit_code: int
    #: The shared retry budget's figures (`agent.flow.budget.RetryBudget.as_dict`).
    budget: Mapping[str, Any] | None = None
    #: Orders that never ran (the batch was stopped first).
    not_run: tuple[str, ...] = ()
    #: Orders not run because an earlier batch finished them (``--resume``, ``--only-failed``):
    #: their outcome as that batch recorded it (``run_dir`` points into it).
    skipped: tuple[Outcome, ...] = ()
    #: The signal that stopped the batch, if one did.
    interrupted_by: str | None = None
    #: Where and how the batch was made: site, source file, command line, version.
    context: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: With several Playwright servers, each one's figures (`agent.flow.lanes.Lane.as_dict`).
    servers: tuple[Mapping[str, Any], ...] = ()
    #: The batch's own files that could not be written (``summary.json``, ``index.html``).
    unwritten: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # the command line (a --ws-endpoint with a token in it) goes into summary.json, the
        # index and the console's --json: redacted here, once, like an outcome's
        if self.context:
            object.__setattr__(self, "context", MappingProxyType(redact_data(dict(self.context))))


def _order_from_folder(run_dir: Path | None) -> str:
    if run_dir is None:
        return ""
    parts = run_dir.name.split("-", 2)  # <YYYYmmdd>-<HHMMSS>-<order>
    return parts[2] if len(parts) == 3 else run_dir.name


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _opt_float(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None
