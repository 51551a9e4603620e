"""The pre-flight: every normalisation and every refusal, without a browser."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from agent.errors import InvalidConfig, InvalidEvidence, InvalidField, InvalidRequest
from agent.request import (
    MESSAGE_MAX_CHARS,
    MESSAGE_MIN_CHARS,
    NOT_RECEIVED_REASONS,
    RECEIVED_REASONS,
    REQUEST_KEYS,
    DisputeRequest,
    EvidenceFile,
    EvidenceRules,
    Normalisation,
    PreparedRequest,
    build_request,
    check_evidence,
    check_message,
    load_request_toml,
    normalise_amount,
    normalise_message,
    request_from_mapping,
    sniff_format,
)
from mock_site.testing import SAMPLE_JPEG, SAMPLE_PNG

MIB = 1024 * 1024

# Whole tiny pictures (photos are decoded), and the first bytes of the other formats.
JPEG = SAMPLE_JPEG
PNG = SAMPLE_PNG
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00"
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00"
MOV_OLD = b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
TEXT = b"just some notes, not a photo\n"

MESSAGE = "The item arrived broken."


def one_line(err: BaseException) -> str:
    """Return the error's message after checking it is one line."""
    text = str(err)
    assert "\n" not in text
    assert "\r" not in text
    return text


def media(folder: Path, name: str, head: bytes, *, size: int | None = None) -> Path:
    """Write a tiny file starting with *head*, made sparse up to *size* bytes when given."""
    path = folder / name
    path.write_bytes(head)
    if size is not None:
        os.truncate(path, size)
    return path


# --- message normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "what"),
    [
        ("\u00a0", "hidden space replaced with a space"),
        ("\u2000", "hidden space replaced with a space"),
        ("\u2009", "hidden space replaced with a space"),
        ("\u200a", "hidden space replaced with a space"),
        ("\u202f", "hidden space replaced with a space"),
        ("\u205f", "hidden space replaced with a space"),
        ("\u3000", "hidden space replaced with a space"),
    ],
)
def test_hidden_spaces_become_spaces(char: str, what: str) -> None:
    """Each hidden space becomes a plain space, reported with the character it replaced."""
    text, changes = normalise_message(f"The item{char}arrived broken.")
    assert text == "The item arrived broken."
    assert changes == [Normalisation("message", what, char, " ")]


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_are_removed(char: str) -> None:
    """Each zero-width character is removed and reported."""
    text, changes = normalise_message(f"The item arr{char}ived broken.")
    assert text == "The item arrived broken."
    assert changes == [Normalisation("message", "invisible character removed", char, "")]


def test_soft_hyphen_is_removed() -> None:
    """A soft hyphen is removed and reported."""
    text, changes = normalise_message("The item arr\u00adived broken.")
    assert text == "The item arrived broken."
    assert changes == [Normalisation("message", "soft hyphen removed", "\u00ad", "")]


def test_typographic_quotes_become_ascii() -> None:
    """Typographic quotes become ASCII quotes, one report per distinct character."""
    raw = "It\u2019s \u201cnew\u201d, \u201ebroken\u201d, \u2018so\u2019 \u201atold\u201b."
    text, changes = normalise_message(raw)
    assert text == "It's \"new\", \"broken\", 'so' 'told'."
    assert [(c.before, c.after) for c in changes] == [
        ("\u2019", "'"),
        ("\u201c", '"'),
        ("\u201d", '"'),
        ("\u201e", '"'),
        ("\u2018", "'"),
        ("\u201a", "'"),
        ("\u201b", "'"),
    ]
    assert {c.what for c in changes} == {"typographic quote replaced"}


def test_dashes_and_ellipsis_become_ascii() -> None:
    """En and em dashes become hyphens and the ellipsis three periods."""
    text, changes = normalise_message("It broke \u2013 twice \u2014 and then\u2026")
    assert text == "It broke - twice - and then..."
    assert changes == [
        Normalisation("message", "dash replaced with a hyphen", "\u2013", "-"),
        Normalisation("message", "dash replaced with a hyphen", "\u2014", "-"),
        Normalisation("message", "ellipsis replaced with three periods", "\u2026", "..."),
    ]


def test_whitespace_runs_are_collapsed_and_trimmed() -> None:
    """Runs of spaces, tabs and line breaks become one space and the ends are trimmed."""
    raw = "  The item\n\narrived\t  broken.  "
    text, changes = normalise_message(raw)
    assert text == "The item arrived broken."
    assert changes == [
        Normalisation(
            "message", "whitespace collapsed and trimmed", raw, "The item arrived broken."
        ),
    ]


def test_final_period_is_added() -> None:
    """A message that does not end a sentence gets a final period."""
    text, changes = normalise_message("The item arrived broken")
    assert text == "The item arrived broken."
    assert changes == [
        Normalisation(
            "message", "final period added", "The item arrived broken", "The item arrived broken."
        )
    ]


@pytest.mark.parametrize("ending", [".", "!", "?"])
def test_no_period_after_an_ending(ending: str) -> None:
    """A message ending with a period, an exclamation or a question mark is left alone."""
    assert normalise_message(f"Where is my parcel{ending}") == (f"Where is my parcel{ending}", [])


