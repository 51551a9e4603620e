"""support-ticket.md and evidence.zip: short plain messages, exact site text, every file."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from agent.outcome import Outcome
from agent.output.advice import ineligible_advice, plain_reason
from agent.output.report import write_report
from agent.output.ticket import (
    EVIDENCE_ZIP,
    MAX_MESSAGE_CHARS,
    build_ticket,
    evidence_files,
    render_ticket,
)
from tests.runfolders import (
    BUSY,
    FAKE_COOKIE,
    INELIGIBLE_EXPLAIN,
    STATUSES,
    TICKET_STATUSES,
    Attempt,
    Step,
    Wait,
    make_run,
)

load_result = Outcome.read

#: The statuses whose run folder gets a ticket (not opened, not "log in first").
FAILED = [s for s in STATUSES if s in TICKET_STATUSES]
FRENCH_BUSY = "Système occupé, veuillez réessayer plus tard"


def messages_of(text: str) -> list[str]:
    """The numbered messages of a ticket's Markdown."""
    section = text.split("## Messages", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for m in re.finditer(r"^\d+\. (.+)$", section, re.MULTILINE)]


def attached_names(text: str) -> list[str]:
    """The file names listed under "Files to attach"."""
    section = text.split("## Files to attach", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- `([^`]+)`", section, re.MULTILINE)


def ticket_text(run_dir: Path) -> str:
    """Write the run's report files and return the ticket's text."""
    write_report(run_dir)
    return (run_dir / "support-ticket.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("status", FAILED)
def test_ticket_names_every_screenshot_and_the_zip(status: str, tmp_path: Path) -> None:
    """Every screenshot of the run is named as an attachment, and so is evidence.zip."""
    run_dir = make_run(tmp_path, status)
    names = attached_names(ticket_text(run_dir))
    shots = [Path(s).name for s in load_result(run_dir).screenshots]
    assert names == [EVIDENCE_ZIP, *shots]


@pytest.mark.parametrize("status", FAILED)
def test_zip_holds_every_file_the_ticket_names(status: str, tmp_path: Path) -> None:
    """evidence.zip holds each named file with the run folder's bytes, and result.json."""
    run_dir = make_run(tmp_path, status)
    names = attached_names(ticket_text(run_dir))
    with zipfile.ZipFile(run_dir / EVIDENCE_ZIP) as archive:
        assert archive.testzip() is None
        members = archive.namelist()
        by_name = {Path(m).name: m for m in members}
        for name in names[1:]:
            assert archive.read(by_name[name]) == (run_dir / "screenshots" / name).read_bytes()
    assert "result.json" in members


@pytest.mark.parametrize("status", FAILED)
def test_zip_never_holds_the_log_the_trace_or_the_session(status: str, tmp_path: Path) -> None:
    """log.jsonl and trace.zip (they hold the session's cookies) stay out of evidence.zip."""
    run_dir = make_run(tmp_path, status)
    write_report(run_dir)
    with zipfile.ZipFile(run_dir / EVIDENCE_ZIP) as archive:
        assert not {"log.jsonl", "trace.zip"} & {Path(m).name for m in archive.namelist()}
        assert all(FAKE_COOKIE.encode() not in archive.read(m) for m in archive.namelist())
    assert FAKE_COOKIE not in (run_dir / "support-ticket.md").read_text(encoding="utf-8")
    assert FAKE_COOKIE not in (run_dir / "report.html").read_text(encoding="utf-8")


def test_ticket_quotes_the_site_text_exactly_and_counts_attempts(tmp_path: Path) -> None:
    """The busy text is quoted as shown, the attempts are counted, first and last times given."""
    text = ticket_text(make_run(tmp_path, "gave_up"))
    messages = messages_of(text)
    assert f'Each time, the site said: "{BUSY}"' in messages
    assert "I made 3 attempts, between 2025-11-24 03:16:06 UTC and 03:16:24 UTC." in messages
    assert any("order 1001" in m for m in messages)


def test_ticket_quotes_each_different_text_with_its_attempts(tmp_path: Path) -> None:
    """Different answers are quoted one by one, accents and all, with their attempts."""
    plan = (
        Step("dispute-form"),
        Attempt("busy", FRENCH_BUSY),
        Wait(2.0),
        Attempt("busy", BUSY),
        Wait(2.0),
        Attempt("busy", FRENCH_BUSY),
    )
    messages = messages_of(ticket_text(make_run(tmp_path, "gave_up", plan=plan)))
    assert f'On attempts 1 and 3, the site said: "{FRENCH_BUSY}"' in messages
    assert f'On attempt 2, the site said: "{BUSY}"' in messages


def test_single_attempt_is_counted_in_the_singular(tmp_path: Path) -> None:
    """One attempt reads "I made 1 attempt, at <time>"."""
    messages = messages_of(ticket_text(make_run(tmp_path, "invalid")))
    assert "I made 1 attempt, at 2025-11-24 03:16:06 UTC." in messages
    assert 'The site said: "Please complete your message"' in messages


@pytest.mark.parametrize("status", FAILED)
def test_messages_are_short_plain_english(status: str, tmp_path: Path) -> None:
    """Each message is one short line, starts with a capital and ends like a sentence."""
    messages = messages_of(ticket_text(make_run(tmp_path, status)))
    assert 5 <= len(messages) <= 10
    for message in messages:
        assert len(message) <= MAX_MESSAGE_CHARS, message
        assert message[0].isupper()
        assert message.endswith((".", "?", '"'))
        assert message.isascii()
    assert messages[0].startswith("Hello.")


@pytest.mark.parametrize("status", FAILED)
def test_ticket_explains_how_to_use_the_chat(status: str, tmp_path: Path) -> None:
    """The ticket says the chat is in English and closes after about three minutes of silence."""
    text = ticket_text(make_run(tmp_path, status))
    assert "English" in text
    assert "three minutes of silence" in text
    assert "one message" in text.lower() or "one at a time" in text


def test_ineligible_ticket_gives_the_reason_and_what_is_still_possible(tmp_path: Path) -> None:
    """An ineligible order's ticket gives the reason in words, feedback and protection advice."""
    run_dir = make_run(tmp_path, "ineligible", order_id="1003")
    text = ticket_text(run_dir)
    assert f"The reason it gives: {INELIGIBLE_EXPLAIN}" in messages_of(text)
    assert "I made 0 attempts" in text
    possible = text.split("## What is still possible", 1)[1]
    assert "feedback for the seller, to warn other buyers" in possible
    assert "extend the buyer protection before it runs out" in possible


def test_ineligible_ticket_quotes_the_order_page_when_known(tmp_path: Path) -> None:
    """When a step recorded the page's own words, the ticket quotes them exactly."""
    page_text = (
        "Buyer protection ended 5 days ago. Disputes can be opened up to 15 days after delivery."
    )
    plan = (Step("order-page"), Step("stopped-ineligible", detail=page_text))
    messages = messages_of(ticket_text(make_run(tmp_path, "ineligible", plan=plan)))
    assert f'The order page says: "{page_text}"' in messages


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("protection_ended", "too late to extend"),
        ("receipt_confirmed", "by mistake"),
        ("proposal_accepted", "proposal promised"),
        (None, "should still be eligible"),
    ],
)
def test_ineligible_advice_fits_the_reason(code: str | None, phrase: str) -> None:
    """Each eligibility reason has its own advice, and every one mentions seller feedback."""
    advice = " ".join(ineligible_advice(code))
    assert phrase in advice
    assert "feedback" in advice


def test_plain_reason_falls_back_on_the_code(tmp_path: Path) -> None:
    """Without a message, the reason code gives the words; without both, a plain default."""
    result = load_result(
        make_run(tmp_path / "a", "ineligible", message="", reason_code="receipt_confirmed")
    )
    assert (
        plain_reason(result)
        == "Receipt of this order was confirmed, and that closed the transaction."
    )
    unknown = load_result(make_run(tmp_path / "b", "ineligible", message="", reason_code=None))
    assert "does not say why" in plain_reason(unknown)


def test_needs_human_writes_no_ticket_for_support(tmp_path: Path) -> None:
    """A login page or a verification is the person's to solve: no ticket asks support to."""
    for name, message in (
        ("a", "the site shows a verification challenge"),
        ("b", "the site's session expired during the run"),
    ):
        run_dir = make_run(tmp_path / name, "needs_human", message=message)
        assert [p.name for p in write_report(run_dir)] == ["report.html"]
        assert not (run_dir / "support-ticket.md").exists()
        assert not (run_dir / EVIDENCE_ZIP).exists()


def test_ticket_without_screenshots_says_so(tmp_path: Path) -> None:
    """A run without any screenshot names no file and does not promise any."""
    run_dir = make_run(tmp_path, "error", plan=())
    text = ticket_text(run_dir)
    assert attached_names(text) == []
    assert "No screenshot was taken" in text
    assert not any("screenshots" in m for m in messages_of(text))
    with zipfile.ZipFile(run_dir / EVIDENCE_ZIP) as archive:
        assert archive.namelist() == ["result.json"]


def test_missing_screenshot_is_neither_named_nor_zipped(tmp_path: Path) -> None:
    """A screenshot whose file is gone is left out of both the ticket and the zip."""
    run_dir = make_run(tmp_path, "gave_up")
    gone = load_result(run_dir).screenshots[2]
    (run_dir / gone).unlink()
    names = attached_names(ticket_text(run_dir))
    assert Path(gone).name not in names
    assert [name for _, name in evidence_files(load_result(run_dir))] == [
        *(f"screenshots/{n}" for n in names[1:]),
        "result.json",
    ]


def test_dispute_message_is_quoted_for_the_operator(tmp_path: Path) -> None:
    """The user's dispute message is kept apart, as a quote, line by line."""
    run_dir = make_run(tmp_path, "gave_up", request_message="Line one.\nLine two.")
    ticket = build_ticket(load_result(run_dir))
    text = render_ticket(ticket)
    assert "> Line one.\n> Line two." in text
    assert all("Line one" not in m for m in ticket.messages)


def test_partial_refund_and_return_are_described(tmp_path: Path) -> None:
    """The request sentence says what the buyer asks for."""
    partial = load_result(
        make_run(
            tmp_path / "a",
            "gave_up",
            request={
                "received": "yes",
                "reason": "poor_quality",
                "refund": "partial",
                "amount": "5.30",
            },
        )
    )
    ret = load_result(
        make_run(
            tmp_path / "b",
            "gave_up",
            request={"received": "yes", "reason": "damaged", "solution": "return"},
        )
    )
    wanted = "My problem: I received the item (reason: poor quality). "
    assert wanted + "I ask for a partial refund of 5.30." in build_ticket(partial).messages
    assert any("I want to return it" in m for m in build_ticket(ret).messages)


HOSTILE_SITE_TEXT = (
    "System busy <img src=x onerror=alert(1)> **now** [help](http://evil.example) `rm -rf` "
    "_soon_ ~~gone~~ | a | &lt; \\ \x1b]0;pwned\x07\x1b[2J done"
)
#: Characters that would be markup in Markdown, wherever they stand.
MARKUP = "\\`*_[]<>&~|"


