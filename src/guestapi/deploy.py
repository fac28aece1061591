"""Deploy the stack with `sam build` and `sam deploy` (docs/deploying.md), then save its outputs
for the client and the checks. SAM does the deploying; this module only adds a credentials and
region check before anything starts, and the outputs file in the shape guestapi.outputs reads.
`sam build` first: the attestation function's dependencies (pyattest, aws-lambda-powertools)
reach its package only through a build.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import BotoCoreError

from guestapi.errors import GuestApiError
from guestapi.outputs import default_outputs_path, fetch_stack_outputs, write_outputs_file
from guestapi.samconfig import DEFAULT_FILE_NAME, SamConfigError, stack_settings
from guestapi.tools import find_tool


class DeployError(GuestApiError):
    """Deploying cannot start or finish: no template, credentials, region or stack."""


class SamDeployFailed(GuestApiError):
    """`sam build` or `sam deploy` itself failed; its output is already on the terminal."""

    def __init__(self, returncode: int, step: str = "deploy") -> None:
        super().__init__(f"sam {step} failed with exit code {returncode}; see its output above")
        self.returncode = returncode


@dataclass(frozen=True)
class DeployRequest:
    config_env: str = "default"
    guided: bool = False
    template: Path = Path("template.yaml")
    outputs_file: Path | None = None

    @property
    def samconfig(self) -> Path:
        # sam reads samconfig.toml from the template's directory, so do we.
        return self.template.parent / DEFAULT_FILE_NAME

    @property
    def build_dir(self) -> Path:
        return self.template.parent / ".aws-sam" / "build"

    @property
    def outputs_path(self) -> Path:
        return self.outputs_file or default_outputs_path(self.config_env)


def sam_build_command(sam: str, request: DeployRequest) -> list[str]:
    return [
        sam,
        "build",
        "--template-file",
        str(request.template),
        "--build-dir",
        str(request.build_dir),
        "--config-env",
        request.config_env,
        "--config-file",
        str(request.samconfig),
    ]


def sam_deploy_command(sam: str, request: DeployRequest) -> list[str]:
    # The built template, whose CodeUris point at the packaged functions; samconfig named
    # explicitly, since sam would otherwise look for it next to the built template.
    command = [
        sam,
        "deploy",
        "--template-file",
        str(request.build_dir / "template.yaml"),
        "--config-env",
        request.config_env,
        "--config-file",
        str(request.samconfig),
    ]
    if request.guided:
        command.append("--guided")
    # A re-deploy with nothing to change is a success: we still want the outputs file.
    command.append("--no-fail-on-empty-changeset")
    return command


def describe_stacks_command(stack_name: str, region: str | None) -> list[str]:
    """The AWS CLI line equivalent to what we read with DescribeStacks (shown by --dry-run)."""
    command = ["aws", "cloudformation", "describe-stacks", "--stack-name", stack_name]
    if region:
        command += ["--region", region]
    return [*command, "--query", "Stacks[0].Outputs", "--output", "table"]


def _botocore_has_credentials() -> bool:
    # Resolves the provider chain (env, profile, SSO cache, ...) without calling AWS.
    try:
        return botocore.session.Session().get_credentials() is not None
    except BotoCoreError as exc:  # e.g. AWS_PROFILE names a profile that does not exist
        raise DeployError(f"cannot load AWS credentials: {exc}") from None


def _botocore_region() -> str | None:
    try:
        return botocore.session.Session().get_config_variable("region")
    except BotoCoreError as exc:
        raise DeployError(f"cannot load the AWS configuration: {exc}") from None


Runner = Callable[..., subprocess.CompletedProcess[Any]]


@dataclass
class World:
    """What deploying talks to outside this process; tests replace the parts they fake."""

    runner: Runner = subprocess.run
    has_credentials: Callable[[], bool] = _botocore_has_credentials
    default_region: Callable[[], str | None] = _botocore_region
    #: region -> CloudFormation client; None lets guestapi.outputs build a real one.
    cloudformation: Callable[[str | None], Any] | None = None
    find_sam: Callable[[], str] = field(default=lambda: find_tool("sam"))
    echo: Callable[[str], None] = print


def _require_template(request: DeployRequest) -> None:
    # First, before samconfig.toml: that is looked for beside the template, so a mistyped
    # --template would otherwise be reported as a samconfig.toml the user never named.
    if not request.template.is_file():
        raise DeployError(
            f"template {request.template} not found: pass --template PATH "
            "(default: template.yaml in the current directory)"
        )


def _stack_and_region(request: DeployRequest, world: World) -> tuple[str, str | None]:
    settings = stack_settings(request.samconfig, request.config_env)
    return settings.stack_name, settings.region or world.default_region()


def dry_run(request: DeployRequest, world: World) -> list[list[str]]:
    """Print the exact commands a real run would use; run nothing."""
    _require_template(request)
    sam = world.find_sam()
    try:
        stack, region = _stack_and_region(request, world)
    except SamConfigError:
        if not request.guided:
            raise
        stack, region = "<stack name you choose>", None  # --guided creates samconfig.toml
    commands = [
        sam_build_command(sam, request),
        sam_deploy_command(sam, request),
        describe_stacks_command(stack, region),
    ]
    for command in commands:
        world.echo(shlex.join(command))
    world.echo(f"# then writes the outputs to {request.outputs_path}")
    return commands


def deploy(request: DeployRequest, world: World) -> dict[str, str]:
    """Run sam deploy, read the stack outputs, write them to the outputs file; return them."""
    _require_template(request)
    if not request.guided:
        # Fail before sam starts on a bad environment or a missing region (--guided asks).
        _, region = _stack_and_region(request, world)
        if not region:
            raise DeployError(
                "no AWS region configured: set AWS_DEFAULT_REGION, a profile region, or `region` "
                f"under [{request.config_env}.deploy.parameters] in {request.samconfig}"
            )
    if not world.has_credentials():
        raise DeployError(
            "no AWS credentials found: configure a profile (aws configure / aws sso login) "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run again"
        )
    sam = world.find_sam()
    for step, command in (
        ("build", sam_build_command(sam, request)),
        ("deploy", sam_deploy_command(sam, request)),
    ):
        try:
            world.runner(command, check=True)
        except subprocess.CalledProcessError as exc:
            raise SamDeployFailed(exc.returncode, step) from None

    # Read samconfig again: --guided may just have written the stack name and region.
    stack, region = _stack_and_region(request, world)
    client = world.cloudformation(region) if world.cloudformation else None
    outputs = fetch_stack_outputs(stack, region, client=client)
    write_outputs_file(outputs, request.outputs_path)
    world.echo(f"wrote the outputs of stack {stack} to {request.outputs_path}")
    for key in sorted(outputs):
        world.echo(f"  {key} = {outputs[key]}")
    return outputs
