"""The one place that loads stack outputs: from CloudFormation, or from a JSON file.

Everything downstream (the guest client, the checks, the browser example) is given a plain
``dict[str, str]`` of output key -> value and cannot tell a real stack from the offline one.
``scripts/deploy.py`` writes the real stack's outputs to ``.guestapi/outputs-ENV.json``; the
offline stack writes the same shape.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
)

from guestapi.errors import GuestApiError
from guestapi.textfiles import parse_json, read_text

#: Where scripts/deploy.py writes a stack's outputs and scripts/check.py looks for them,
#: relative to the working directory (the Makefile runs from the repository root).
OUTPUTS_DIR = Path(".guestapi")


def default_outputs_path(config_env: str) -> Path:
    """``.guestapi/outputs-ENV.json`` for a samconfig.toml environment."""
    return OUTPUTS_DIR / f"outputs-{config_env}.json"


#: Outputs every consumer needs; a stack or file without them is not usable.
REQUIRED = ("ApiUrl", "IdentityPoolId", "Region")

#: Stack states whose outputs describe a working deployment. UPDATE_ROLLBACK_COMPLETE is
#: included on purpose: a failed update rolled back to the previous, still-serving version.
_USABLE_STATUSES = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}
)


class OutputsError(GuestApiError):
    """Stack outputs could not be loaded (no file, no stack, no credentials, bad state)."""


def _validated(outputs: Any, source: str) -> dict[str, str]:
    if not isinstance(outputs, dict):
        raise OutputsError(f"{source}: expected a JSON object of output name -> value")
    bad = sorted(str(k) for k, v in outputs.items() if not isinstance(v, str))
    if bad:
        raise OutputsError(f"{source}: output values must be strings (not: {', '.join(bad)})")
    missing = [key for key in REQUIRED if not outputs.get(key)]
    if missing:
        raise OutputsError(
            f"{source}: missing required output(s) {', '.join(missing)}; "
            "was it written by scripts/deploy.py or the offline stack from this template?"
        )
    return dict(outputs)


#: The file the offline stack writes under ``make local`` (scripts/local.py --outputs-file).
LOCAL_OUTPUTS_NAME = "outputs-local.json"


def _missing_file_hint(path: Path) -> str:
    """The command that writes this file, so the error names the right one."""
    if path.name == LOCAL_OUTPUTS_NAME:
        return "start the offline stack with `make local` (it writes this file) and keep it running"
    prefix, suffix = "outputs-", ".json"
    if path.name.startswith(prefix) and path.name.endswith(suffix):
        env = path.name[len(prefix) : -len(suffix)]
        make = "make deploy" if env == "default" else f"make deploy ENV={env}"
        return (
            f"deploy with `{make}` (or `scripts/deploy.py --config-env {env}`), which writes it; "
            f"for the offline stack, run `make local` and use .guestapi/{LOCAL_OUTPUTS_NAME}"
        )
    return (
        "run `make deploy` (AWS) or `make local` (offline stack) first, "
        "or pass the path of an existing outputs file"
    )


def load_outputs_file(path: Path) -> dict[str, str]:
    """Read an outputs JSON file (object of output key -> value) and check REQUIRED keys."""
    text = read_text(
        path,
        OutputsError,
        what="outputs file",
        missing_hint=_missing_file_hint(path),
    )
    data = parse_json(text, OutputsError, what=f"outputs file {path}")
    return _validated(data, f"outputs file {path}")


def _cloudformation_client(region: str | None) -> Any:
    session = botocore.session.Session()
    region = region or session.get_config_variable("region")
    if not region:
        raise OutputsError(
            "no AWS region configured: set AWS_DEFAULT_REGION, a profile region, "
            "or `region` in samconfig.toml"
        )
    return session.create_client("cloudformation", region_name=region)


def fetch_stack_outputs(
    stack_name: str, region: str | None = None, *, client: Any = None
) -> dict[str, str]:
    """Outputs of a deployed stack via CloudFormation DescribeStacks.

    ``client`` is a botocore CloudFormation client; tests pass one wrapped in a Stubber.
    Without one, a client is made from botocore's default session (env, profile, SSO...).
    """
    if client is None:
        client = _cloudformation_client(region)
    where = region or client.meta.region_name
    try:
        response = client.describe_stacks(StackName=stack_name)
    except NoCredentialsError:
        raise OutputsError(
            "no AWS credentials found: configure a profile (aws configure / aws sso login) "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        if code == "ValidationError" and "does not exist" in message:
            raise OutputsError(
                f"stack {stack_name} does not exist in {where}: deploy it with `make deploy` "
                "(or check the stack name and region in samconfig.toml)"
            ) from None
        raise OutputsError(
            f"DescribeStacks {stack_name} in {where} failed: {code}: {message}"
        ) from None
    except BotoCoreError as exc:
        # Endpoint unreachable, expired SSO token, bad profile...: botocore's text names the cause.
        raise OutputsError(f"DescribeStacks {stack_name} in {where} failed: {exc}") from None

    stacks = response.get("Stacks") or []
    if not stacks:
        raise OutputsError(
            f"stack {stack_name} does not exist in {where}: deploy it with `make deploy`"
        )
    stack = stacks[0]
    status = stack.get("StackStatus", "?")
    if status not in _USABLE_STATUSES:
        hint = (
            "wait for it to finish"
            if status.endswith("IN_PROGRESS")
            else "fix the failed deploy (see the stack events) and deploy again"
        )
        raise OutputsError(f"stack {stack_name} in {where} is {status}, not usable: {hint}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return _validated(outputs, f"stack {stack_name} in {where}")


def write_outputs_file(outputs: dict[str, str], path: Path) -> None:
    """Write outputs as JSON with sorted keys, creating parent directories.

    Written to a temporary file then renamed, so a reader never sees half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(outputs, indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
