"""scripts/deploy.py offline: command construction, dry run, and the outputs read through a Stubber.

`sam` is never run: the CLI takes a `World` whose runner records the command instead.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import botocore.session
import pytest
from botocore.stub import Stubber

from guestapi.cli.deploy import run
from guestapi.deploy import (
    DeployRequest,
    World,
    _botocore_has_credentials,
    describe_stacks_command,
    sam_build_command,
    sam_deploy_command,
)
from guestapi.outputs import default_outputs_path

OUTPUTS = {
    "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/dev",
    "IdentityPoolId": "eu-west-1:11111111-2222-3333-4444-555555555555",
    "GuestRoleArn": "arn:aws:iam::123456789012:role/guest-api-dev-GuestRole-X",
    "Region": "eu-west-1",
}


@pytest.fixture
def project(tmp_path: Path, repo_root: Path, monkeypatch) -> Path:
    """A copy of the project's template and samconfig.toml, used as the working directory."""
    shutil.copy(repo_root / "template.yaml", tmp_path)
    shutil.copy(repo_root / "samconfig.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


class FakeRunner:
    def __init__(self, returncode: int = 0) -> None:
        self.returncode = returncode
        self.calls: list[list[str]] = []

    def __call__(self, command, check=False, **kwargs):
        self.calls.append(list(command))
        if check and self.returncode:
            raise subprocess.CalledProcessError(self.returncode, command)
        return subprocess.CompletedProcess(command, self.returncode)


def never_runs(*args, **kwargs):
    raise AssertionError("nothing may run here")


def stubbed_cloudformation(region: str = "eu-west-1"):
    session = botocore.session.Session()
    session.set_credentials("AKIDEXAMPLE", "fake-secret")
    client = session.create_client("cloudformation", region_name=region)
    return client, Stubber(client)


def make_world(*, runner=never_runs, credentials=True, region="eu-west-1", client=None, lines=None):
    return World(
        runner=runner,
        has_credentials=lambda: credentials,
        default_region=lambda: region,
        cloudformation=(lambda _region: client) if client is not None else None,
        find_sam=lambda: "sam",
        echo=(lines.append if lines is not None else print),
    )


def ok_response(status="CREATE_COMPLETE"):
    return {
        "Stacks": [
            {
                "StackName": "guest-api-dev",
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": status,
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in OUTPUTS.items()],
            }
        ]
    }


# -- command construction ------------------------------------------------------------------


def test_sam_command_default_env():
    assert sam_build_command("sam", DeployRequest()) == [
        "sam",
        "build",
        "--template-file",
        "template.yaml",
        "--build-dir",
        ".aws-sam/build",
        "--config-env",
        "default",
        "--config-file",
        "samconfig.toml",
    ]
    assert sam_deploy_command("sam", DeployRequest()) == [
        "sam",
        "deploy",
        "--template-file",
        ".aws-sam/build/template.yaml",
        "--config-env",
        "default",
        "--config-file",
        "samconfig.toml",
        "--no-fail-on-empty-changeset",
    ]


def test_sam_command_guided_prod_other_template():
    request = DeployRequest(config_env="prod", guided=True, template=Path("infra/t.yaml"))
    assert sam_deploy_command("/v/bin/sam", request) == [
        "/v/bin/sam",
        "deploy",
        "--template-file",
        "infra/.aws-sam/build/template.yaml",
        "--config-env",
        "prod",
        "--config-file",
        "infra/samconfig.toml",
        "--guided",
        "--no-fail-on-empty-changeset",
    ]
    assert sam_build_command("/v/bin/sam", request)[2:4] == ["--template-file", "infra/t.yaml"]
    assert request.samconfig == Path("infra/samconfig.toml")  # next to the template, as sam


def test_describe_command():
    assert describe_stacks_command("s", "eu-west-1") == [
        "aws",
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        "s",
        "--region",
        "eu-west-1",
        "--query",
        "Stacks[0].Outputs",
        "--output",
        "table",
    ]
    assert "--region" not in describe_stacks_command("s", None)


def test_default_outputs_path():
    assert default_outputs_path("prod") == Path(".guestapi/outputs-prod.json")
    assert DeployRequest(config_env="prod").outputs_path == Path(".guestapi/outputs-prod.json")
    assert DeployRequest(outputs_file=Path("x.json")).outputs_path == Path("x.json")


# -- dry run -------------------------------------------------------------------------------


def test_dry_run_prints_the_exact_commands_and_runs_nothing(project, capsys):
    lines: list[str] = []
    world = make_world(credentials=False, lines=lines)  # a dry run needs no credentials
    assert run(["--dry-run", "--config-env", "prod"], world) == 0
    assert lines[0] == shlex.join(sam_build_command("sam", DeployRequest(config_env="prod")))
    assert lines[1] == shlex.join(
        [
            "sam",
            "deploy",
            "--template-file",
            ".aws-sam/build/template.yaml",
            "--config-env",
            "prod",
            "--config-file",
            "samconfig.toml",
            "--no-fail-on-empty-changeset",
        ]
    )
    assert lines[2] == (
        "aws cloudformation describe-stacks --stack-name guest-api-prod --region eu-west-1 "
        "--query 'Stacks[0].Outputs' --output table"
    )
    assert ".guestapi/outputs-prod.json" in lines[3]
    assert not (project / ".guestapi").exists()


