"""A hostile site: twenty pop-ups from one click, and markup in what it says.

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


@pytest.mark.browser
def test_twenty_pop_ups_from_one_click_get_a_true_hint(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """19 pop-up ads, then the form: the outcome counts 20 windows and does not blame selectors."""
    outcome = run_agent(agent_loop, storefront, tmp_path, faults={"extra_popups": 19},
                        profile=profile_with(navigation_s=3.0))
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
