"""`.pre-commit-config.yaml` is one the pinned pre-commit accepts without a warning, and every
hook runs from the project virtualenv, so `pre-commit run --all-files` (which `make test-all`,
and so CI, runs) needs no download: no git clone of a hook repository, no hook environment to
build."""

from __future__ import annotations

import logging
import re
import shlex
from pathlib import Path

import pytest
from pre_commit.clientlib import load_config
from pre_commit.hook import Hook
from pre_commit.prefix import Prefix

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".pre-commit-config.yaml"


def _hooks() -> list[dict]:
    return [hook for repo in load_config(str(CONFIG))["repos"] for hook in repo["hooks"]]


def test_the_pinned_pre_commit_reads_the_config_without_a_warning(caplog):
    # pre-commit only warns (and then ignores) a key it does not know, such as a hook's `env:`:
    # a warning here is a setting that silently does nothing.
    # Reading the file checks the repositories; making each hook, as `pre-commit run` does,
    # checks the hooks' own keys.
    with caplog.at_level(logging.WARNING, logger="pre_commit"):
        config = load_config(str(CONFIG))
        for repo in config["repos"]:
            for hook in repo["hooks"]:
                Hook.create(repo["repo"], Prefix(str(ROOT)), hook)
    assert [r.getMessage() for r in caplog.records] == []
    assert config["repos"]


def test_every_hook_is_local_and_runs_a_tool_of_the_project_virtualenv():
    repos = load_config(str(CONFIG))["repos"]
    assert [r["repo"] for r in repos] == ["local"], "a remote hook repository means a git clone"
    for hook in _hooks():
        # `system`, which pre-commit 4 reads as its new name `unsupported`: run the entry as is.
        assert hook["language"] in ("system", "unsupported"), hook["id"]
        words = shlex.split(hook["entry"])
        program = next(w for w in words if w != "env" and "=" not in w)
        assert program.startswith(".venv/bin/"), hook["id"]
        assert (ROOT / program).exists() or not (ROOT / ".venv").exists(), program


def test_sam_validate_runs_without_telemetry_and_with_a_region():
    (hook,) = [h for h in _hooks() if h["id"] == "sam-validate"]
    words = shlex.split(hook["entry"])
    assert words[:2] == ["env", "SAM_CLI_TELEMETRY=0"]
    assert "--region" in words


@pytest.mark.parametrize(
    "tool", ["ruff-check", "ruff-format", "cfn-lint", "sam-validate", "mypy", "lint-imports"]
)
def test_the_checks_make_lint_and_make_test_all_rely_on_are_hooks(tool):
    assert tool in {h["id"] for h in _hooks()}


def test_make_test_all_runs_every_hook():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test-all:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    assert "pre-commit run --all-files" in recipe.group(1)
