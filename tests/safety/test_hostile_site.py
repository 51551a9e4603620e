"""A hostile site: twenty pop-ups from one click, and markup or escape sequences in what it says.

The storefront's ``extra_popups`` fault opens pop-up windows before the dispute form's; the
agent follows the first window, finds no form there, and must say what really happened rather
than blame the profile's form selector. Nothing is submitted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.outcome import Status
from mock_site.testing import StorefrontServer
from tests.safety.helpers import AgentLoop, profile_with, run_agent
from tests.terminal import Terminal


@pytest.mark.browser
def test_twenty_pop_ups_from_one_click_get_a_true_hint(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """19 pop-up ads, then the form: the outcome counts 20 windows and does not blame selectors."""
    outcome = run_agent(
        agent_loop,
        storefront,
        tmp_path,
        faults={"extra_popups": 19},
        profile=profile_with(navigation_s=3.0),
    )
    assert outcome.status is Status.ERROR, outcome.message
    assert "opened 20 windows at once" in outcome.message
    assert outcome.hint is not None
    assert "the profile is not the cause" in outcome.hint
    assert "profile's selector is wrong" not in f"{outcome.message} {outcome.hint}"
    assert storefront.submissions() == []


@pytest.mark.browser
def test_one_pop_up_keeps_its_usual_message(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """A control: the healthy site's single pop-up holds the form, and the dispute opens."""
    outcome = run_agent(agent_loop, storefront, tmp_path, faults={})
    assert outcome.status is Status.OPENED, outcome.message


@pytest.mark.browser
def test_escape_sequences_in_the_sites_answers_drive_no_terminal_and_no_file(
    tmp_path: Path,
) -> None:
    """A busy answer carrying a window title, a clear screen and a bidi override, seen in a
    terminal: shown as escapes on screen, and as codes in the ticket and the report."""
    plan = tmp_path / "faults.toml"
    plan.write_text("busy_first = 100\nescape_sequences = true\n", encoding="utf-8")
    term = Terminal(
        "run",
        "--out",
        str(tmp_path / "runs"),
        "--state-dir",
        str(tmp_path / "state"),
        "--faults",
        str(plan),
        "--max-attempts",
        "2",
        columns=200,
    )
    try:
        assert term.finish() == 4, term.text[-2000:]
    finally:
        term.kill()
    for raw in ("\x1b]", "\x1b[2J", "\x1b[H", "\x07", "\u202e"):
        assert raw not in term.text, (raw, term.text[-2000:])
    screen = " ".join(term.screen())
    assert "\\x1b]0;owned\\x07\\x1b[2J\\x1b[H\\u202eevil" in screen, screen
    (run_dir,) = (tmp_path / "runs").iterdir()
    for name in ("support-ticket.md", "report.html", "result.json", "log.jsonl"):
        text = (run_dir / name).read_text(encoding="utf-8")
        assert "\x1b" not in text and "\x07" not in text, name
        if name.endswith((".md", ".html")):  # JSON keeps the text as data, escapes as \u001b
            assert "\u202e" not in text, name
    assert "U+001B" in (run_dir / "support-ticket.md").read_text(encoding="utf-8")