def test_accents_are_combined() -> None:
    """A letter followed by a combining accent becomes the accented letter (NFC)."""
    text, changes = normalise_message("The cafe\u0301 mug arrived broken.")
    assert text == "The caf\u00e9 mug arrived broken."
    assert [c.what for c in changes] == ["accents combined (Unicode NFC)"]


def test_clean_message_is_unchanged() -> None:
    """A message the site accepts as is comes back unchanged, with no report."""
    assert normalise_message(MESSAGE) == (MESSAGE, [])


def test_empty_message_gets_no_period() -> None:
    """An empty message stays empty: the length check refuses it."""
    squeezed = Normalisation("message", "whitespace collapsed and trimmed", "   ", "")
    assert normalise_message("   ") == ("", [squeezed])


def test_normalisation_as_one_line() -> None:
    """A normalisation prints as one line, with its values when they are short."""
    assert str(Normalisation("amount", "decimal comma replaced with a point", "5,30", "5.30")) == (
        'amount: decimal comma replaced with a point ("5,30" -> "5.30")'
    )
    assert str(Normalisation("message", "invisible character removed", "\u200b", "")) == (
        'message: invisible character removed (U+200B -> "")'
    )
    long = "The item arrived broken and does not work"
    assert str(Normalisation("message", "final period added", long, long + ".")) == (
        "message: final period added"
    )


def test_normalised_message_passes_the_check() -> None:
    """A message full of hidden characters and typography passes once normalised."""
    text, _ = normalise_message("\ufeffThe\u00a0item \u201carrived\u201d broken \u2014 see photos")
    check_message(text)
    assert text == 'The item "arrived" broken - see photos.'


# --- message refusals ---------------------------------------------------------------------------


def test_cyrillic_is_refused_with_positions() -> None:
    """Cyrillic letters are refused with their positions and the letters themselves."""
    with pytest.raises(InvalidField) as caught:
        check_message("Привет, the item arrived broken.")
    assert one_line(caught.value) == (
        'message: non-Latin letters (Cyrillic) at positions 0-5 ("Привет"); the site accepts '
        "English only and silently drops other letters: write the message in English"
    )
    assert caught.value.field == "message"
    assert caught.value.context["positions"] == [0, 1, 2, 3, 4, 5]
    assert caught.value.context["characters"] == "Привет"


def test_several_runs_are_listed() -> None:
    """Separate runs of foreign letters are listed each with its positions."""
    with pytest.raises(InvalidField) as caught:
        check_message("Item я broken, see фото please.")
    assert 'at positions 5 ("я"), 19-22 ("фото")' in one_line(caught.value)


def test_many_runs_are_summarised() -> None:
    """Beyond three runs the rest are counted, so the line stays short."""
    with pytest.raises(InvalidField) as caught:
        check_message("a ж b ж c ж d ж e ж f.")
    assert "and 2 more" in one_line(caught.value)


def test_cjk_is_refused() -> None:
    """CJK characters are refused and named."""
    with pytest.raises(InvalidField) as caught:
        check_message("The item 坏了 arrived broken.")
    assert 'non-Latin letters (CJK) at positions 9-10 ("坏了")' in one_line(caught.value)


def test_greek_and_arabic_are_refused() -> None:
    """Greek and Arabic letters are refused, both scripts named."""
    with pytest.raises(InvalidField) as caught:
        check_message("The item αβ arrived مرحبا broken.")
    assert "non-Latin letters (Greek, Arabic)" in one_line(caught.value)


def test_latin_accents_are_accepted() -> None:
    """Latin letters with accents are accepted."""
    check_message("The café crème mug from Ålesund arrived broken; the señor said ß is fine.")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("The item cost 5 \u20ac and broke.", 'position 16 ("€")'),
        ("The item broke \U0001f622 badly.", 'position 15 ("\U0001f622")'),
        ("The item\u00a0arrived broken.", "position 8 (U+00A0)"),
        ("The item\u200barrived broken.", "position 8 (U+200B)"),
        ("The item \u201carrived\u201d broken.", 'positions 9 ("\u201c"), 17 ("\u201d")'),
    ],
)
def test_other_characters_are_refused(text: str, shown: str) -> None:
    """Symbols, emoji and hidden characters left in the message are refused with positions."""
    with pytest.raises(InvalidField) as caught:
        check_message(text)
    assert f"characters the site does not accept at {shown}" in one_line(caught.value)


def test_control_character_is_refused() -> None:
    """A control character is refused, shown by its code."""
    with pytest.raises(InvalidField) as caught:
        check_message("The item\x07 arrived broken.")
    assert one_line(caught.value).startswith("message: control characters at position 8 (U+0007); ")


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("", "message: empty; "),
        ("Broken.", "message: too short (7 characters); "),
        ("x" * (MESSAGE_MAX_CHARS) + ".", "message: too long (2001 characters); "),
    ],
)
def test_length_is_checked(text: str, what: str) -> None:
    """Messages outside 10 to 2000 characters are refused."""
    with pytest.raises(InvalidField) as caught:
        check_message(text)
    assert one_line(caught.value).startswith(what)


def test_length_limits_are_inclusive() -> None:
    """Messages of exactly 10 and exactly 2000 characters are accepted."""
    check_message("x" * (MESSAGE_MIN_CHARS - 1) + ".")
    check_message("x" * (MESSAGE_MAX_CHARS - 1) + ".")


