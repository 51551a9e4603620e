"""The words a follow says to people: a reading in one line, and how a follow ends.

`reading_line` is the order, the request and where it stands (with the deadline in local time
and how long is left); `ending` turns the last reading into the follow's status, message and
what to do, in plain words.
"""

from __future__ import annotations

from datetime import datetime

from agent.follow.inputs import FollowTarget
from agent.follow.reading import RequestReading
from agent.follow.record import ResponseRecord, deadline_words
from agent.follow.states import FollowStatus, RequestState

__all__ = ["ending", "reading_line"]


def _money(value: object) -> str:
    return f"US ${value}" if value is not None else "an amount"


def reading_line(
    target: FollowTarget, reading: RequestReading, now: datetime, *, deadline: bool = True
) -> str:
    """One line for people: the order, the request, where it stands (and the deadline)."""
    words = reading.state.words
    if reading.state is RequestState.PROPOSED_PARTIAL and reading.proposal is not None:
        words += f" of {_money(reading.proposal)}"
    if reading.requested is not None and reading.state.proposal:
        words += f" (the request asked for {_money(reading.requested)})"
    when = deadline_words(reading.deadline, now)
    tail = f"; deadline {when}" if deadline and when and reading.state.awaits_shopper else ""
    return f"order {target.order_key}, request {reading.request_id}: {words}{tail}"


def ending(
    target: FollowTarget, reading: RequestReading, response: ResponseRecord | None, now: datetime
) -> tuple[FollowStatus, str, str | None]:
    """How a follow that read *reading* last ends: its status, message and hint."""
    status = reading.state.status
    line = reading_line(target, reading, now, deadline=False)
    sent = ""
    if response is not None and response.outcome in ("sent", "already_sent"):
        sent = "your disagreement is on the store's record; "
    if status is FollowStatus.RESOLVED:
        return status, f"{sent}{line}", None
    if status is FollowStatus.OPEN:
        return (
            status,
            f"{sent}{line}; nothing is due from you now",
            ("follow it again later, or keep watching with --watch 1h"),
        )
    if status is FollowStatus.CLOSED:
        return (
            status,
            line,
            (
                "nothing more can be asked on this request; feedback on the seller remains, and "
                "support if the request was closed wrongly"
            ),
        )
    if reading.good_news:
        return (
            status,
            f"good news: {line}; it gives everything asked for",
            (
                "accept it on the site yourself before the deadline (retry-dispute never "
                "accepts a proposal)"
            ),
        )
    return (
        status,
        line,
        (
            "decide on the site before the deadline: accept there yourself if it suits you "
            "(retry-dispute never accepts), or disagree with `retry-dispute follow … --respond "
            "disagree`"
        ),
    )
