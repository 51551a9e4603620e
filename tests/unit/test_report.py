"""report.html and the batch index: structure, timeline, waits, next steps, escaping, robustness."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from agent.outcome import Outcome
from agent.output.advice import next_steps
from agent.output.report import render_report, write_batch_index, write_report
from agent.output.run_folder import screenshot_file
from tests.runfolders import (
    BUSY,
    PLANS,
    STATUSES,
    TICKET_STATUSES,
    Attempt,
    Step,
    Wait,
    make_run,
    png_bytes,
)

load_result = Outcome.read

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class Element:
    """One parsed element: its tag, attributes and the text directly inside it or its children."""

    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)


class Doc(HTMLParser):
    """A strict little HTML tree builder: every non-void element must close in order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.all: list[Element] = []
        self.feed(html)
        self.close()
        assert [e.tag for e in self.stack] == ["#root"], f"unclosed: {[e.tag for e in self.stack]}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        self.all.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert tag not in _VOID, f"end tag for void element {tag}"
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements with this tag (any when None) and these attribute values (``_`` for ``-``)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.all
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]


def report_of(run_dir: Path) -> tuple[str, Doc]:
    """Write the run's report and return its HTML and parsed tree."""
    write_report(run_dir)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    return html, Doc(html)


@pytest.mark.parametrize("status", STATUSES)
def test_report_for_every_status_parses_and_shows_the_run(status: str, tmp_path: Path) -> None:
    """Each status gives a well-formed report with its status, timeline entries and images."""
    run_dir = make_run(tmp_path, status)
    result = load_result(run_dir)
    html, doc = report_of(run_dir)
    assert html.startswith("<!DOCTYPE html>")
    assert doc.find("section", data_testid="status")[0].attrs["data-status"] == status
    entries = doc.find("li", data_testid="entry")
    assert [e.attrs["data-kind"] for e in entries] == [i.kind for i in result.timeline]
    images = doc.find("img")
    assert len(images) == len(result.screenshots)
    assert [i.attrs["data-path"] for i in images] == list(result.screenshots)
    assert all(i.attrs["src"].startswith("data:image/png;base64,") for i in images)
    assert len(doc.find("input", type="checkbox")) == len(images)  # one full-size toggle each
    assert len(doc.find("time")) == len(result.timeline)


@pytest.mark.parametrize("status", STATUSES)
def test_report_is_self_contained(status: str, tmp_path: Path) -> None:
    """No script, no external URL: only data: images and relative links to the run's files."""
    html, doc = report_of(make_run(tmp_path, status))
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert not doc.find("link")
    for element in doc.all:
        for name in ("src", "href"):
            value = element.attrs.get(name)
            if value is not None:
                assert value.startswith("data:") or not any(c in value for c in ":\\"), value


def test_attempt_entries_show_outcome_time_and_the_site_text(tmp_path: Path) -> None:
    """Attempts show their outcome, HTTP status, UTC time and the site's exact text."""
    _, doc = report_of(make_run(tmp_path, "gave_up"))
    attempts = doc.find("li", data_kind="attempt")
    assert [a.attrs["data-outcome"] for a in attempts] == ["busy", "busy", "busy"]
    assert all(BUSY in a.text for a in attempts)
    assert "HTTP 429" in attempts[1].text
    assert "03:16:06 UTC" in attempts[0].text


