"""The errors retry-dispute raises: one tree, each with its exit code, structured context and a fix.

::

    RetryDisputeError              exit 1  anything this package raises on purpose
    ├── InvalidRequest             exit 2  what the user gave is wrong; nothing was sent
    │   ├── InvalidField                   one request field (context: field)
    │   ├── InvalidEvidence                an evidence file, or the set of them (context: path)
    │   └── InvalidConfig                  a profile, scenario, TOML file, flag or site URL
    │       ├── OutputUnwritable               --out cannot hold run folders (a file, full, ...)
    │       └── JournalUnavailable             the journal cannot be used (corrupt, locked, ...)
    ├── NotEligible                exit 3  the order page says why no dispute (context: reason)
    ├── GaveUp                     exit 4  still busy when the attempts or the deadline ran out
    │   └── CheckFailed                    the order page could not be read to check a submission
    ├── SubmissionUnconfirmed      exit 7  a submission was still on its way at the deadline
    ├── OrderClaimed               exit 6  another run holds this order's claim; nothing sent
    │   └── ClaimLost                      the claim was taken over before a submission
    ├── NeedsHuman                 exit 5  a person has to act in a browser
    │   ├── LoginRequired                  not logged in
    │   ├── SessionExpired                 the session ended during the run
    │   └── ChallengeShown                 a verification challenge ("slide to verify")
    ├── SiteError                  exit 1  the site did something the agent cannot handle
    │   └── UnexpectedPage                 an answer the agent cannot classify
    │       └── ProfileMismatch                an element of the profile did not show (no ticket)
    └── BrowserNotFound            exit 1  no Chromium or Chrome could be found or installed

``str(err)`` is always one line, ``what is wrong; how to fix it``, prefixed by the field (for
`InvalidField` and `InvalidEvidence`) and by ``context["source"]`` (a file name) when set.
``err.context`` holds the same facts as flat, JSON-friendly fields for logs and ``result.json``.
A busy or ambiguous answer is not an error: the submit loop (`agent.flow.loop`) decides with
values, and reaches the user only as `GaveUp`, `CheckFailed` or `SubmissionUnconfirmed`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from os import PathLike
from typing import ClassVar

__all__ = [
    "ORDER_NOT_FOUND",
    "PROFILE_MISMATCH",
    "BrowserNotFound",
    "ChallengeShown",
    "CheckFailed",
    "ClaimLost",
    "GaveUp",
    "InvalidConfig",
    "InvalidEvidence",
    "InvalidField",
    "InvalidRequest",
    "JournalUnavailable",
    "LoginRequired",
    "NeedsHuman",
    "NotEligible",
    "OrderClaimed",
    "OutputUnwritable",
    "ProfileMismatch",
    "RetryDisputeError",
    "SessionExpired",
    "SiteError",
    "SubmissionUnconfirmed",
    "UnexpectedPage",
]


#: Unicode categories that would break a message over lines: controls, line/paragraph separators.
_BREAKS = frozenset({"Cc", "Zl", "Zp"})


def _one_line(text: str) -> str:
    """Return *text* on one line: line breaks and controls become spaces, space runs collapse."""
    cleaned = "".join(" " if unicodedata.category(ch) in _BREAKS else ch for ch in text)
    return " ".join(part for part in cleaned.split(" ") if part)


class RetryDisputeError(Exception):
    """Base of every error retry-dispute raises on purpose.

    *what* says what is wrong, *hint* how to fix it; *context* carries structured fields
    (JSON-friendly values) for logs and results.
    """

    exit_code: ClassVar[int] = 1
    #: The hint used when the caller gives none.
    default_hint: ClassVar[str | None] = None

    what: str
    hint: str | None
    context: dict[str, object]

    def __init__(
        self,
        what: str,
        *,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        self.what = what
        self.hint = hint if hint is not None else self.default_hint
        self.context = dict(context or {})
        super().__init__(what)

    def _subject(self) -> tuple[str, ...]:
        """Return the prefixes of the message line: the source file, when known."""
        source = self.context.get("source")
        return (str(source),) if source is not None else ()

    def __str__(self) -> str:
        line = ": ".join(_one_line(part) for part in (*self._subject(), self.what))
        hint = _one_line(self.hint or "")
        return f"{line}; {hint}" if hint else line


class InvalidRequest(RetryDisputeError):
    """What the user gave is wrong (request, files, flags, profile, session file, site URL)."""

    exit_code: ClassVar[int] = 2


class InvalidField(InvalidRequest):
    """One request field is wrong; ``context["field"]`` names it."""

    field: str

    def __init__(
        self,
        what: str,
        *,
        field: str,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(what, hint=hint, context={"field": field, **(context or {})})
        self.field = field

    def _subject(self) -> tuple[str, ...]:
        return (*super()._subject(), self.field)


class InvalidEvidence(InvalidRequest):
    """An evidence file, or the set of them, would be refused by the site."""

    path: str | None

    def __init__(
        self,
        what: str,
        *,
        path: str | PathLike[str] | None = None,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        shown = None if path is None else str(path)
        super().__init__(
            what, hint=hint, context={"field": "evidence", "path": shown, **(context or {})}
        )
        self.path = shown

    def _subject(self) -> tuple[str, ...]:
        return (*super()._subject(), "evidence")


class InvalidConfig(InvalidRequest):
    """A profile, scenario, request or policy TOML file, or a flag, is wrong."""

    key: str | None

    def __init__(
        self,
        what: str,
        *,
        key: str | None = None,
        source: str | PathLike[str] | None = None,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        extra: dict[str, object] = {}
        if key is not None:
            extra["key"] = key
        if source is not None:
            extra["source"] = str(source)
        super().__init__(what, hint=hint, context={**extra, **(context or {})})
        self.key = key


def _os_reason(exc: BaseException | str) -> str:
    """An OS error as a few words (``no space left on device``), else its text."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


