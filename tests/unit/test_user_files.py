"""The safe reader of people's files, and the site URL check: no browser, no network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from agent.site_url import check_site_url, shown_url
from agent.user_files import MAX_NESTING, UnreadableFile, check_nesting, read_user_text


def test_a_byte_order_mark_is_dropped_and_the_text_kept(tmp_path: Path) -> None:
    """UTF-8 with a BOM reads as the same text without it."""
    path = tmp_path / "a.toml"
    path.write_bytes('\ufeffkey = "caf\u00e9"\n'.encode())
    assert read_user_text(path) == 'key = "caf\u00e9"\n'


def test_a_file_over_the_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """One byte over the limit: refused, saying how large is too large."""
    path = tmp_path / "big.toml"
    path.write_bytes(b"x" * 2049)
    assert read_user_text(path, limit=2049) == "x" * 2049
    with pytest.raises(UnreadableFile, match="larger than 2 KiB"):
        read_user_text(path, limit=2048)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: os.mkfifo(p), "named pipe"),
        (lambda p: None, "no such file"),
    ],
)
def test_anything_but_a_regular_file_is_refused_at_once(
    tmp_path: Path, make: object, words: str
) -> None:
    """A folder, a FIFO (no writer: opening it must not block), a missing file."""
    path = tmp_path / "given.toml"
    make(path)  # type: ignore[operator]
    with pytest.raises(UnreadableFile, match=words):
        read_user_text(path)


def test_a_device_is_refused_without_reading_it() -> None:
    """/dev/zero would never end: it is refused from its file type."""
    with pytest.raises(UnreadableFile, match="character device"):
        read_user_text("/dev/zero")


@pytest.mark.parametrize(
    "text",
    [
        'a = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n',
        "a = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['\n",
        'a = """\n' + "[" * 100 + '\n"""\n',
        "# " + "[" * 100 + "\na = 1\n",
        'a = "\\"' + "[" * 100 + '"\n',
    ],
)
def test_brackets_in_strings_and_comments_do_not_count(text: str) -> None:
    """Only real nesting counts: brackets inside strings and comments are text."""
    check_nesting(text, syntax="toml")


@pytest.mark.parametrize("syntax", ["toml", "json"])
def test_nesting_past_the_limit_is_refused(syntax: str) -> None:
    """One level past the limit is refused; the limit itself is accepted."""
    ok = "[" * MAX_NESTING + "]" * MAX_NESTING
    check_nesting(f"a = {ok}" if syntax == "toml" else ok, syntax=syntax)  # type: ignore[arg-type]
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    with pytest.raises(UnreadableFile, match=f"more than {MAX_NESTING} levels"):
        check_nesting(deep, syntax=syntax)  # type: ignore[arg-type]


def test_a_json_string_with_brackets_and_a_quote_does_not_count() -> None:
    """JSON strings (with escaped quotes) are skipped; a TOML comment sign means nothing in JSON."""
    check_nesting('{"a": "\\"' + "[" * 100 + '", "b": "#"}', syntax="json")


def test_a_password_in_the_site_url_is_refused_and_never_shown() -> None:
    """https://user:pw@host: refused, and the message hides both."""
    with pytest.raises(InvalidConfig) as caught:
        check_site_url("https://demo:hunter2-pw@shop.example/orders")
    assert "hunter2-pw" not in str(caught.value) and "demo" not in str(caught.value)
    assert shown_url("https://demo:pw@shop.example:8443/x") == "https://***@shop.example:8443/x"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:70000",
        "http://127.0.0.1:x",
        "http://[::1",
        "http://a b/",
        "http://127.0.0.1:0/",
        "ftp://shop.example",
        "https://",
    ],
)
def test_a_bad_site_url_is_one_invalid_config(url: str) -> None:
    """Bad ports, hosts and schemes are InvalidConfig, never a ValueError from urllib."""
    with pytest.raises(InvalidConfig):
        check_site_url(url)


def test_a_good_site_url_comes_back_without_its_trailing_slash() -> None:
    """The checked URL is the base URL the agent joins paths to."""
    assert check_site_url("https://shop.example:8443/") == "https://shop.example:8443"