def test_waits_show_their_length_and_cause(tmp_path: Path) -> None:
    """Each wait entry gives its seconds and says whether backoff or Retry-After caused it."""
    _, doc = report_of(make_run(tmp_path, "opened"))
    waits = doc.find("li", data_kind="wait")
    assert [w.attrs["data-wait-cause"] for w in waits] == ["backoff", "retry_after"]
    texts = [w.text for w in waits]
    assert "waited 4.2 s before the next attempt" in texts[0] and "backoff" in texts[0]
    assert "waited 7.0 s before the next attempt" in texts[1] and "Retry-After" in texts[1]
    assert "Wait before attempt 2" in texts[0] and "Wait before attempt 3" in texts[1]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("opened", ["Keep the dispute id D-000123", "seller's answer"]),
        ("already_open", ["follow the existing dispute D-000007"]),
        ("invalid", ["Please complete your message", "Fix the request"]),
        (
            "ineligible",
            ["Buyer protection ended", "feedback for the seller", "extend the buyer protection"],
        ),
        ("gave_up", ["Try again later", "support-ticket.md", "evidence.zip"]),
        ("needs_human", ["retry-dispute login", "verification challenge"]),
        ("error", ["retry-dispute trace", "never share trace.zip"]),
    ],
)
def test_next_steps_say_what_to_do_for_each_status(
    status: str, expected: list[str], tmp_path: Path
) -> None:
    """The "what to do next" section gives the advice that fits the status."""
    _, doc = report_of(make_run(tmp_path, status))
    text = " ".join(doc.find("section", data_testid="next-steps")[0].text.split())
    for phrase in expected:
        assert phrase in text


def test_error_without_trace_says_how_to_get_one(tmp_path: Path) -> None:
    """An error run without trace.zip does not point at a missing trace."""
    steps = next_steps(load_result(make_run(tmp_path, "error", trace=False)))
    assert steps.commands == ()
    assert any("--trace on" in item for item in steps.items)


def test_hostile_site_text_and_user_message_are_escaped(tmp_path: Path) -> None:
    """Markup in the site's text, the message and the request is shown as text, never run."""
    plan = (
        Step("order-page", detail=HOSTILE),
        Attempt("busy", HOSTILE),
        Wait(1.0),
        Attempt("busy", BUSY),
    )
    run_dir = make_run(
        tmp_path,
        "gave_up",
        plan=plan,
        order_id="<b>1001</b>",
        message=HOSTILE,
        request_message=HOSTILE,
        last_answer=HOSTILE,
    )
    html, doc = report_of(run_dir)
    assert "<script" not in html.lower()
    assert not [e for e in doc.all if any(name.startswith("on") for name in e.attrs)]
    assert len(doc.find("img")) == len(load_result(run_dir).screenshots)
    assert not doc.find("b")
    assert HOSTILE in doc.find("q", data_testid="detail")[0].text
    assert HOSTILE in doc.find("dd", data_testid="request-message")[0].text
    assert "&lt;script&gt;" in html


def test_missing_and_broken_screenshots_are_noted_not_fatal(tmp_path: Path) -> None:
    """A deleted or corrupt screenshot is listed as missing; the report is still written."""
    run_dir = make_run(tmp_path, "gave_up")
    result = load_result(run_dir)
    (run_dir / result.screenshots[1]).unlink()
    (run_dir / result.screenshots[4]).write_bytes(b"not a png")
    written = write_report(run_dir)
    assert [p.name for p in written] == ["support-ticket.md", "evidence.zip", "report.html"]
    doc = Doc((run_dir / "report.html").read_text(encoding="utf-8"))
    assert len(doc.find("img")) == len(result.screenshots) - 2
    missing = doc.find("p", data_testid="missing")[0].text
    assert result.screenshots[1] in missing and result.screenshots[4] in missing


def test_paths_outside_the_run_folder_are_never_read(tmp_path: Path) -> None:
    """A screenshot path that leaves the run folder is not embedded."""
    (tmp_path / "secret.png").write_bytes(png_bytes())
    run_dir = make_run(tmp_path, "needs_human", screenshots=["../secret.png", "/etc/passwd"])
    assert screenshot_file(run_dir, "../secret.png") is None
    assert screenshot_file(run_dir, "/etc/passwd") is None
    _, doc = report_of(run_dir)
    assert all(i.attrs["data-path"].startswith("screenshots/") for i in doc.find("img"))


@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]"])
def test_unreadable_result_gives_an_error_report(content: str | None, tmp_path: Path) -> None:
    """Without a readable result.json the report still opens and says what is wrong."""
    run_dir = tmp_path / "20251124-031600-1001"
    run_dir.mkdir()
    if content is not None:
        (run_dir / "result.json").write_text(content, encoding="utf-8")
    written = write_report(run_dir)
    assert run_dir / "report.html" in written
    _, doc = report_of(run_dir)
    status = doc.find("section", data_testid="status")[0]
    assert status.attrs["data-status"] == "error"
    assert "result.json could not be read" in status.text
    assert "1001" in doc.find("h1")[0].text