def test_unfinished_message_is_refused() -> None:
    """A message that does not end with a period, ! or ? is refused when not normalised."""
    with pytest.raises(InvalidField) as caught:
        check_message("The item arrived broken")
    assert one_line(caught.value).startswith('message: does not end with ".", "!" or "?"; ')


# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "amount", "whats"),
    [
        ("5.30", "5.30", []),
        ("5", "5.00", []),
        ("0.5", "0.50", []),
        (" 12.99 ", "12.99", []),
        ("5,30", "5.30", ["decimal comma replaced with a point"]),
        ("5,3", "5.30", ["decimal comma replaced with a point"]),
        ("$5.30", "5.30", ["currency removed"]),
        ("US$ 5.30", "5.30", ["currency removed"]),
        ("5.30 USD", "5.30", ["currency removed"]),
        ("usd 5.30", "5.30", ["currency removed"]),
        ("€5,30", "5.30", ["currency removed", "decimal comma replaced with a point"]),
        ("5,30 EUR", "5.30", ["currency removed", "decimal comma replaced with a point"]),
        ("£3", "3.00", ["currency removed"]),
        ("100 ₽", "100.00", ["currency removed"]),
        ("100 RUB", "100.00", ["currency removed"]),
    ],
)
def test_amounts_accepted(raw: str, amount: str, whats: list[str]) -> None:
    """Amounts with a currency or a decimal comma are normalised to cents and each fix reported."""
    value, changes = normalise_amount(raw)
    assert value == Decimal(amount)
    assert str(value) == amount
    assert [c.what for c in changes] == whats
    assert all(c.field == "amount" for c in changes)


def test_amount_reports_before_and_after() -> None:
    """The decimal-comma fix reports the value before and after."""
    assert normalise_amount("5,30")[1] == [
        Normalisation("amount", "decimal comma replaced with a point", "5,30", "5.30")
    ]
    assert normalise_amount("$5.30")[1] == [
        Normalisation("amount", "currency removed", "$5.30", "5.30")
    ]


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        ("1,234", 'amount: "1,234" is ambiguous (a thousands separator or a decimal comma?); '),
        ("1,234,567", 'amount: "1,234,567" is ambiguous'),
        ("1.234,56", 'amount: "1.234,56" is ambiguous (both a comma and a point); '),
        ("1,234.56", 'amount: "1,234.56" is ambiguous (both a comma and a point); '),
        ("1 234", 'amount: "1 234" has spaces inside the number; '),
        ("0", 'amount: "0" is not more than 0; '),
        ("0.00", 'amount: "0.00" is not more than 0; '),
        ("-5", 'amount: "-5" is not more than 0; '),
        ("-$5.30", 'amount: "-$5.30" is not more than 0; '),
        ("5.305", 'amount: "5.305" has 3 decimals; '),
        ("5.300", 'amount: "5.300" has 3 decimals; '),
        ("abc", 'amount: "abc" is not a number; '),
        ("5.3.0", 'amount: "5.3.0" is not a number; '),
        ("NaN", 'amount: "NaN" is not a number; '),
        ("1e3", 'amount: "1e3" is not a number; '),
        ("$", 'amount: "$" is not a number; '),
        ("", "amount: empty; "),
        ("   ", "amount: empty; "),
    ],
)
def test_amounts_refused(raw: str, what: str) -> None:
    """Ambiguous, non-numeric, non-positive and over-precise amounts are refused in one line."""
    with pytest.raises(InvalidField) as caught:
        normalise_amount(raw)
    assert one_line(caught.value).startswith(what)
    assert caught.value.field == "amount"


def test_ambiguous_amount_says_how_to_write_it() -> None:
    """The refusal of 1,234 tells the user to write 1234.00."""
    with pytest.raises(InvalidField) as caught:
        normalise_amount("1,234")
    assert "1234.00" in str(caught.value)


# --- evidence -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (JPEG, "jpeg"),
        (PNG, "png"),
        (MP4, "mp4"),
        (MOV, "mov"),
        (MOV_OLD, "mov"),
        (b"\x00\x00\x00\x08moov", "mov"),
        (b"\x00\x00\x00\x08mdat", "mov"),
        (b"\x00\x00\x00\x08free", "mov"),
        (HEIC, "heic"),
        (b"\x00\x00\x00\x1cftypavif", "avif"),
        (b"\x00\x00\x00\x1cftypM4A ", "m4a"),
        (b"GIF89a\x01\x00", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (PDF, "pdf"),
        (TEXT, None),
        (b"", None),
    ],
)
def test_sniff_format(head: bytes, name: str | None) -> None:
    """Formats are recognised by their first bytes."""
    assert sniff_format(head) == name


def test_photos_and_videos_accepted(tmp_path: Path) -> None:
    """Photos and videos of accepted formats come back with their kind and size."""
    files = [
        media(tmp_path, "a.jpg", JPEG),
        media(tmp_path, "b.PNG", PNG),
        media(tmp_path, "c.mp4", MP4),
        media(tmp_path, "d.mov", MOV_OLD),
    ]
    checked = check_evidence(files, received=True, reason="does_not_work", rules=EvidenceRules())
    assert checked == [
        EvidenceFile(files[0], "photo", len(JPEG)),
        EvidenceFile(files[1], "photo", len(PNG)),
        EvidenceFile(files[2], "video", len(MP4)),
        EvidenceFile(files[3], "video", len(MOV_OLD)),
    ]


