"""A stop asked from outside a run: the signal (Ctrl-C, SIGTERM) the command line received.

The command line sets `StopRequest.signal` and cancels the run's task; the run then records an
``interrupted`` outcome saying whether a submission may have reached the site (the journal knows)
and returns it, instead of letting the cancellation through: the stop was asked for. A task
cancelled with no stop request (a library caller's own cancel) still records its outcome, then
lets the cancellation through.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SIGNAL_WORDS", "StopRequest", "interruption_text"]

#: How people name each signal.
SIGNAL_WORDS = {"SIGINT": "Ctrl-C", "SIGTERM": "SIGTERM"}


@dataclass(slots=True)
class StopRequest:
    """Set by the command line when a signal asks the run to stop."""

    #: ``"SIGINT"`` or ``"SIGTERM"`` once a signal arrived, else None.
    signal: str | None = None

    @property
    def requested(self) -> bool:
        return self.signal is not None

    @property
    def words(self) -> str:
        """The signal as people say it (``Ctrl-C``), or ``cancelled`` when none."""
        return SIGNAL_WORDS.get(self.signal or "", self.signal or "cancelled")


def interruption_text(stop: str, *, attempts: int, in_flight: bool) -> tuple[str, str]:
    """What an interrupted run says happened, and what to do: (message, hint).

    *in_flight*: a submission was sent and its answer not read (the journal holds its intent),
    so the dispute may exist; the next run reconciles before it sends anything.
    """
    if in_flight:
        return (
            f"stopped by {stop} during attempt {attempts}: the form was sent and no answer "
            "was read, so the dispute may have been opened",
            "run the same command again: the journal remembers this submission, and the next "
            "run reads the order page before it sends anything (no second dispute)",
        )
    if attempts:
        noun = "attempt" if attempts == 1 else "attempts"
        return (
            f"stopped by {stop} after {attempts} {noun}; no submission was on its way: the "
            "site had answered every one",
            "run the same command again: it checks the order page before it sends anything",
        )
    return (
        f"stopped by {stop} before the form was sent: nothing reached the site",
        "run the same command again",
    )
