"""The Python snippet of docs/clients.md, run as written against the offline stack.

Only the outputs-file path is substituted (the page names the deployed stack's file); if the
snippet ever stops taking the Cognito endpoint from the outputs, it calls the real Cognito and
this test fails.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from guestapi.outputs import write_outputs_file

PAGE = Path(__file__).resolve().parents[2] / "docs" / "clients.md"
DEPLOYED_PATH = '".guestapi/outputs-default.json"'


def readme_python_snippet() -> str:
    """The one ```python block of the page's section "In Python"."""
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("## In Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "expected exactly one python block in the section"
    return blocks[0]


def run_snippet(code: str) -> tuple[str, dict[str, object]]:
    namespace: dict[str, object] = {"__name__": "readme_snippet"}
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)  # the page's own code
    finally:
        provider = namespace.get("provider")
        if provider is not None:
            provider.stop_background_refresh()  # type: ignore[attr-defined]
    return out.getvalue(), namespace


def test_readme_snippet_runs_against_the_offline_stack(
    offline_outputs: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the snippet's relative .guestapi/ paths land here
    local_file = tmp_path / ".guestapi" / "outputs-local.json"
    write_outputs_file(offline_outputs, local_file)
    code = readme_python_snippet()
    assert DEPLOYED_PATH in code
    printed, namespace = run_snippet(code.replace(DEPLOYED_PATH, f'"{local_file}"'))

    answer = ast.literal_eval(printed.strip())  # print() of the JSON body's dict
    provider = namespace["provider"]
    assert answer["identityId"] == provider.identity_id()  # type: ignore[attr-defined]
    assert answer["identityId"].startswith(offline_outputs["Region"] + ":")
    # the identity id survived into the cache file the snippet names
    cache = json.loads((tmp_path / ".guestapi" / "identities.json").read_text())
    assert answer["identityId"] in json.dumps(cache)