def test_mov_named_mp4_is_accepted(tmp_path: Path) -> None:
    """MP4 and MOV share one container, so either extension is accepted for either."""
    files = [media(tmp_path, "a.mp4", MOV), media(tmp_path, "b.mov", MP4)]
    checked = check_evidence(files, received=False, reason="not_received")
    assert [f.kind for f in checked] == ["video", "video"]


def test_missing_file_is_refused(tmp_path: Path) -> None:
    """A file that does not exist is refused naming it."""
    path = tmp_path / "nope.jpg"
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=False, reason="not_received")
    assert one_line(caught.value) == (
        f"evidence: {path} does not exist; check the path and the current folder"
    )
    assert caught.value.path == str(path)


def test_directory_is_refused(tmp_path: Path) -> None:
    """A folder is refused, asking for the files inside it."""
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([tmp_path], received=False, reason="not_received")
    assert one_line(caught.value).startswith(f"evidence: {tmp_path} is a folder, not a file; ")


def test_broken_symlink_is_refused(tmp_path: Path) -> None:
    """A symbolic link to nothing is refused as such."""
    link = tmp_path / "photo.jpg"
    link.symlink_to(tmp_path / "gone.jpg")
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([link], received=False, reason="not_received")
    assert one_line(caught.value).startswith(f"evidence: {link} is a broken symbolic link; ")


def test_symlink_to_a_photo_is_accepted(tmp_path: Path) -> None:
    """A symbolic link to a photo is judged by the photo."""
    link = tmp_path / "link.jpg"
    link.symlink_to(media(tmp_path, "real.jpg", JPEG))
    assert check_evidence([link], received=True, reason="damaged")[0].kind == "photo"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """A named pipe is refused before it is opened, so the check never blocks on it."""
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([fifo], received=False, reason="not_received")
    assert one_line(caught.value).startswith(
        f"evidence: {fifo} is a named pipe (FIFO), not a regular file; "
    )


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file anyway"
)
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    """A file without read permission is refused, saying so."""
    path = media(tmp_path, "photo.jpg", JPEG)
    path.chmod(0)
    try:
        with pytest.raises(InvalidEvidence) as caught:
            check_evidence([path], received=True, reason="damaged")
    finally:
        path.chmod(0o600)
    assert one_line(caught.value).startswith(f"evidence: {path} cannot be read (Permission denied)")


def test_read_error_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the system refuses to open is refused, even when running as root."""
    path = media(tmp_path, "photo.jpg", JPEG)

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert one_line(caught.value) == (
        f"evidence: {path} cannot be read (Permission denied); check its permissions (chmod u+r)"
    )


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """An empty file is refused."""
    path = media(tmp_path, "photo.jpg", b"")
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert one_line(caught.value).startswith(f"evidence: {path} is empty; ")


def test_extension_lying_about_another_photo_format(tmp_path: Path) -> None:
    """A PNG named .jpg is refused naming its real content and the right name."""
    path = media(tmp_path, "photo.jpg", PNG)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert one_line(caught.value) == (
        f"evidence: {path} holds a PNG image, not a JPEG image as its name says; "
        "rename it photo.png"
    )
    assert caught.value.context["format"] == "png"


def test_document_disguised_as_a_photo(tmp_path: Path) -> None:
    """A PDF named .jpg is refused naming its real content."""
    path = media(tmp_path, "photo.jpg", PDF)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert one_line(caught.value) == (
        f"evidence: {path} holds a PDF document, not a JPEG image as its name says; "
        "the site takes JPEG or PNG photos and MP4 or MOV videos: convert it"
    )


@pytest.mark.parametrize(("name", "whole"), [("cut.jpg", JPEG), ("cut.png", PNG)])
def test_truncated_photo_is_refused(tmp_path: Path, name: str, whole: bytes) -> None:
    """A photo cut short (right first bytes, half its data) is refused before the site sees it."""
    path = media(tmp_path, name, whole[: len(whole) // 2])
    with pytest.raises(InvalidEvidence) as err:
        check_evidence([path], received=True, reason="damaged")
    assert "truncated or corrupt" in one_line(err.value)
    assert str(path) in str(err.value)


def test_a_whole_photo_with_trailing_bytes_is_accepted(tmp_path: Path) -> None:
    """Padding after a whole JPEG (as some cameras write) does not make it corrupt."""
    path = media(tmp_path, "padded.jpg", JPEG + bytes(4096))
    assert [f.kind for f in check_evidence([path], received=True, reason="damaged")] == ["photo"]


def test_heic_photo_is_refused(tmp_path: Path) -> None:
    """A phone's HEIC photo is refused with a request to convert it, whatever its name."""
    path = media(tmp_path, "IMG_0001.jpg", HEIC)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert "holds a HEIC image, not a JPEG image as its name says" in one_line(caught.value)
    assert str(caught.value).endswith(": convert it")


def test_unknown_content_is_refused(tmp_path: Path) -> None:
    """A file that is neither a photo nor a video is refused."""
    path = media(tmp_path, "photo.jpg", TEXT)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert one_line(caught.value).startswith(
        f"evidence: {path} is not a photo or a video "
        "(its content is none of JPEG, PNG, MP4 or MOV); "
    )


