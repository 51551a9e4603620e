"""The screenshots a person must not share: their page showed a secret the text hid.

The run masks a secret (a cookie, a password, a token) in every text it reads from a page (a
step's or an attempt's detail, the site's last answer, the message it stopped with:
``[redacted]``); a screenshot of that page still shows it. Such a screenshot stays in the run
folder (0600, for the person) but goes into nothing made to be shared: not evidence.zip, not
the report's pictures, not the ticket's files, not the support chat.
"""

from __future__ import annotations

from agent.outcome import Outcome
from agent.output.run_folder import attempt_entries, present_screenshots
from agent.redaction import REDACTED

__all__ = ["HELD_BACK_WHY", "error_screenshot", "secret_screenshots"]

#: Why a screenshot is never shared.
HELD_BACK_WHY = (
    "the page it shows held a secret (a cookie, a password or a token, masked in the run's "
    "text), which a picture cannot mask"
)


def error_screenshot(outcome: Outcome) -> str | None:
    """The screenshot that shows the error: the last failed attempt's, else the stopping step's."""
    present = set(present_screenshots(outcome))
    for entry in reversed(attempt_entries(outcome)):
        if entry.outcome != "opened" and entry.screenshot in present:
            return entry.screenshot
    for entry in reversed(outcome.timeline):
        stopped = entry.kind == "step" and entry.name.startswith("stopped-")
        if stopped and entry.screenshot in present:
            return entry.screenshot
    shots = present_screenshots(outcome)
    return shots[-1] if shots else None


def secret_screenshots(outcome: Outcome) -> tuple[str, ...]:
    """The screenshots whose page text held a secret: never shared.

    The run masked the secret in the text it read from the page (a step's or an attempt's
    detail, the site's last answer, the message it stopped with: ``[redacted]``); the screenshot
    taken of that page still shows it.
    """
    held = [
        entry.screenshot
        for entry in outcome.timeline
        if entry.screenshot and REDACTED in (entry.detail or "")
    ]
    if REDACTED in (outcome.last_answer or "") + (outcome.message or ""):
        attempts = [e.screenshot for e in attempt_entries(outcome) if e.screenshot]
        held += attempts[-1:]
        first = error_screenshot(outcome)
        held += [first] if first else []
    return tuple(dict.fromkeys(held))
