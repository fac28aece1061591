"""The two locks agree: the runtime lock is a subset of the full one, at the same versions, and
pins every runtime dependency pyproject.toml declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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


def test_the_attestation_functions_pins_are_the_runtime_locks() -> None:
    # The offline stack runs the function with requirements-runtime.lock's packages; `sam build`
    # packages functions/attestation/requirements.txt. The same versions, so what was tested
    # is what deploys.
    function = _pins("functions/attestation/requirements.txt")
    runtime = _pins("requirements-runtime.lock")
    assert "pyattest" in function and "aws-lambda-powertools" in function
    assert {p: v for p, v in function.items() if runtime.get(p) != v} == {}
