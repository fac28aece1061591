"""Size limits of the package's code, held by the test suite rather than by memory.

Small modules whose names say what they hold: no module in src/ over 400 lines, no class over
250. (Complexity per function is ruff's job: C90, PLR0912, PLR0915 in pyproject.toml.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "guestapi"
MODULES = sorted(SRC.rglob("*.py"))
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250


def test_the_package_is_where_the_limits_look() -> None:
    assert len(MODULES) > 50  # a moved tree would make every check below pass vacuously


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_and_class_sizes(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno is not None
            size = node.end_lineno - node.lineno + 1
            assert size <= MAX_CLASS_LINES, f"class {node.name} is {size} lines"


def test_test_module_names_are_unique_across_test_directories() -> None:
    # The test directories are not packages (rootdir-relative imports), so two test modules of
    # one name make `pytest tests` stop at collection; a per-directory run would not notice.
    tests = SRC.parents[1] / "tests"
    names = [p.name for p in tests.rglob("test_*.py")]
    assert len(names) > 50
    assert sorted({n for n in names if names.count(n) > 1}) == []
