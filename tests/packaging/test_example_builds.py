"""Each example deploys as documented: `sam build` on its template puts beside every function's
code each package the code imports, so what reaches Lambda is what ran offline.

The offline stack runs a function in its own interpreter, which has the runtime lock's
packages whatever the function declares: only a real build shows a missing requirements.txt
(SAM then warns and ships the handler alone). pip fetches Lambda's wheels from PyPI; nothing
else is reached, and no deploy happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from _function_code import ROOT, TEMPLATES, functions, third_party_imports

pytestmark = pytest.mark.slow

EXAMPLES = [t for t in TEMPLATES if t.parent.parent.name == "examples"]
SAM = ROOT / ".venv" / "bin" / "sam"


def test_there_are_examples_to_build() -> None:
    assert [t.parent.name for t in EXAMPLES] == ["lambda-route"]


@pytest.mark.skipif(not SAM.exists(), reason="needs the dev tools (make install)")
@pytest.mark.parametrize("template", EXAMPLES, ids=lambda t: t.parent.name)
def test_sam_build_ships_every_package_the_handler_imports(template: Path, tmp_path: Path) -> None:
    # A copy, so the build writes nothing into the checkout (SAM may leave files beside it).
    source = tmp_path / "source"
    shutil.copytree(template.parent, source)
    build = tmp_path / "build"
    done = subprocess.run(
        [SAM, "build", "--template", source / "template.yaml", "--build-dir", build,
         "--region", "us-east-1"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=source,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "requirements.txt file not found" not in output
    built_functions = functions(source / "template.yaml")
    assert built_functions
    for function in built_functions:
        artifact = build / function.logical_id
        wanted = third_party_imports(function.code)
        assert wanted, f"{function.logical_id} imports nothing to check"
        present = {p.name.removesuffix(".py") for p in artifact.iterdir()}
        assert wanted - present == set(), f"{function.logical_id} lacks {wanted - present}"
        assert (artifact / "app.py").is_file()