@pytest.mark.parametrize("status", STATUSES)
def test_write_report_returns_the_files_it_wrote(status: str, tmp_path: Path) -> None:
    """report.html always; the ticket and the zip only when support can help (not when the
    dispute is open, when a person only has to log in, nor when another run has the order)."""
    run_dir = make_run(tmp_path, status)
    names = [p.name for p in write_report(run_dir)]
    if status not in TICKET_STATUSES:
        assert names == ["report.html"]
        assert not (run_dir / "support-ticket.md").exists()
    else:
        assert names == ["support-ticket.md", "evidence.zip", "report.html"]
    assert all((run_dir / n).is_file() for n in names)
    assert not list(run_dir.glob("*.tmp"))


def test_a_profile_mismatch_gets_a_report_without_a_ticket(tmp_path: Path) -> None:
    """An error from our own profile: report.html only, pointing at ``retry-dispute check``."""
    run_dir = make_run(
        tmp_path,
        "error",
        reason_code="profile_mismatch",
        message="open.steps[1]: elements.x ('#x') of profile p.toml was not found",
    )
    assert [p.name for p in write_report(run_dir)] == ["report.html"]
    assert not (run_dir / "support-ticket.md").exists()
    assert not (run_dir / "evidence.zip").exists()
    steps = next_steps(load_result(run_dir))
    assert steps.headline == "The site profile does not fit the page."
    assert any("no support ticket" in item for item in steps.items)
    assert any(command.startswith("retry-dispute check") for command in steps.commands)


def test_report_links_the_support_files_when_not_opened(tmp_path: Path) -> None:
    """A failed run's report links support-ticket.md and evidence.zip by relative path."""
    _, doc = report_of(make_run(tmp_path, "gave_up"))
    hrefs = {a.attrs["href"] for a in doc.find("a")}
    assert {"support-ticket.md", "evidence.zip", "trace.zip", "log.jsonl"} <= hrefs


def test_request_and_normalisations_are_shown(tmp_path: Path) -> None:
    """The report repeats the request and the changes pre-flight made to it."""
    _, doc = report_of(make_run(tmp_path, "opened"))
    text = doc.find("section", data_testid="request")[0].text
    assert "in_transit_too_long" in text
    assert "replaced 1 typographic quote" in text


def test_screenshot_outside_the_timeline_is_still_shown(tmp_path: Path) -> None:
    """A screenshot in result.json but in no timeline entry appears under other screenshots."""
    run_dir = make_run(tmp_path, "already_open")
    data = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    data["timeline"] = []
    (run_dir / "result.json").write_text(json.dumps(data), encoding="utf-8")
    html = render_report(load_result(run_dir))
    assert "Other screenshots" in html
    assert len(Doc(html).find("img")) == len(PLANS["already_open"])


def test_batch_index_links_each_report_with_its_status(tmp_path: Path) -> None:
    """index.html lists every order with its status, a relative link to its report and counts."""
    run_dirs = []
    for i, status in enumerate(STATUSES):
        run_dir = make_run(tmp_path / "runs" / status, status, order_id=f"200{i}")
        write_report(run_dir)
        run_dirs.append(run_dir)
    index = write_batch_index(tmp_path / "runs", run_dirs)
    doc = Doc(index.read_text(encoding="utf-8"))
    rows = doc.find("tr", data_testid="order-row")
    assert [r.attrs["data-status"] for r in rows] == list(STATUSES)
    for row, run_dir in zip(rows, run_dirs, strict=True):
        links = [c for c in _walk(row) if c.tag == "a"]
        assert (index.parent / links[0].attrs["href"]).resolve() == (
            run_dir / "report.html"
        ).resolve()
        assert len(links) == (2 if row.attrs["data-status"] in TICKET_STATUSES else 1)
    counts = {li.attrs["data-status"]: li.text for li in doc.find("li")}
    assert set(counts) == set(STATUSES)
    assert all(text.endswith(": 1") for text in counts.values())


