"""Every mutant of tests/mutants.py still finds its code, once, in the file it breaks.

`make mutants` runs after `make test` and stopped CI twice when a change moved a guard's code
(its mutant then names code that is gone): this fast test says so in `make test` already.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _mutants_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutants_under_test", ROOT / "tests/mutants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


MUTANTS = _mutants_module().MUTANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_the_mutants_code_is_in_its_file_once(mutant: object) -> None:
    """The code a mutant replaces is found exactly once where it says (else update the mutant)."""
    path, old = mutant.path, mutant.old  # type: ignore[attr-defined]
    text = (ROOT / path).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {old!r}"
    for killer in mutant.killers:  # type: ignore[attr-defined]
        assert (ROOT / killer).is_file(), killer
