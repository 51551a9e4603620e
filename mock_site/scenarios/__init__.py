"""Scenario files: one failure of the storefront each, run by the agent and checked.

A scenario (``scenarios/*.toml``, see docs/scenarios.md) holds a ``description``, the storefront's
``[faults]`` plan, the ``[request]``, optional ``[policy]`` and ``[timeouts]`` overrides,
``[[files]]`` to generate as evidence, and the ``[expect]``-ed outcome. `load_scenario` refuses an
unknown key or a bad value with `InvalidConfig` naming the file and the dotted key
(``expect.attempts.min``); a pre-flight refusal of the request is no error of the file: the
scenario may expect it (status ``invalid``, no attempt).

`run_catalogue` runs scenarios against the bundled storefronts and one browser, ``jobs`` at a time
(each lane on storefronts of its own): each from a freshly reset store with its fault plan, in its
own browser context, with its own journal, its run folder kept under ``<out>/<scenario>/``.
`command_scenario` prints the table and returns the exit code: 0 when every scenario met its
expectation, 1 otherwise (a bad file raises `InvalidConfig`: 2).
"""

from mock_site.scenarios.loading import load_scenario, load_scenarios
from mock_site.scenarios.model import (
    CONTENTS,
    DISPUTE_KEYS,
    EXPECT_KEYS,
    SCENARIO_KEYS,
    STATUSES,
    Count,
    Expectation,
    GeneratedFile,
    Observed,
    Scenario,
    ScenarioResult,
    check,
)
from mock_site.scenarios.runner import run_catalogue, run_scenario
from mock_site.scenarios.table import command_scenario, format_table

__all__ = [
    "CONTENTS",
    "DISPUTE_KEYS",
    "EXPECT_KEYS",
    "SCENARIO_KEYS",
    "STATUSES",
    "Count",
    "Expectation",
    "GeneratedFile",
    "Observed",
    "Scenario",
    "ScenarioResult",
    "check",
    "command_scenario",
    "format_table",
    "load_scenario",
    "load_scenarios",
    "run_catalogue",
    "run_scenario",
]
