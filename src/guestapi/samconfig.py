"""Read the stack settings of one samconfig.toml environment (the file `sam deploy` uses).

scripts/deploy.py and scripts/check.py take ``--config-env ENV`` and must find the same stack
that ``sam deploy --config-env ENV`` made, so they read the same file the same way SAM does:
``[ENV.global.parameters]`` overlaid by ``[ENV.deploy.parameters]``, with no inheritance
between environments.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guestapi.errors import GuestApiError

#: SAM looks for samconfig.toml next to the template.
DEFAULT_FILE_NAME = "samconfig.toml"

# SAM also accepts the CloudFormation CLI form of one override.
_LONG_FORM = re.compile(r"^ParameterKey=([^,]+),ParameterValue=(.*)$", re.DOTALL)


class SamConfigError(GuestApiError):
    """samconfig.toml is missing, malformed, or has no such environment / stack name."""


@dataclass(frozen=True)
class StackSettings:
    stack_name: str
    region: str | None
    parameter_overrides: dict[str, str] = field(default_factory=dict)


def parse_parameter_overrides(value: str | list[str], *, source: str = "") -> dict[str, str]:
    """``'A="x" B=y'`` (the form `sam deploy --guided` saves) or ``["A=x", "B=y"]`` -> dict.

    Written here rather than taken from samcli: samcli is a dev tool with no public API for it,
    and check.py must run without it. shlex gives the same quoting rules as SAM's own parser
    for the values samconfig files hold (a unit test compares the two).
    """
    where = f"{source}: " if source else ""
    if isinstance(value, str):
        try:
            tokens = shlex.split(value)
        except ValueError as exc:
            raise SamConfigError(f"{where}parameter_overrides is malformed ({exc})") from None
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        tokens = list(value)
    else:
        raise SamConfigError(f"{where}parameter_overrides must be a string or a list of strings")
    overrides: dict[str, str] = {}
    for token in tokens:
        long_form = _LONG_FORM.match(token)
        if long_form:
            key, val = long_form.group(1), long_form.group(2)
        else:
            key, sep, val = token.partition("=")
            if not sep or not key:
                raise SamConfigError(
                    f"{where}parameter_overrides entry {token!r} is not Name=Value"
                )
        overrides[key] = val
    return overrides


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    node: Any = data
    for key in keys:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def stack_settings(path: Path, env: str) -> StackSettings:
    """Stack name, region (None = use the AWS default) and parameter overrides of ``env``."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SamConfigError(
            f"{path} not found: run `sam deploy --guided` once to create it, "
            "or run from the directory that holds template.yaml"
        ) from None
    except OSError as exc:
        raise SamConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SamConfigError(f"{path} is not valid TOML: {exc}") from None

    envs = sorted(k for k, v in data.items() if isinstance(v, dict))
    if env not in envs:
        raise SamConfigError(
            f"{path} has no environment {env!r} (it has: {', '.join(envs) or 'none'}); "
            "pick one with `make deploy ENV=NAME` / `make check ENV=NAME` "
            "(scripts: --config-env NAME)"
        )
    settings = {**_table(data, env, "global", "parameters")}
    settings.update(_table(data, env, "deploy", "parameters"))

    stack_name = settings.get("stack_name")
    if not isinstance(stack_name, str) or not stack_name:
        raise SamConfigError(
            f"{path} [{env}] sets no stack_name: add it under [{env}.global.parameters] "
            f"or run `sam deploy --guided --config-env {env}`"
        )
    region = settings.get("region")
    if region is not None and not isinstance(region, str):
        raise SamConfigError(f"{path} [{env}] region must be a string")
    overrides = settings.get("parameter_overrides", [])
    return StackSettings(
        stack_name=stack_name,
        region=region or None,
        parameter_overrides=parse_parameter_overrides(overrides, source=f"{path} [{env}]"),
    )
