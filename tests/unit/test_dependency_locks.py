"""The locks agree: the runtime lock is a subset of the full one, at the same versions, and pins
every runtime dependency pyproject.toml declares; and every Lambda function of the project's
templates ships a requirements.txt that names everything its code imports, pinned to the runtime
lock's versions, so the function deployed is the function the offline stack tested."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

from _function_code import Function, all_functions, third_party_imports

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = all_functions()


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            package, version = line.split("==")
            pins[_normal(package.split("[")[0])] = version.strip()
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_runtime_lock_is_the_full_lock_narrowed() -> None:
    runtime, full = _pins("requirements-runtime.lock"), _pins("requirements.lock")
    assert len(runtime) > 50
    assert {p: v for p, v in runtime.items() if full.get(p) != v} == {}
    assert len(full) > len(runtime) + 50  # the dev tools really are left out
    for dev_tool in ("aws-sam-cli", "checkov", "playwright", "pytest", "ruff"):
        assert dev_tool not in runtime and dev_tool in full


def test_runtime_lock_pins_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_normal(re.split(r"[\[<>=!~ ]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    assert declared - set(_pins("requirements-runtime.lock")) == set()


def test_every_template_function_is_found() -> None:
    # A moved template or example would make the test below pass over nothing.
    assert {
        "template.yaml:AttestationFunction",
        "examples/lambda-route/template.yaml:WhoAmIFunction",
    } <= {f.name for f in FUNCTIONS}


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.name)
def test_each_function_pins_what_it_imports_at_the_runtime_locks_versions(
    function: Function,
) -> None:
    # The offline stack runs every function with requirements-runtime.lock's packages;
    # `sam build` packages the function's own requirements.txt. Without one it ships the code
    # alone ("requirements.txt file not found. Continuing the build without dependencies.").
    imported = third_party_imports(function.code)
    requirements = function.code / "requirements.txt"
    assert requirements.is_file() or not imported, f"{function.name} imports {imported}"
    if not imported:
        return
    pinned = _pins(str(requirements.relative_to(ROOT)))
    runtime = _pins("requirements-runtime.lock")
    assert {p: v for p, v in pinned.items() if runtime.get(p) != v} == {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        assert line.startswith("#") or not line.strip() or "==" in line, f"unpinned: {line}"
    providers = importlib.metadata.packages_distributions()
    for name in imported:
        distributions = {_normal(d) for d in providers.get(name, [name])}
        assert distributions & set(pinned), f"{function.name}: {name} is not in {requirements}"
        for distribution in distributions & set(pinned):
            # Its own dependencies too: pip would otherwise pick their versions at build time.
            for needed in importlib.metadata.requires(distribution) or []:
                if "extra ==" not in needed:
                    dependency = _normal(re.split(r"[\[<>=!~; ]", needed, maxsplit=1)[0])
                    assert dependency in pinned, f"{function.name}: {dependency} is not pinned"