def test_photo_without_its_extension(tmp_path: Path) -> None:
    """A JPEG with no extension is refused with the name to give it."""
    path = media(tmp_path, "photo", JPEG)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert one_line(caught.value) == (
        f"evidence: {path} holds a JPEG image but its name does not say so; rename it photo.jpg"
    )


def test_oversize_photo_is_refused(tmp_path: Path) -> None:
    """A photo one byte over 5 MiB is refused with both sizes in bytes."""
    path = media(tmp_path, "big.jpg", JPEG, size=5 * MIB + 1)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=True, reason="damaged")
    assert one_line(caught.value) == (
        f"evidence: {path} is 5242881 bytes; photos may be at most 5242880 bytes (5 MiB): "
        "resize or compress it"
    )
    assert caught.value.context["size"] == 5 * MIB + 1


def test_oversize_video_is_refused(tmp_path: Path) -> None:
    """A video well over 20 MiB is refused with its size."""
    path = media(tmp_path, "big.mp4", MP4, size=25 * MIB)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path], received=False, reason="not_received")
    assert one_line(caught.value) == (
        f"evidence: {path} is 25 MiB; videos may be at most 20 MiB: resize or compress it"
    )


def test_photo_at_the_limit_is_accepted(tmp_path: Path) -> None:
    """A photo of exactly 5 MiB is accepted."""
    path = media(tmp_path, "edge.jpg", JPEG, size=5 * MIB)
    assert check_evidence([path], received=True, reason="damaged")[0].size == 5 * MIB


def test_too_many_files(tmp_path: Path) -> None:
    """Seven files are refused before any is opened."""
    paths = [tmp_path / f"{n}.jpg" for n in range(7)]
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence(paths, received=True, reason="damaged")
    assert one_line(caught.value).startswith("evidence: 7 files given; the site takes at most 6: ")


def test_six_files_are_accepted(tmp_path: Path) -> None:
    """Six files, the limit, are accepted."""
    paths = [media(tmp_path, f"{n}.jpg", JPEG) for n in range(6)]
    assert len(check_evidence(paths, received=True, reason="damaged")) == 6


def test_same_file_twice(tmp_path: Path) -> None:
    """The same file given twice is refused."""
    path = media(tmp_path, "a.jpg", JPEG)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([path, tmp_path / "." / "a.jpg"], received=True, reason="damaged")
    assert "is given twice" in one_line(caught.value)


def test_photo_required_when_received(tmp_path: Path) -> None:
    """A received item needs a photo; a video alone is not enough."""
    video = media(tmp_path, "v.mp4", MP4)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([video], received=True, reason="damaged")
    assert one_line(caught.value) == (
        "evidence: no photo attached; the site needs at least one photo (JPEG or PNG) "
        "of the item when it was received: attach one"
    )


def test_video_required_for_does_not_work(tmp_path: Path) -> None:
    """The reason does_not_work needs a video besides the photo."""
    photo = media(tmp_path, "p.jpg", JPEG)
    with pytest.raises(InvalidEvidence) as caught:
        check_evidence([photo], received=True, reason="does_not_work")
    assert one_line(caught.value) == (
        "evidence: no video attached; the reason does_not_work needs a video (MP4 or MOV) "
        "showing the problem: attach one"
    )


def test_evidence_optional_when_not_received() -> None:
    """An item not received needs no evidence at all."""
    assert check_evidence([], received=False, reason="not_received") == []


def test_rules_can_drop_the_photo_requirement(tmp_path: Path) -> None:
    """A profile that does not require photos accepts a received item without any."""
    rules = EvidenceRules(photos_required_when_received=False)
    assert check_evidence([], received=True, reason="damaged", rules=rules) == []


def test_rules_limit_the_count(tmp_path: Path) -> None:
    """The count limit comes from the rules."""
    paths = [media(tmp_path, f"{n}.jpg", JPEG) for n in range(3)]
    with pytest.raises(InvalidEvidence, match="at most 2"):
        check_evidence(paths, received=True, reason="damaged", rules=EvidenceRules(max_files=2))


def test_a_single_path_string_is_one_file(tmp_path: Path) -> None:
    """A single path given as a string is taken as one file, not as characters."""
    path = media(tmp_path, "a.jpg", JPEG)
    assert len(check_evidence(str(path), received=True, reason="damaged")) == 1