class OutputUnwritable(InvalidConfig):
    """Run folders cannot be written where --out says (a file, no permission, a full disk)."""

    def __init__(self, out_dir: str | PathLike[str], reason: BaseException | str) -> None:
        super().__init__(
            f"cannot write run folders in {out_dir} ({_os_reason(reason)})",
            key="out",
            hint="pass --out a folder you can write to, on a disk with free space",
            context={"out_dir": str(out_dir)},
        )


class JournalUnavailable(InvalidConfig):
    """The journal (the state folder's SQLite file) cannot be opened, read or written."""

    def __init__(self, path: str | PathLike[str], what: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"the journal {path} {what}",
            key="state_dir",
            hint=hint or "pass --state-dir a folder you can write to, on a disk with free space",
            context={"journal": str(path)},
        )


class NotEligible(RetryDisputeError):
    """The order page says no dispute can be opened; ``context["reason"]`` says why."""

    exit_code: ClassVar[int] = 3
    default_hint: ClassVar[str | None] = (
        "the site will not open a dispute for this order; if that is wrong, "
        "contact the marketplace's support with the run's screenshots"
    )

    reason: str
    order_id: str | None

    def __init__(
        self,
        reason: str,
        *,
        order_id: str | None = None,
        code: str | None = None,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        order = f"order {order_id}" if order_id else "the order"
        what = f"{order} is not eligible for a dispute: {reason.strip().rstrip('.')}"
        super().__init__(
            what,
            hint=hint,
            context={"reason": reason, "order_id": order_id, "code": code, **(context or {})},
        )
        self.reason = reason
        self.order_id = order_id


class GaveUp(RetryDisputeError):
    """The site was still busy when the attempts or the deadline ran out."""

    exit_code: ClassVar[int] = 4
    default_hint: ClassVar[str | None] = (
        "try again later, or allow more with --max-attempts and --deadline"
    )

    attempts: int
    elapsed_s: float
    last_answer: str

    def __init__(
        self,
        *,
        attempts: int,
        elapsed_s: float,
        last_answer: str,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        noun = "attempt" if attempts == 1 else "attempts"
        what = (
            f"gave up after {attempts} {noun} in {elapsed_s:.0f} s: "
            f'the site still answered "{last_answer}"'
        )
        super().__init__(
            what,
            hint=hint,
            context={
                "attempts": attempts,
                "elapsed_s": elapsed_s,
                "last_answer": last_answer,
                **(context or {}),
            },
        )
        self.attempts = attempts
        self.elapsed_s = elapsed_s
        self.last_answer = last_answer


class CheckFailed(GaveUp):
    """After an answer that did not prove anything, the order page could not be read to check
    whether the submission opened the dispute: nothing is sent blindly, the run stops."""

    default_hint: ClassVar[str | None] = (
        "run again later: the next run reads the order page before it sends anything"
    )

    def __init__(
        self,
        *,
        attempts: int,
        elapsed_s: float,
        last_answer: str,
        why: str,
        hint: str | None = None,
    ) -> None:
        super().__init__(
            attempts=attempts,
            elapsed_s=elapsed_s,
            last_answer=last_answer,
            hint=hint,
            context={"why": why},
        )
        self.what = (
            f'stopped after attempt {attempts}: the site answered "{last_answer}", and the '
            f"order page could not be read to check whether that opened the dispute ({why}); "
            "nothing was sent again"
        )
        self.args = (self.what,)


class SubmissionUnconfirmed(RetryDisputeError):
    """A submission's request had not ended when the run's deadline came: it may still reach
    the site. It is never followed by a resend; the journal keeps it open, so the next run
    waits for it before it sends anything."""

    exit_code: ClassVar[int] = 7
    default_hint: ClassVar[str | None] = (
        "run the same command again later: it reads the order page first, and waits for this "
        "submission before sending anything"
    )


class OrderClaimed(RetryDisputeError):
    """Another run (this machine's or another's, same state folder) is working on this order.

    Nothing was sent: two runs on one order could open two disputes.
    """

    exit_code: ClassVar[int] = 6
    default_hint: ClassVar[str | None] = (
        "wait for the other run to end, then run again (a dispute it opened shows as already open)"
    )


class ClaimLost(OrderClaimed):
    """This run's claim on the order was taken over (it looked stale) before a submission."""

    default_hint: ClassVar[str | None] = (
        "another run took the order over; run again when it has ended"
    )


class NeedsHuman(RetryDisputeError):
    """A person has to act in a browser before the agent can go on."""

    exit_code: ClassVar[int] = 5
    #: The *what* used when the caller gives none.
    default_what: ClassVar[str] = "a person has to act in the browser"
    default_hint: ClassVar[str | None] = (
        "log in with `retry-dispute login --site URL --save-session FILE` "
        "and run again with --storage-state FILE"
    )

    def __init__(
        self,
        what: str | None = None,
        *,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(what or self.default_what, hint=hint, context=context)


class LoginRequired(NeedsHuman):
    """The site asks to log in."""

    default_what: ClassVar[str] = "not logged in to the site"
    default_hint: ClassVar[str | None] = (
        "log in with `retry-dispute login --site URL --save-session FILE` and pass "
        "--storage-state FILE, or set RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD"
    )


class SessionExpired(NeedsHuman):
    """The session ended during the run."""

    default_what: ClassVar[str] = "the site's session expired during the run"


class ChallengeShown(NeedsHuman):
    """The site shows a verification challenge a person must solve."""

    default_what: ClassVar[str] = "the site shows a verification challenge"
    default_hint: ClassVar[str | None] = (
        "solve it in a browser (`retry-dispute login --site URL --save-session FILE`), "
        "then run again with --storage-state FILE"
    )


class SiteError(RetryDisputeError):
    """The site did something the agent cannot handle."""

    exit_code: ClassVar[int] = 1


class UnexpectedPage(SiteError):
    """The site answered with a page the agent cannot classify."""

    default_hint: ClassVar[str | None] = (
        "check the run's screenshots; if the site changed, update its profile (--profile)"
    )

    url: str | None

    def __init__(
        self,
        what: str = "the site showed a page the agent does not recognise",
        *,
        url: str | None = None,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(what, hint=hint, context={"url": url, **(context or {})})
        self.url = url


#: The reason code of a run stopped by `ProfileMismatch` (``result.json``'s ``reason_code``).
PROFILE_MISMATCH = "profile_mismatch"
#: The reason code of a run whose order the site does not show (HTTP 404 on a page of the site):
#: a wrong order id or the session of another account, ours to fix (no support ticket).
ORDER_NOT_FOUND = "order_not_found"


class ProfileMismatch(UnexpectedPage):
    """An element the profile names did not show, or did not respond, where the flow needs it.

    The profile (a local configuration) does not fit the page: the run gets no marketplace
    support ticket, and the hint points at ``retry-dispute check``.
    """

    def __init__(
        self,
        what: str,
        *,
        url: str | None = None,
        hint: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(
            what, url=url, hint=hint, context={**(context or {}), "code": PROFILE_MISMATCH}
        )


class BrowserNotFound(RetryDisputeError):
    """No Chromium or Chrome could be found or installed; the hint says what to install."""

    exit_code: ClassVar[int] = 1
