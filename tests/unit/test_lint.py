"""scripts/lint.py: exit codes and reporting, the tools faked (tests/offline/test_lint_tools.py
runs the real ones)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from guestapi.cli.lint import main
from guestapi.lint import (
    LintResult,
    report,
    run_lint,
    suppression_result,
    write_features_on_copy,
)
from guestapi.template.reading import read_template
from guestapi.tools import ToolNotFoundError, find_tool


def fake_find(name: str) -> str:
    return f"/fake/bin/{name}"


class FakeRunner:
    """Answers like the tools would; `failing` names the tool that reports a finding."""

    def __init__(self, failing: str | None = None) -> None:
        self.failing = failing
        self.calls: list[list[str]] = []

    def __call__(self, argv, **kwargs):
        self.calls.append(list(argv))
        tool = Path(argv[0]).name
        if tool == self.failing:
            return subprocess.CompletedProcess(argv, 2, stdout="E3034 a finding\nt.yaml:1:1\n")
        if tool == "checkov":
            out = "Passed checks: 9, Failed checks: 0, Skipped checks: 3\n"
            return subprocess.CompletedProcess(argv, 0, stdout=out, stderr="")
        return subprocess.CompletedProcess(argv, 0, stdout="", stderr="")


def test_runs_the_three_tools_on_the_template(template_path: Path):
    runner = FakeRunner()
    results = run_lint(template_path, runner=runner, find=fake_find)
    assert [r.name for r in results] == [
        "cfn-lint",
        "sam validate --lint",
        "checkov",
        "cfn-lint (EnableWaf, EnableAccessLogs, AttestationMode=enforce on)",
        "checkov (EnableWaf, EnableAccessLogs, AttestationMode=enforce on)",
        "checkov suppressions",
    ]
    target = str(template_path.resolve())
    checkov_flags = ["--framework", "cloudformation", "--compact", "--quiet", "--skip-download"]
    calls = sorted(runner.calls)
    features_on = next(c for c in calls if c[2].endswith("template-features-on.json"))
    assert calls == sorted(
        [
            [
                "/fake/bin/cfn-lint",
                "--non-zero-exit-code",
                "informational",
                "--append-rules=guestapi.lint_rules",
                target,
            ],
            ["/fake/bin/sam", "validate", "--lint", "--template", target],
            ["/fake/bin/checkov", "--file", target, *checkov_flags],
            ["/fake/bin/checkov", "--file", features_on[2], *checkov_flags],
            [
                "/fake/bin/cfn-lint",
                "--non-zero-exit-code",
                "informational",
                "--append-rules=guestapi.lint_rules",
                features_on[2],
            ],
        ]
    )
    assert all(r.clean for r in results)
    assert results[2].summary.startswith("Passed checks: 9")
    assert not Path(features_on[2]).exists()  # the scratch copy is cleaned up


def test_features_on_copy_switches_every_optional_resource_on(template_path, tmp_path):
    template = read_template(template_path)[1]
    path, toggles = write_features_on_copy(template, tmp_path)
    assert toggles == ["EnableWaf", "EnableAccessLogs", "AttestationMode=enforce"]
    copy = json.loads(path.read_text())
    assert copy["Parameters"]["EnableWaf"]["Default"] == "true"
    assert copy["Parameters"]["EnableAccessLogs"]["Default"] == "true"
    assert copy["Parameters"]["AttestationMode"]["Default"] == "enforce"
    assert copy["Parameters"]["AllowClassicFlow"]["Default"] == "false"  # not a feature toggle
    assert template["Parameters"]["EnableWaf"]["Default"] == "false"  # original untouched
    assert copy["Resources"] == template["Resources"]


@pytest.mark.parametrize("tool", ["cfn-lint", "sam", "checkov"])
def test_any_tool_finding_is_exit_1_with_the_finding_printed(template_path, tool):
    lines: list[str] = []
    results = run_lint(template_path, runner=FakeRunner(failing=tool), find=fake_find)
    assert report(results, lines.append) == 1
    assert "    E3034 a finding" in lines
    assert lines[-1].startswith("lint: findings from ")


def test_clean_report_is_exit_0():
    lines: list[str] = []
    assert report([LintResult("x", 0, "", "fine")], lines.append) == 0
    assert lines == ["x: ok (fine)", "lint: no findings"]


def test_a_suppression_without_a_reason_is_a_finding():
    template = {
        "Resources": {
            "A": {"Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_1", "comment": "because"}]}}},
            "B": {"Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_2"}]}}},
            "C": {
                "Metadata": {
                    "checkov": {"skip": [{"id": "CKV_AWS_3", "comment": "MOCK, no backend"}]}
                }
            },
        }
    }
    result = suppression_result(template)
    assert not result.clean
    assert result.output.splitlines() == [
        "A: checkov skip CKV_AWS_1 has no written reason (comment:)",
        "B: checkov skip CKV_AWS_2 has no written reason (comment:)",
    ]
    template["Resources"]["A"]["Metadata"]["checkov"]["skip"][0]["comment"] = "a real reason here"
    template["Resources"]["B"]["Metadata"]["checkov"]["skip"][0]["comment"] = "a real reason too"
    assert suppression_result(template).clean


def test_project_template_suppressions_all_have_reasons(template_path):
    result = suppression_result(read_template(template_path)[1])
    assert result.clean, result.output
    assert "CKV_AWS_73 on Api" in result.summary


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found: run from the repository root or pass --template"),
        (
            "Resources: [\n",
            "malformed YAML: expected the node content, but found '<stream end>' (line 2",
        ),
        ("just a string\n", "is not a CloudFormation template"),
        ("Resources: 3\n", "is not a CloudFormation template"),
    ],
)
def test_missing_or_malformed_template_is_exit_2_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "template.yaml"
    if content is not None:
        path.write_text(content)
    assert main(["--template", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def _interpreter_in(directory, monkeypatch):
    # What find_tool reads: where this interpreter lives, and PATH.
    monkeypatch.setattr(sys, "executable", str(directory / "python"))


def test_missing_tool_is_one_clear_error(tmp_path, monkeypatch):
    _interpreter_in(tmp_path, monkeypatch)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        ToolNotFoundError, match=r"^cfn-lint not found next to .* run `make install`"
    ):
        find_tool("cfn-lint")


def test_missing_tool_stops_the_run_before_any_tool_runs(template_path):
    def find(name):
        if name == "checkov":
            raise ToolNotFoundError("checkov not found")
        return fake_find(name)

    runner = FakeRunner()
    with pytest.raises(ToolNotFoundError):
        run_lint(template_path, runner=runner, find=find)
    assert runner.calls == []


def test_find_tool_prefers_the_interpreters_directory(tmp_path, monkeypatch):
    venv_bin, elsewhere = tmp_path / "venv", tmp_path / "path"
    for directory in (venv_bin, elsewhere):
        directory.mkdir()
        tool = directory / "sam"
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(elsewhere))
    _interpreter_in(venv_bin, monkeypatch)
    assert find_tool("sam") == str(venv_bin / "sam")
    _interpreter_in(tmp_path, monkeypatch)
    assert find_tool("sam") == str(elsewhere / "sam")