def test_batch_index_escapes_and_tolerates_missing_results(tmp_path: Path) -> None:
    """A hostile message is escaped and a folder without result.json is listed as an error."""
    hostile = make_run(tmp_path / "a", "gave_up", message=HOSTILE)
    empty = tmp_path / "b" / "20251124-031600-3001"
    empty.mkdir(parents=True)
    html = write_batch_index(tmp_path, [hostile, empty]).read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    doc = Doc(html)
    rows = doc.find("tr", data_testid="order-row")
    assert [r.attrs["data-status"] for r in rows] == ["gave_up", "error"]
    assert "no report" in rows[0].text  # write_report was not run for it
    assert rows[1].attrs["data-order-id"] == "3001"


def _walk(element: Element) -> list[Element]:
    out = []
    for child in element.children:
        out += [child, *_walk(child)]
    return out


def _with(run_dir: Path, **changes: Any) -> Path:
    """Change result.json's top-level values (context, timeline) in place."""
    path = run_dir / "result.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")
    return run_dir


CONTEXT = {
    "site": "https://shop.example",
    "profile": "mock",
    "session": "saved session s.json, in a browser it launched",
    "policy": {
        "max_attempts": 15,
        "deadline_s": 900.0,
        "initial_wait_s": 2.0,
        "max_wait_s": 120.0,
        "multiplier": 1.5,
        "jitter_floor": 0.5,
    },
    "command": ["retry-dispute", "run", "--site", "https://shop.example", "--order", "1001"],
    "version": "0.1.0",
}


def test_the_report_says_where_and_how_the_run_was_made(tmp_path: Path) -> None:
    """Site, exact command line, retry policy, session and tool version are listed."""
    run_dir = _with(make_run(tmp_path, "opened"), context=CONTEXT)
    _, doc = report_of(run_dir)
    about = " ".join(doc.find("section", data_testid="about")[0].text.split())
    assert "https://shop.example" in about
    assert "retry-dispute run --site https://shop.example --order 1001" in about
    assert "up to 15 attempts within 15m; waits from 2s, x1.5 each time, up to 2m" in about
    assert "retry-dispute 0.1.0" in about and "saved session s.json" in about


def test_times_are_local_with_utc_beside_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In another time zone each time is shown locally, with its UTC time in brackets."""
    import time as time_mod

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time_mod.tzset()
    try:
        _, doc = report_of(make_run(tmp_path, "gave_up"))
    finally:
        monkeypatch.delenv("TZ")
        time_mod.tzset()
    first = doc.find("li", data_kind="attempt")[0].text
    assert "12:16:06 JST (03:16:06 UTC)" in first


def _checked_plan(run_dir: Path, found: str | None = None) -> Path:
    """Insert an order-page check after each wait of the run's timeline."""
    data = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    timeline = []
    for entry in data["timeline"]:
        timeline.append(entry)
        if entry["kind"] == "wait":
            timeline.append(
                {
                    "n": 0,
                    "kind": "check",
                    "name": "order-page-check",
                    "at": entry["at"],
                    "t": entry["t"],
                    "attempt": entry["attempt"],
                    "outcome": "no_dispute",
                }
            )
    if found:
        timeline.append(
            {
                "n": 0,
                "kind": "check",
                "name": "order-page-check",
                "at": timeline[-1]["at"],
                "t": timeline[-1]["t"],
                "attempt": 3,
                "outcome": "dispute_found",
                "detail": found,
            }
        )
    for n, entry in enumerate(timeline, 1):
        entry["n"] = n
    return _with(run_dir, timeline=timeline)


