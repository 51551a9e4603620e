"""The chat's record: support-chat.json and .md, with times, senders, attachments, no secret."""

from __future__ import annotations

import io
import json
from pathlib import Path

from agent.redaction import add_secret
from agent.support.person import TerminalPerson
from agent.support.transcript import CHAT_JSON, CHAT_MD, Attachment, Transcript, read_chat
from tests.support_helpers import FakeClock


def _transcript(clock: FakeClock) -> Transcript:
    transcript = Transcript(clock=clock, wall=clock.wall)
    transcript.queued(3)
    clock.now += 4
    transcript.message("operator", "Please send screenshots of the error.")
    clock.now += 1.5
    shot = Attachment(
        name="07-attempt-3-busy.png",
        type="image/png",
        size=1234,
        source="screenshots/07-attempt-3-busy.png",
    )
    transcript.message(
        "customer", "Here are my screenshots.", why="screenshots", attachments=(shot,)
    )
    transcript.screenshots.append("screenshots/09-chat-screenshots.png")
    return transcript


def test_the_json_holds_messages_senders_times_and_attachments(tmp_path: Path) -> None:
    """support-chat.json: how it ended, then each message with its sender, time and images."""
    clock = FakeClock()
    _transcript(clock).write(
        tmp_path,
        {
            "order_id": "1001",
            "end": "case",
            "exit_code": 0,
            "case_number": "CASE-100001",
            "message": "case",
        },
    )
    data = read_chat(tmp_path)
    assert data is not None
    assert (data["end"], data["case_number"], data["exit_code"]) == ("case", "CASE-100001", 0)
    assert data["queue"] == [{"at": "2025-11-24T04:00:00.000Z", "t": 0.0, "position": 3}]
    first, second = data["messages"]
    assert (first["sender"], first["at"], first["t"]) == (
        "operator",
        "2025-11-24T04:00:04.000Z",
        4.0,
    )
    assert second["attachments"] == [
        {
            "name": "07-attempt-3-busy.png",
            "type": "image/png",
            "size": 1234,
            "source": "screenshots/07-attempt-3-busy.png",
        }
    ]
    assert data["screenshots"] == ["screenshots/09-chat-screenshots.png"]


def test_the_markdown_is_readable_with_times(tmp_path: Path) -> None:
    """support-chat.md: the result line, then one line per message with its UTC time."""
    clock = FakeClock()
    _transcript(clock).write(
        tmp_path,
        {
            "order_id": "1001",
            "end": "case",
            "exit_code": 0,
            "case_number": "CASE-100001",
            "message": "support opened case CASE-100001",
        },
    )
    text = (tmp_path / CHAT_MD).read_text(encoding="utf-8")
    assert text.startswith("# Support chat: order 1001\n")
    assert "Case number: **CASE-100001**." in text
    assert "- `04:00:04 UTC` **Support**: Please send screenshots of the error." in text
    assert "- `04:00:05 UTC` **You**: Here are my screenshots. _(screenshots)_" in text
    assert "  - attached `07-attempt-3-busy.png` (image/png, 1234 bytes" in text
    assert "Waited in the queue 0 s (positions 3)." in text


def test_no_cookie_or_password_is_written(tmp_path: Path) -> None:
    """A known secret and a password-looking pair are masked in both files."""
    add_secret("s3ssion-cookie-value")
    clock = FakeClock()
    transcript = Transcript(clock=clock, wall=clock.wall)
    transcript.message("operator", "Your cookie is s3ssion-cookie-value, right?")
    transcript.message("customer", "password: letmein99")
    transcript.note("Set-Cookie: sid=abcdef")
    transcript.write(tmp_path, {"order_id": "1001", "message": "token=abc123"})
    for name in (CHAT_JSON, CHAT_MD):
        text = (tmp_path / name).read_text(encoding="utf-8")
        for secret in ("s3ssion-cookie-value", "letmein99", "abcdef", "abc123"):
            assert secret not in text, (name, secret)
        assert "[redacted]" in text


def test_a_damaged_record_reads_as_none(tmp_path: Path) -> None:
    """read_chat never raises: no file or bad JSON is None."""
    assert read_chat(tmp_path) is None
    (tmp_path / CHAT_JSON).write_text("[1, 2", encoding="utf-8")
    assert read_chat(tmp_path) is None
    (tmp_path / CHAT_JSON).write_text(json.dumps([1]), encoding="utf-8")
    assert read_chat(tmp_path) is None