def test_default_rules_match_the_storefront() -> None:
    """The default rules are the bundled storefront's."""
    rules = EvidenceRules()
    assert rules.photo_formats == ("jpeg", "png")
    assert rules.video_formats == ("mp4", "mov")
    assert rules.max_files == 6
    assert rules.max_photo_bytes == 5 * MIB
    assert rules.max_video_bytes == 20 * MIB
    assert rules.photos_required_when_received is True
    assert rules.video_required_reasons == ("does_not_work",)


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        ({"photo_formats": ("jpg",)}, 'evidence.photo_formats names an unknown format "jpg"; '),
        ({"video_formats": ("png",)}, "evidence.video_formats repeats photo formats (png); "),
        ({"max_files": -1}, "evidence.max_files must be a whole number of 0 or more, not -1; "),
        (
            {"max_files": 0},
            "evidence.photos_required_when_received requires evidence but max_files is 0",
        ),
        (
            {"max_files": 0, "photos_required_when_received": False},
            "evidence.video_required_reasons requires evidence but max_files is 0",
        ),
        (
            {"video_formats": ()},
            "evidence.video_required_reasons requires a video but video_formats is empty",
        ),
        ({"max_video_bytes": 0}, "evidence.max_video_bytes must be a whole number of 1 or more"),
        (
            {"photo_required_reasons": ("dented",)},
            'evidence.photo_required_reasons names an unknown reason "dented"; ',
        ),
        ({"max_photo_bytes": True}, "evidence.max_photo_bytes must be a whole number of 1 "),
        (
            {"video_formats": "mp4"},
            "evidence.video_formats must be a list of strings, not a string; ",
        ),
        (
            {"video_formats": (1,)},
            "evidence.video_formats must be a list of strings, not a list; ",
        ),
        ({"photos_required_when_received": "yes"}, "evidence.photos_required_when_received "),
        (
            {"video_required_reasons": ("broken",)},
            'evidence.video_required_reasons names an unknown reason "broken"; ',
        ),
    ],
)
def test_rules_are_validated(kwargs: dict[str, object], what: str) -> None:
    """Impossible evidence rules are refused naming the key."""
    with pytest.raises(InvalidConfig) as caught:
        EvidenceRules(**kwargs)  # type: ignore[arg-type]  # wrong on purpose
    assert one_line(caught.value).startswith(what)


def test_rules_accept_lists() -> None:
    """Lists read from a profile's TOML are kept as tuples."""
    lists: dict[str, object] = {"photo_formats": ["jpeg"], "video_required_reasons": []}
    rules = EvidenceRules(**lists)  # type: ignore[arg-type]  # lists, as read from TOML
    assert rules.photo_formats == ("jpeg",)
    assert rules.video_required_reasons == ()


def test_rules_suggest_a_format() -> None:
    """A misspelt format gets a suggestion."""
    with pytest.raises(InvalidConfig, match="did you mean jpeg"):
        EvidenceRules(photo_formats=("jpge",))


# --- the whole request --------------------------------------------------------------------------


def test_minimal_request() -> None:
    """An item not received needs only the order, the reason and a message."""
    prepared = build_request(order_id="1001", received="no", reason="not_received", message=MESSAGE)
    assert prepared == PreparedRequest(
        DisputeRequest(
            order_id="1001",
            received=False,
            reason="not_received",
            solution="refund",
            refund="full",
            amount=None,
            message=MESSAGE,
            evidence=(),
        ),
        (),
        (),
    )


def test_full_request_with_every_normalisation(tmp_path: Path) -> None:
    """A partial refund with evidence keeps every normalisation, in field order."""
    photo = media(tmp_path, "p.jpg", JPEG)
    video = media(tmp_path, "v.mov", MOV)
    prepared = build_request(
        order_id=" 1002 ",
        received="Yes",
        reason="does_not_work",
        solution="return",
        refund="partial",
        amount="$5,30",
        message="It doesn\u2019t turn on",
        evidence=[photo, str(video)],
        rules=EvidenceRules(),
    )
    request = prepared.request
    assert request.order_id == "1002"
    assert request.received is True
    assert request.solution == "return"
    assert request.refund == "partial"
    assert request.amount == Decimal("5.30")
    assert request.message == "It doesn't turn on."
    assert request.evidence == (photo, video)
    assert [f.kind for f in prepared.evidence] == ["photo", "video"]
    assert [(n.field, n.what) for n in prepared.normalisations] == [
        ("order_id", "surrounding whitespace trimmed"),
        ("amount", "currency removed"),
        ("amount", "decimal comma replaced with a point"),
        ("message", "typographic quote replaced"),
        ("message", "final period added"),
    ]


def test_none_means_the_default() -> None:
    """Flags not given (None) for solution, refund and evidence take the defaults."""
    prepared = build_request(
        order_id="1001",
        received="no",
        reason="not_received",
        solution=None,
        refund=None,
        message=MESSAGE,
        evidence=None,
    )
    assert (prepared.request.solution, prepared.request.refund) == ("refund", "full")
    assert prepared.request.evidence == ()


def test_received_accepts_a_bool() -> None:
    """Received may be given as a boolean."""
    prepared = build_request(order_id="1001", received=False, reason="no_tracking", message=MESSAGE)
    assert prepared.request.received is False


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(5, "5.00"), (5.3, "5.30"), (Decimal("5.3"), "5.30"), ("5.30", "5.30")],
)
def test_amount_of_any_number_type(amount: object, expected: str) -> None:
    """Amounts from TOML may be integers, floats, decimals or strings."""
    prepared = build_request(
        order_id="1001",
        received="no",
        reason="not_received",
        refund="partial",
        amount=amount,  # type: ignore[arg-type]  # each type on purpose
        message=MESSAGE,
    )
    assert str(prepared.request.amount) == expected


def _refusal(**changes: object) -> str:
    """Build a request not received with *changes* and return the refusal's line."""
    kwargs: dict[str, object] = {
        "order_id": "1001",
        "received": "no",
        "reason": "not_received",
        "message": MESSAGE,
    }
    kwargs.update(changes)
    with pytest.raises(InvalidRequest) as caught:
        build_request(**kwargs)  # type: ignore[arg-type]  # wrong on purpose
    return one_line(caught.value)