def test_the_checks_before_each_resubmission_are_shown_as_the_guarantee(tmp_path: Path) -> None:
    """Each order-page check is an entry, and a sentence sums them up at the top."""
    run_dir = _checked_plan(make_run(tmp_path, "gave_up"))
    _, doc = report_of(run_dir)
    checks = doc.find("li", data_kind="check")
    assert len(checks) == 2
    assert all("no dispute on the order page" in c.text for c in checks)
    assert "Order page checked after attempt 1" in checks[0].text
    safety = doc.find("p", data_testid="safety")[0].text
    assert "2 checks" in safety and "never sent twice" in safety and "2 showed no dispute" in safety
    found = _checked_plan(make_run(tmp_path / "b", "opened"), found="D-000123")
    _, doc = report_of(found)
    assert (
        "found dispute D-000123, and nothing was sent again"
        in doc.find("p", data_testid="safety")[0].text
    )


def test_identical_busy_attempts_are_grouped(tmp_path: Path) -> None:
    """Three busy answers with the same text and status are one group (entries kept inside)."""
    plan = (
        Step("order-page"),
        Attempt("busy", BUSY),
        Wait(1.0),
        Attempt("busy", BUSY),
        Wait(1.5),
        Attempt("busy", BUSY),
        Wait(2.2),
        Attempt("busy", BUSY, 503),
        Wait(3.0),
        Attempt("opened", "Dispute D-000123 opened"),
    )
    run_dir = _checked_plan(make_run(tmp_path, "opened", plan=plan))
    _, doc = report_of(run_dir)
    (group,) = doc.find("li", data_testid="group")
    summary = " ".join(group.text.split())
    assert summary.startswith("Attempts 1 to 3: site busy, HTTP 200, the same answer 3 times")
    assert "waited 1.0 to 1.5 s between them" in summary
    assert "the order page showed no dispute before each resubmission" in summary
    inside = [c for c in _walk(group) if c.attrs.get("data-testid") == "entry"]
    assert [e.attrs["data-kind"] for e in inside] == [
        "attempt",
        "wait",
        "check",
        "attempt",
        "wait",
        "check",
        "attempt",
    ]
    assert len(doc.find("li", data_testid="entry")) == len(load_result(run_dir).timeline)


def test_trace_zip_is_listed_apart_with_a_warning(tmp_path: Path) -> None:
    """trace.zip is not among the files to share; a warning says it holds cookies."""
    _, doc = report_of(make_run(tmp_path, "gave_up"))
    shareable = doc.find("p", data_testid="files")[0]
    assert "trace.zip" not in shareable.text and "support-ticket.md" in shareable.text
    warning = doc.find("p", data_testid="trace")[0].text
    assert "Never share" in warning and "cookies" in warning and "retry-dispute trace" in warning


def test_an_interrupted_run_gets_a_report_and_no_ticket(tmp_path: Path) -> None:
    """interrupted: the report says what happened and what to do; no ticket, no zip."""
    run_dir = make_run(tmp_path, "error", plan=(Step("order-page"),))
    _with(
        run_dir,
        status="interrupted",
        interrupted_by="SIGTERM",
        exit_code=143,
        message="stopped by SIGTERM during attempt 1: the form was sent and no answer was "
        "read, so the dispute may have been opened",
        hint="run the same command again",
    )
    assert [p.name for p in write_report(run_dir)] == ["report.html"]
    _, doc = report_of(run_dir)
    status = doc.find("section", data_testid="status")[0]
    assert status.attrs["data-status"] == "interrupted" and "exit code 143" in status.text
    steps = doc.find("section", data_testid="next-steps")[0].text
    assert "may have been opened" in steps and "never opens a second dispute" in steps


def test_control_characters_in_site_text_are_shown_as_codes(tmp_path: Path) -> None:
    """Escape sequences and a bidi override in the site's text become codes in the page."""
    hostile = "busy \x1b]0;owned\x07\x1b[2J \u202eevil"
    run_dir = make_run(
        tmp_path, "gave_up", plan=(Attempt("busy", hostile),), last_answer=hostile, message=hostile
    )
    html, doc = report_of(run_dir)
    assert "\x1b" not in html and "\x07" not in html and "\u202e" not in html
    assert "U+001B]0;ownedU+0007U+001B[2J U+202Eevil" in doc.find("q", data_testid="detail")[0].text
