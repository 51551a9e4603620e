"""What the support chat says about a run: the folder checked, texts pre-flighted, screenshots."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from agent.errors import InvalidConfig, InvalidField
from agent.outcome import Outcome
from agent.output.held_back import HELD_BACK_WHY, error_screenshot
from agent.support.facts import facts_of, read_run_folder
from agent.support.images import image_batches
from agent.support.preflight import chat_message, fit
from tests.runfolders import BUSY, PLANS, Attempt, Step, Wait, make_run, png_bytes
from tests.support_helpers import converse, mock_chat


def test_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    """A RUN_DIR that does not exist: exit code 2, saying which."""
    with pytest.raises(InvalidConfig, match="does not exist") as caught:
        read_run_folder(tmp_path / "nope")
    assert caught.value.exit_code == 2


def test_a_folder_without_result_json_is_no_run_folder(tmp_path: Path) -> None:
    """A folder without result.json is refused as no run folder."""
    with pytest.raises(InvalidConfig, match=r"is not a run folder \(it has no result\.json\)"):
        read_run_folder(tmp_path)


def test_a_damaged_result_json_is_bad_input(tmp_path: Path) -> None:
    """A result.json that is not JSON: exit 2 saying it could not be read."""
    (tmp_path / "result.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidConfig, match=r"result\.json could not be read"):
        read_run_folder(tmp_path)


@pytest.mark.parametrize("status", ["opened", "already_open"])
def test_a_run_whose_dispute_is_open_has_nothing_to_escalate(tmp_path: Path, status: str) -> None:
    """An opened (or already open) dispute: nothing to escalate, exit 2, the dispute named."""
    run_dir = make_run(tmp_path, status)
    with pytest.raises(
        InvalidConfig,
        match=r"is open \(D-0001\d\d\): nothing to escalate|"
        r"is open \(D-000007\): nothing to escalate",
    ):
        read_run_folder(run_dir)


def test_a_profile_mismatch_is_not_taken_to_support(tmp_path: Path) -> None:
    """A run stopped by our own profile: exit 2 saying so and pointing at ``check``."""
    run_dir = make_run(tmp_path, "error", reason_code="profile_mismatch")
    with pytest.raises(InvalidConfig, match="the site profile does not fit the page") as caught:
        read_run_folder(run_dir)
    assert caught.value.exit_code == 2
    assert "retry-dispute check" in str(caught.value)


def test_a_run_support_cannot_help_with_is_refused(tmp_path: Path) -> None:
    """needs_human (log in yourself) has no support ticket, and no support chat either: exit 2."""
    with pytest.raises(InvalidConfig, match="ended needs_human: a person must log in") as caught:
        read_run_folder(make_run(tmp_path, "needs_human"))
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("status", ["gave_up", "invalid", "ineligible", "error"])
def test_every_run_with_a_support_ticket_can_go_to_support(tmp_path: Path, status: str) -> None:
    """The runs that get a support ticket are the runs support can take."""
    assert str(read_run_folder(make_run(tmp_path, status)).status) == status


def test_a_run_that_gave_up_is_read(tmp_path: Path) -> None:
    """A gave_up run folder is read with its order and attempts."""
    outcome = read_run_folder(make_run(tmp_path, "gave_up", order_id="1002"))
    assert (outcome.order_id, outcome.attempts) == ("1002", 3)


def test_answers_come_from_the_run_folder(tmp_path: Path) -> None:
    """The order (in the opener), when, how many attempts and the error's text, in English."""
    facts = facts_of(Outcome.read(make_run(tmp_path, "gave_up")), mock_chat())
    assert facts.opener == "Hello. I cannot open a dispute for order 1001."
    assert facts.answers["order_number"] == (facts.opener,)
    assert facts.answers["when"] == ("I first saw the error on 2025-11-24 at 03:16:06 UTC.",)
    assert facts.answers["attempts"] == (
        "I tried 3 times, from 2025-11-24 at 03:16:06 UTC to 03:16:24 UTC.",
    )
    assert facts.answers["error_text"] == ('The site said: "System busy, please try again later".',)
    assert facts.story[0].startswith("I made 3 attempts")
    assert all(len(text) <= 300 and text[-1] in ".!?" for text in facts.story)


def test_a_foreign_error_text_is_not_sent_as_is(tmp_path: Path) -> None:
    """A busy text in Russian cannot go to an English chat: a plain sentence says where it is."""
    plan = (Step("order-page"), Attempt("busy", "Система занята, попробуйте позже"))
    run_dir = make_run(tmp_path, "gave_up", plan=plan)
    facts = facts_of(Outcome.read(run_dir), mock_chat())
    assert facts.answers["error_text"] == (
        "The error message is not in English. It is in my screenshots.",
    )
    assert not any("Система" in text for text in (*facts.story, facts.opener))


def test_the_error_screenshot_goes_first_and_batches_keep_the_limit(tmp_path: Path) -> None:
    """The last busy attempt's screenshot first, then run order, at most max_images a message."""
    outcome = Outcome.read(make_run(tmp_path, "gave_up"))
    assert error_screenshot(outcome) == "screenshots/07-attempt-3-busy.png"
    batches = image_batches(outcome, max_images=3, max_bytes=3 * 1024 * 1024)
    names = [[image.name for image in batch] for batch in batches]
    assert names == [
        ["07-attempt-3-busy.png", "01-login-page.png", "02-order-page.png"],
        ["03-dispute-form.png", "04-form-filled.png", "05-attempt-1-busy.png"],
        ["06-attempt-2-busy.png", "08-stopped-gave-up.png"],
    ]
    assert all(image.mime_type == "image/png" for batch in batches for image in batch)