@pytest.mark.parametrize(
    ("changes", "start"),
    [
        ({"order_id": ""}, "order_id: empty; "),
        ({"order_id": "   "}, "order_id: empty; "),
        ({"order_id": "10 02"}, 'order_id: "10 02" is not an order number; '),
        ({"order_id": "1002/x"}, 'order_id: "1002/x" is not an order number; '),
        ({"order_id": "٣٤"}, 'order_id: "٣٤" is not an order number; '),
        ({"order_id": 1002}, "order_id: must be text, not an integer; "),
        ({"received": "maybe"}, 'received: must be yes or no, not "maybe"; '),
        ({"received": None}, "received: must be yes or no, not NoneType; "),
        ({"reason": "brokn"}, 'reason: unknown code "brokn"; '),
        (
            {"solution": "money"},
            'solution: must be refund, return or replacement, not "money"; ',
        ),
        ({"refund": "half"}, 'refund: must be full or partial, not "half"; '),
        ({"refund": "partial"}, "amount: missing; refund is partial: "),
        ({"refund": "partial", "amount": "  "}, "amount: missing; "),
        ({"amount": "5.30"}, 'amount: "5.30" given but refund is full; '),
        ({"refund": "partial", "amount": True}, "amount: must be a number, not a boolean; "),
        ({"refund": "partial", "amount": "1,234"}, 'amount: "1,234" is ambiguous'),
        ({"message": "Привет, посылка не пришла."}, "message: non-Latin letters (Cyrillic) "),
        ({"message": "Broken"}, "message: too short (7 characters); "),
        ({"message": None}, "message: must be text, not NoneType; "),
        ({"evidence": ["/nonexistent/x.jpg"]}, "evidence: /nonexistent/x.jpg does not exist; "),
    ],
)
def test_request_refusals(changes: dict[str, object], start: str) -> None:
    """Every field is checked, and the refusal is one line naming the field."""
    assert _refusal(**changes).startswith(start)


def test_reason_suggestion() -> None:
    """A misspelt reason gets a suggestion and the list of codes."""
    line = _refusal(received="yes", reason="does_not_wrok")
    assert line == (
        'reason: unknown code "does_not_wrok"; did you mean does_not_work? reasons when received '
        f"is yes: {', '.join(RECEIVED_REASONS)}"
    )


def test_reason_must_match_received() -> None:
    """A reason for a received item is refused when received is no, and vice versa."""
    assert _refusal(reason="does_not_work") == (
        "reason: does_not_work is a reason for received = yes, but received is no; set received "
        f"to yes, or use one of the reasons when received is no: {', '.join(NOT_RECEIVED_REASONS)}"
    )
    assert _refusal(received="yes", reason="not_received").startswith(
        "reason: not_received is a reason for received = no, but received is yes; "
    )


def test_every_reason_code_is_accepted(tmp_path: Path) -> None:
    """Every documented reason code is accepted with its received answer."""
    photo = media(tmp_path, "p.jpg", JPEG)
    video = media(tmp_path, "v.mp4", MP4)
    for reason in NOT_RECEIVED_REASONS:
        build_request(order_id="1001", received="no", reason=reason, message=MESSAGE)
    for reason in RECEIVED_REASONS:
        prepared = build_request(
            order_id="1002", received="yes", reason=reason, message=MESSAGE, evidence=[photo, video]
        )
        assert prepared.request.reason == reason


# --- request TOML -------------------------------------------------------------------------------


def _toml(folder: Path, text: str) -> Path:
    path = folder / "request.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_request_toml(tmp_path: Path) -> None:
    """A request file is read, with evidence relative to its folder."""
    (tmp_path / "shots").mkdir()
    photo = media(tmp_path / "shots", "p.jpg", JPEG)
    path = _toml(
        tmp_path,
        'order_id = 1002\nreceived = "yes"\nreason = "damaged"\nsolution = "refund"\n'
        'refund = "partial"\namount = "5,30"\nmessage = "Arrived broken"\n'
        'evidence = ["shots/p.jpg"]\n',
    )
    prepared = load_request_toml(path, rules=EvidenceRules())
    assert prepared.request == DisputeRequest(
        order_id="1002",
        received=True,
        reason="damaged",
        solution="refund",
        refund="partial",
        amount=Decimal("5.30"),
        message="Arrived broken.",
        evidence=(photo,),
    )
    assert REQUEST_KEYS == (
        "order_id",
        "item",
        "quantity",
        "received",
        "reason",
        "solution",
        "refund",
        "amount",
        "message",
        "evidence",
    )


def test_request_toml_with_a_byte_order_mark_is_read_like_a_csv_with_one(tmp_path: Path) -> None:
    """A request TOML saved with a BOM (a Windows editor) is read, as a batch CSV with one is."""
    path = tmp_path / "request.toml"
    path.write_bytes(
        '\ufefforder_id = "1001"\r\nreceived = "no"\r\nreason = "not_received"\r\n'
        'message = "Never arrived."\r\n'.encode()
    )
    prepared = load_request_toml(path)
    assert (prepared.request.order_id, prepared.request.reason) == ("1001", "not_received")


