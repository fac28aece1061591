"""Each command names itself as it was run: `usage: guestapi-local` and `guestapi-local: ...`
as a console script, `usage: local.py` and `local.py: ...` as scripts/local.py."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {
    "call": "guestapi-call",
    "check": "guestapi-check",
    "debug_token": "guestapi-debug-token",
    "demo": "guestapi-demo",
    "deploy": "guestapi-deploy",
    "export": "guestapi-export",
    "lint": "guestapi-lint",
    "local": "guestapi-local",
}


@pytest.mark.parametrize(("module", "console_script"), COMMANDS.items())
def test_usage_names_the_command_as_it_was_run(
    module: str, console_script: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = importlib.import_module(f"guestapi.cli.{module}")
    monkeypatch.setattr(sys, "argv", [f"/somewhere/.venv/bin/{console_script}"])
    assert cli.build_parser().format_usage().startswith(f"usage: {console_script} ")
    monkeypatch.setattr(sys, "argv", [f"scripts/{module}.py"])
    assert cli.build_parser().format_usage().startswith(f"usage: {module}.py ")


def test_an_error_starts_with_the_console_scripts_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from guestapi.cli import local

    monkeypatch.setattr(sys, "argv", ["/somewhere/.venv/bin/guestapi-local"])
    assert local.main(["--region", "eu-wst-1"]) == 2
    assert capsys.readouterr().err.startswith("guestapi-local: region 'eu-wst-1'")