def _unescape(line: str) -> str:
    return re.sub(r"\\(.)", r"\1", line)


def test_site_text_is_quoted_as_plain_text_never_as_markup(tmp_path: Path) -> None:
    """Markup in what the site said is escaped, control characters shown as codes: words only."""
    run_dir = make_run(
        tmp_path,
        "gave_up",
        plan=(
            Step("order-page"),
            Attempt("busy", HOSTILE_SITE_TEXT),
            Step("stopped-gave_up"),
        ),
    )
    [quote] = [m for m in messages_of(ticket_text(run_dir)) if "site said" in m]
    unescaped = quote.replace("\\\\", "\x00")  # an escaped backslash is one character
    for i, ch in enumerate(unescaped):
        if ch in MARKUP and ch != "\\":
            assert unescaped[i - 1] == "\\", (ch, quote)
    assert "\x1b" not in quote and "\x07" not in quote
    assert "U+001B\\]0;pwnedU+0007U+001B\\[2J done" in quote
    shown = HOSTILE_SITE_TEXT.replace("\x1b", "U+001B").replace("\x07", "U+0007")
    assert _unescape(quote) == f'The site said: "{" ".join(shown.split())}"'


def test_the_dispute_message_is_quoted_as_plain_text_too(tmp_path: Path) -> None:
    """The person's own message, quoted for the operator, is never rendered as markup either."""
    run_dir = make_run(tmp_path, "gave_up", request_message="It came <b>broken</b> *twice*.")
    text = ticket_text(run_dir)
    assert "> It came \\<b\\>broken\\</b\\> \\*twice\\*." in text


def test_bidirectional_overrides_in_site_text_are_shown_as_codes(tmp_path: Path) -> None:
    """A right-to-left override or isolate in what the site said is quoted as its code."""
    run_dir = make_run(
        tmp_path,
        "gave_up",
        plan=(
            Step("order-page"),
            Attempt("busy", "busy \u202eevil\u2066x\u2069 now"),
            Step("stopped-gave_up"),
        ),
    )
    [quote] = [m for m in messages_of(ticket_text(run_dir)) if "site said" in m]
    assert not any(ch in quote for ch in "\u202e\u2066\u2069"), quote
    assert "busy U+202Eevil" in quote and "U+2066x" in quote and "U+2069 now" in quote