def test_the_terminal_person_reads_lines_without_blocking() -> None:
    """Typed lines arrive through poll(); at the end of input nobody is present any more."""
    shown = io.StringIO()
    person = TerminalPerson(input=io.StringIO("Chromium.\n\n"), output=shown)
    assert person.poll() is None  # nothing is read before a question is asked
    person.ask("Which browser do you use?", left_s=171.4)
    assert person._reader is not None
    person._reader.join(timeout=5)
    assert [person.poll(), person.poll(), person.poll()] == ["Chromium.", "", None]
    assert not person.present
    assert "The operator asks: Which browser do you use?" in shown.getvalue()
    assert "about 171 s before the chat would close" in shown.getvalue()


def test_the_operators_question_cannot_drive_the_terminal_or_show_a_secret() -> None:
    """A question with a window title, a clear-screen, a right-to-left override and a secret:
    the terminal gets them as visible escapes and [redacted], never raw."""
    from agent.redaction import add_secret, forget_secrets, known_secrets

    kept = known_secrets()
    add_secret("pw-echoed-by-support-42")
    try:
        shown = io.StringIO()
        person = TerminalPerson(input=io.StringIO(""), output=shown)
        person.ask(
            "\x1b]0;owned\x07\x1b[2JWhich \u202ebrowser? You typed pw-echoed-by-support-42",
            left_s=60,
        )
        person.tell("Not sent: \x1b[31mred\x1b[0m")
    finally:
        forget_secrets(kept)
    out = shown.getvalue()
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "pw-echoed-by-support-42" not in out
    assert (
        "The operator asks: \\x1b]0;owned\\x07\\x1b[2JWhich \\u202ebrowser? You typed [redacted]"
        in out
    )
    assert "Not sent: \\x1b[31mred\\x1b[0m" in out


def test_the_report_shows_the_conversation(tmp_path: Path) -> None:
    """report.html gains the chat: the result, each message with its sender and attachments."""
    from agent.output.report import write_report
    from tests.runfolders import make_run

    run_dir = make_run(tmp_path, "gave_up")
    clock = FakeClock()
    _transcript(clock).write(
        run_dir,
        {
            "order_id": "1001",
            "end": "case",
            "exit_code": 0,
            "case_number": "CASE-100001",
            "message": "support opened case CASE-100001",
        },
    )
    write_report(run_dir)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-testid="support-chat" data-end="case"' in html
    assert '<span class="mono" data-testid="chat-case-number">CASE-100001</span>' in html
    assert html.count('data-testid="chat-message"') == 2
    assert '<li data-testid="chat-attachment">07-attempt-3-busy.png (image/png, 1234 bytes)' in html
    assert '<a href="support-chat.md" class="mono">support-chat.md</a>' in html


def test_a_damaged_record_never_breaks_the_report(tmp_path: Path) -> None:
    """support-chat.json with odd values: the report is still written, the chat shown as it can."""
    from agent.output.report import write_report
    from tests.runfolders import make_run

    run_dir = make_run(tmp_path, "gave_up")
    (run_dir / CHAT_JSON).write_text(json.dumps({"messages": [{"text": "hi"}, 3, None]}))
    write_report(run_dir)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-testid="support-chat" data-end=""' in html
    assert html.count('data-testid="chat-message"') == 1


def test_after_a_question_for_a_person_the_report_says_so_not_paste_the_ticket(
    tmp_path: Path,
) -> None:
    """A chat that ended on a question only the person can answer: the report's next steps
    headline the question and the command to answer it, not "paste the ticket"."""
    from agent.output.report import write_report
    from tests.runfolders import make_run

    run_dir = make_run(tmp_path, "gave_up")
    question = "Which browser do you use?"
    Transcript(clock=FakeClock()).write(
        run_dir,
        {
            "order_id": "1001",
            "end": "person",
            "exit_code": 5,
            "case_number": None,
            "question": question,
            "message": f"the operator asked a question only you can answer: {question}",
        },
    )
    write_report(run_dir)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    steps = html.split('data-testid="next-steps"', 1)[1].split("</section>", 1)[0]
    assert f"Support asked a question only you can answer: &#34;{question}&#34;" in steps
    assert f"retry-dispute support {run_dir}" in steps
    assert "paste the messages" not in steps
    assert 'data-testid="case-headline"' not in html
