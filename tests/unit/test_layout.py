"""The package's shape: no import cycles, the core free of the test storefront, one status list."""

from __future__ import annotations

import ast
from pathlib import Path

AGENT = Path(__file__).resolve().parents[2] / "agent"
STATUS_VALUES = ("already_open", "gave_up", "needs_human", "ineligible")


def modules() -> dict[str, Path]:
    """Every module of agent/, by dotted name."""
    found = {}
    for path in AGENT.rglob("*.py"):
        parts = list(path.relative_to(AGENT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    """The modules a file imports (absolute names, and each imported name as a submodule)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_agent_imports_mock_site_in_one_module_only() -> None:
    """Only the CLI's bundled-storefront module reaches into mock_site."""
    users = {
        name
        for name, path in modules().items()
        if any(i.split(".")[0] == "mock_site" for i in imports_of(path))
    }
    assert users == {"agent.cli.bundled"}


def test_agent_has_no_import_cycle() -> None:
    """Following imports between agent modules never comes back to where it started."""
    mods = modules()
    edges = {
        name: {
            i for i in imports_of(path) if i in mods and i != name and not name.startswith(i + ".")
        }
        for name, path in mods.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in edges[node]:
            assert state.get(nxt) != 1, f"import cycle: {' -> '.join([*trail, node, nxt])}"
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for name in mods:
        if name not in state:
            visit(name, [])


def test_final_statuses_are_spelled_in_the_outcome_module_only() -> None:
    """A status string appears in agent/outcome.py and nowhere else in agent/."""
    spelled = {
        str(path.relative_to(AGENT.parent))
        for path in AGENT.rglob("*.py")
        if any(f'"{value}"' in path.read_text(encoding="utf-8") for value in STATUS_VALUES)
    }
    assert spelled == {"agent/outcome.py"}
