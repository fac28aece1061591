"""scripts/lint.py with the real tools (cfn-lint with the project's rules, sam validate --lint,
checkov): the shipped template passes, a broken copy fails each tool. tests/unit/test_lint.py
covers the reporting with the tools faked."""

from __future__ import annotations

import pytest

from _template_variants import write_variant
from guestapi.cli.lint import main

pytestmark = pytest.mark.slow


def test_real_tools_pass_the_project_template(template_path, capsys):
    assert main(["--template", str(template_path)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "cfn-lint: ok" in out
    assert "sam validate --lint: ok" in out
    assert "checkov: ok (Passed checks:" in out


def test_real_tools_report_a_broken_copy(template_path, tmp_path, capsys):
    # Three breakages: an out-of-range property (cfn-lint and sam), the checkov suppressions
    # removed from the API (X-Ray, access logs, caching) and from the optional log group
    # (KMS), which only the features-on checkov run can see.
    text = template_path.read_text()
    assert "MaxSessionDuration: 3600" in text
    text = text.replace("MaxSessionDuration: 3600", "MaxSessionDuration: 99")
    for resource_type in ("Type: AWS::Serverless::Api", "Type: AWS::Logs::LogGroup"):
        start = text.index("    Metadata:\n      checkov:\n", text.index(resource_type))
        end = text.index("    Properties:\n", start)
        text = text[:start] + text[end:]
    broken = tmp_path / "template.yaml"
    broken.write_text(text)

    assert main(["--template", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "cfn-lint: FINDINGS" in out
    assert "E3034" in out
    assert "sam validate --lint: FINDINGS" in out
    assert "checkov: FINDINGS" in out
    assert "CKV_AWS_73" in out
    assert "checkov (EnableWaf, EnableAccessLogs, AttestationMode=enforce on): FINDINGS" in out
    assert "CKV_AWS_158" in out
    assert "lint: findings from cfn-lint, sam validate --lint, checkov, cfn-lint (" in out


def test_lint_script_reports_the_rule_on_a_widened_policy(template_path, tmp_path, capsys):
    # `make lint` / scripts/lint.py: the project's rules (tests/unit/test_lint_rules.py) run
    # inside its cfn-lint step.
    widened = write_variant(
        template_path, tmp_path, ("Action: execute-api:Invoke", "Action: execute-api:*")
    )
    assert main(["--template", str(widened)]) == 1
    out = capsys.readouterr().out
    assert "cfn-lint: FINDINGS" in out
    assert "E9103 GuestRole: policy invoke-get-demo, statement 0 allows the action wildcard" in out