def test_a_screenshot_whose_page_held_a_secret_is_never_attached(tmp_path: Path) -> None:
    """Attempts whose answer echoed a cookie (masked in the text: [redacted]) keep their
    screenshots out of every batch; the chat says which were held back and why."""
    echo = f"{BUSY} (request [redacted])"
    plan = (*PLANS["gave_up"][:4], Attempt("busy", BUSY), Wait(3.1), Attempt("busy", echo))
    run_dir = make_run(tmp_path, "gave_up", plan=plan)
    facts = facts_of(Outcome.read(run_dir), mock_chat())
    assert facts.held_back == ("screenshots/06-attempt-2-busy.png",)
    sent = [image.source for batch in facts.batches for image in batch]
    assert "screenshots/06-attempt-2-busy.png" not in sent
    assert sent[0] == "screenshots/01-login-page.png" and len(sent) == 5
    result, transcript, port, _ = converse(run_dir, {"chat_queue_s": 0})
    assert result.end == "case"
    assert sum(images for _, _, images in port.sent) == 5  # what the chat got: the 5 others
    assert transcript.held_back == [
        {"screenshot": "screenshots/06-attempt-2-busy.png", "why": HELD_BACK_WHY}
    ]
    assert transcript.notes[0]["text"] == (
        f"Screenshot screenshots/06-attempt-2-busy.png is not attached: {HELD_BACK_WHY}."
    )


def test_a_screenshot_over_the_size_limit_is_shrunk_to_fit(tmp_path: Path) -> None:
    """An image above max_image_bytes is re-encoded as a JPEG under the limit, not left out."""
    run_dir = make_run(tmp_path, "gave_up")
    noisy = Image.effect_noise((900, 700), 90).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    (run_dir / "screenshots/07-attempt-3-busy.png").write_bytes(out.getvalue())
    limit = 200_000
    assert len(out.getvalue()) > limit
    [first, *_] = image_batches(Outcome.read(run_dir), max_images=5, max_bytes=limit)
    shrunk = first[0]
    assert (shrunk.name, shrunk.mime_type) == ("07-attempt-3-busy.jpg", "image/jpeg")
    assert len(shrunk.data) <= limit and shrunk.data.startswith(b"\xff\xd8\xff")
    assert shrunk.source == "screenshots/07-attempt-3-busy.png"


def test_a_file_that_is_no_image_is_left_out(tmp_path: Path) -> None:
    """A listed screenshot whose content is not an image is never attached."""
    run_dir = make_run(tmp_path, "gave_up")
    (run_dir / "screenshots/02-order-page.png").write_bytes(b"not a picture")
    batches = image_batches(Outcome.read(run_dir), max_images=10, max_bytes=10**7)
    assert "02-order-page.png" not in [image.name for image in batches[0]]
    assert len(batches[0]) == 7


def test_a_run_without_screenshots_says_so_when_asked(tmp_path: Path) -> None:
    """No screenshot at all: no batch, and the error's screenshot is None."""
    run_dir = make_run(tmp_path, "gave_up")
    data = json.loads((run_dir / "result.json").read_text())
    for path in (run_dir / "screenshots").iterdir():
        path.unlink()
    (run_dir / "result.json").write_text(json.dumps(data))
    outcome = Outcome.read(run_dir)
    assert error_screenshot(outcome) is None
    assert facts_of(outcome, mock_chat()).batches == ()


def test_chat_messages_pass_the_dispute_pre_flight() -> None:
    """Hidden characters cleaned, typographic quotes replaced, a final period; short is fine."""
    assert chat_message("It\u2019s  broken\u200b", max_chars=300) == "It's broken."
    assert chat_message("Yes", max_chars=300) == "Yes."


def test_non_english_is_refused_with_the_reason() -> None:
    """Cyrillic letters are refused before sending, naming the script and the position."""
    with pytest.raises(InvalidField) as caught:
        chat_message("Хром на Linux", max_chars=300)
    assert "non-Latin letters (Cyrillic)" in caught.value.what
    assert "English" in (caught.value.hint or "")


def test_a_long_message_and_a_password_are_refused() -> None:
    """Over the chat's limit, or looking like a secret: refused, saying why."""
    with pytest.raises(InvalidField, match="too long for the chat"):
        chat_message("word " * 70, max_chars=300)
    with pytest.raises(InvalidField, match="looks like a password"):
        chat_message("My password: hunter22", max_chars=300)


def test_fit_cuts_after_sentences_within_the_limit() -> None:
    """A long text is cut at sentence ends; each part is short enough."""
    text = "First sentence here. Second one is a little longer. Third."
    assert fit(text, max_chars=30) == [
        "First sentence here.",
        "Second one is a little longer.",
        "Third.",
    ]
    assert all(len(part) <= 12 for part in fit("a" * 5 + " " + "b" * 30, max_chars=12))


def test_png_helper_is_a_real_png() -> None:
    """The synthetic run's screenshots are PNGs that Pillow reads (the shrink test relies on it)."""
    with Image.open(io.BytesIO(png_bytes())) as picture:
        assert picture.format == "PNG"