def test_request_toml_with_bool_and_number(tmp_path: Path) -> None:
    """TOML booleans and numbers are accepted where they make sense."""
    path = _toml(
        tmp_path,
        'order_id = "1001"\nreceived = false\nreason = "not_received"\nrefund = "partial"\n'
        'amount = 5.3\nmessage = "Never arrived."\n',
    )
    prepared = load_request_toml(path)
    assert prepared.request.received is False
    assert prepared.request.amount == Decimal("5.30")


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            'colour = "red"\n',
            'request.toml: unknown key "colour"; the keys are: order_id, item, quantity, received, '
            "reason, solution, refund, amount, message, evidence",
        ),
        ('recieved = "no"\n', 'request.toml: unknown key "recieved"; did you mean received? '),
        ("received = 3\n", 'request.toml: key "received" holds an integer; it takes yes or no, '),
        ("amount = true\n", 'request.toml: key "amount" holds a boolean; it takes a number or a '),
        ("order_id = true\n", 'request.toml: key "order_id" holds a boolean; '),
        ('evidence = "p.jpg"\n', 'request.toml: key "evidence" holds a string; it takes a list '),
        ("evidence = [1]\n", 'request.toml: key "evidence" holds an integer in its list; '),
        ('message = ["x"]\n', 'request.toml: key "message" holds a list; '),
    ],
)
def test_request_toml_refusals(tmp_path: Path, body: str, line: str) -> None:
    """Unknown keys and wrong types are refused naming the key and the file."""
    base = 'order_id = "1001"\nreceived = "no"\nreason = "not_received"\nmessage = "Never came."\n'
    keys = {row.split(" = ")[0] for row in body.splitlines()}
    kept = "".join(row + "\n" for row in base.splitlines() if row.split(" = ")[0] not in keys)
    path = _toml(tmp_path, kept + body)
    with pytest.raises(InvalidConfig) as caught:
        load_request_toml(path)
    assert one_line(caught.value).startswith(line.replace("request.toml", str(path)))


def test_request_toml_missing_key(tmp_path: Path) -> None:
    """A missing required key is refused naming it."""
    path = _toml(tmp_path, 'order_id = "1001"\nreceived = "no"\nmessage = "Never arrived."\n')
    with pytest.raises(InvalidConfig) as caught:
        load_request_toml(path)
    assert one_line(caught.value) == (
        f'{path}: missing key "reason"; add it: a reason code, e.g. reason = "damaged"'
    )
    assert caught.value.key == "reason"


def test_request_toml_corrupt(tmp_path: Path) -> None:
    """Corrupt TOML is refused naming the file and where the syntax breaks."""
    path = _toml(tmp_path, 'order_id = "1001\nreceived = no\n')
    with pytest.raises(InvalidConfig) as caught:
        load_request_toml(path)
    line = one_line(caught.value)
    assert line.startswith(f"{path}: is not valid TOML (")
    assert "line 1" in line


def test_request_toml_not_utf8(tmp_path: Path) -> None:
    """A file that is not UTF-8 is refused naming it."""
    path = tmp_path / "request.toml"
    path.write_bytes('message = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(InvalidConfig) as caught:
        load_request_toml(path)
    assert one_line(caught.value) == f"{path}: is not UTF-8 text; save it as UTF-8"


def test_request_toml_missing_file(tmp_path: Path) -> None:
    """A request file that does not exist is refused naming it."""
    path = tmp_path / "nope.toml"
    with pytest.raises(InvalidConfig) as caught:
        load_request_toml(path)
    assert one_line(caught.value) == f"{path}: no such file; check the --request path"


def test_request_toml_folder(tmp_path: Path) -> None:
    """A folder given as the request file is refused."""
    with pytest.raises(InvalidConfig) as caught:
        load_request_toml(tmp_path)
    assert one_line(caught.value).startswith(f"{tmp_path}: is a folder, not a file; ")


def test_field_errors_from_toml_name_the_file(tmp_path: Path) -> None:
    """A field refused in a request file names the file before the field."""
    path = _toml(
        tmp_path,
        'order_id = "1001"\nreceived = "no"\nreason = "not_received"\nmessage = "Короче."\n',
    )
    with pytest.raises(InvalidField) as caught:
        load_request_toml(path)
    assert one_line(caught.value).startswith(f"{path}: message: non-Latin letters (Cyrillic) ")
    assert caught.value.context["source"] == str(path)


def test_evidence_errors_from_toml_are_relative_to_the_file(tmp_path: Path) -> None:
    """A missing evidence file is looked for beside the request file and named in full."""
    path = _toml(
        tmp_path,
        'order_id = "1002"\nreceived = "yes"\nreason = "damaged"\nmessage = "Broken item."\n'
        'evidence = ["missing.jpg"]\n',
    )
    with pytest.raises(InvalidEvidence) as caught:
        load_request_toml(path)
    assert one_line(caught.value).startswith(
        f"{path}: evidence: {tmp_path / 'missing.jpg'} does not exist; "
    )


def test_mapping_from_a_scenario() -> None:
    """A scenario's [request] table is checked the same way, with its source."""
    with pytest.raises(InvalidConfig) as caught:
        request_from_mapping({"order": "1001"}, source="scenarios/busy.toml")
    assert one_line(caught.value).startswith(
        'scenarios/busy.toml: unknown key "order"; did you mean order_id? '
    )