def test_dry_run_guided_without_samconfig(project):
    (project / "samconfig.toml").unlink()
    lines: list[str] = []
    assert run(["--dry-run", "--guided"], make_world(lines=lines)) == 0
    assert "--guided" in shlex.split(lines[1])


# -- a real run, with sam faked and DescribeStacks stubbed -----------------------------------


def test_deploy_runs_sam_then_writes_the_outputs(project):
    client, stubber = stubbed_cloudformation()
    stubber.add_response("describe_stacks", ok_response(), {"StackName": "guest-api-dev"})
    runner = FakeRunner()
    lines: list[str] = []
    with stubber:
        assert run([], make_world(runner=runner, client=client, lines=lines)) == 0
    stubber.assert_no_pending_responses()
    assert runner.calls == [
        sam_build_command("sam", DeployRequest()),
        sam_deploy_command("sam", DeployRequest()),
    ]
    written = project / ".guestapi" / "outputs-default.json"
    assert json.loads(written.read_text()) == OUTPUTS
    assert any(
        "guest-api-dev" in line and str(default_outputs_path("default")) in line for line in lines
    )


def test_deploy_outputs_file_option(project):
    client, stubber = stubbed_cloudformation()
    stubber.add_response("describe_stacks", ok_response("UPDATE_COMPLETE"))
    target = project / "out" / "o.json"
    with stubber:
        code = run(["--outputs-file", str(target)], make_world(runner=FakeRunner(), client=client))
    assert code == 0
    assert json.loads(target.read_text()) == OUTPUTS


def test_no_credentials_is_exit_2_one_line_and_sam_never_runs(project, capsys):
    assert run([], make_world(credentials=False)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("deploy.py: no AWS credentials found")


def test_real_credentials_check_finds_none_in_an_empty_environment(monkeypatch, tmp_path):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert _botocore_has_credentials() is False
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    assert _botocore_has_credentials() is True


def test_no_stack_after_deploy_is_exit_2_one_line(project, capsys):
    client, stubber = stubbed_cloudformation()
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id guest-api-dev does not exist",
    )
    with stubber:
        assert run([], make_world(runner=FakeRunner(), client=client)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "stack guest-api-dev does not exist in eu-west-1" in err
    assert not (project / ".guestapi").exists()


def test_sam_failure_exits_with_its_code_and_one_line(project, capsys):
    runner = FakeRunner(returncode=7)
    assert run([], make_world(runner=runner)) == 7  # no deploy or DescribeStacks after it
    err = capsys.readouterr().err
    assert err == "deploy.py: sam build failed with exit code 7; see its output above\n"
    assert [call[1] for call in runner.calls] == ["build"]


def test_no_region_is_exit_2_before_sam(project, capsys):
    assert run([], make_world(region=None)) == 2
    assert "no AWS region configured" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "setup", "message"),
    [
        (["--config-env", "qa"], None, "has no environment 'qa'"),
        ([], "rm-template", "template template.yaml not found"),
        ([], "rm-samconfig", "samconfig.toml not found"),
    ],
)
def test_bad_target_is_exit_2_one_line(project, capsys, argv, setup, message):
    if setup == "rm-template":
        (project / "template.yaml").unlink()
    if setup == "rm-samconfig":
        (project / "samconfig.toml").unlink()
    assert run(argv, make_world()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_guided_reads_the_stack_name_sam_saved(project):
    # --guided may create or rewrite samconfig.toml: the stack name is read after sam ran.
    (project / "samconfig.toml").unlink()

    def guided_sam(command, check=False):
        (project / "samconfig.toml").write_text(
            'version = 0.1\n[default.deploy.parameters]\nstack_name = "my-own-name"\n'
            'region = "eu-west-1"\n'
        )
        return subprocess.CompletedProcess(command, 0)

    client, stubber = stubbed_cloudformation()
    stubber.add_response("describe_stacks", ok_response(), {"StackName": "my-own-name"})
    with stubber:
        assert run(["--guided"], make_world(runner=guided_sam, client=client)) == 0
    stubber.assert_no_pending_responses()


def test_interrupted_sam_is_one_line(project, capsys):
    def interrupted(command, check=False):
        raise KeyboardInterrupt

    assert run([], make_world(runner=interrupted)) == 130
    assert capsys.readouterr().err.startswith("deploy.py: interrupted;")


@pytest.mark.parametrize("extra", [["--dry-run"], ["--dry-run", "--guided"], []])
def test_missing_template_is_named_before_samconfig(project, capsys, extra):
    # The template is looked for first, in a directory that has no samconfig.toml either:
    # the user is told about the file they named, not about a samconfig.toml they never did.
    lines: list[str] = []
    assert run([*extra, "--template", "missing.yaml"], make_world(lines=lines)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "template missing.yaml not found" in err
    assert "samconfig" not in err
    assert lines == []  # a dry run printed no command for a template that is not there


def test_missing_template_in_another_directory(project, capsys):
    assert run(["--dry-run", "--template", "elsewhere/template.yaml"], make_world()) == 2
    err = capsys.readouterr().err
    assert "template elsewhere/template.yaml not found" in err
    assert "samconfig" not in err
