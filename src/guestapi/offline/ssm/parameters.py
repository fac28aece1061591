"""SSM parameters: `AWS::SSM::Parameter` properties checked into a `ParameterSpec` (PutParameter).

What CloudFormation would refuse (no Type or Value, a SecureString, a name SSM does not accept,
a value that fails its AllowedPattern, an unknown property) is refused here as one line naming
the resource. Properties that change nothing offline (Tags, Policies) are accepted and listed in
`ParameterSpec.ignored`. docs/aws-behaviour.md#ssm-parameters-in-cloudformation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from guestapi.template import TemplateError

PARAMETER_TYPE = "AWS::SSM::Parameter"
STRING, STRING_LIST, SECURE_STRING = "String", "StringList", "SecureString"
# SSM's naming rules: letters, digits, _ . - and / for hierarchies; a name with a / starts with
# one; no "aws" or "ssm" prefix (either case); at most 15 levels.
_NAME = re.compile(r"(?!(?i:aws|ssm))[\w.-]+|/(?!(?i:aws|ssm))[\w.-]+(?:/[\w.-]+)*", flags=re.ASCII)
MAX_DEPTH = 15

_NO_OFFLINE_EFFECT = {
    "Tags": "tags are not evaluated offline",
    "Policies": "parameter policies (expiration, notifications) are not emulated",
}
_MAPPED = frozenset({"Name", "Type", "Value", "Description", "AllowedPattern", "DataType", "Tier"})


class ParameterDefinitionError(TemplateError):
    """An SSM parameter CloudFormation (or SSM) would refuse to create (one line)."""


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter, checked, ready for PutParameter. `logical_id` is "" for a seeded one."""

    logical_id: str
    name: str
    arn: str
    type: str
    value: str
    description: str | None = None
    allowed_pattern: str | None = None
    data_type: str | None = None
    tier: str | None = None
    ignored: tuple[str, ...] = field(default=())

    def put_parameter_request(self) -> dict[str, Any]:
        request: dict[str, Any] = {"Name": self.name, "Type": self.type, "Value": self.value}
        optional = {
            "Description": self.description,
            "AllowedPattern": self.allowed_pattern,
            "DataType": self.data_type,
            "Tier": self.tier,
        }
        request.update({key: value for key, value in optional.items() if value is not None})
        return request


def parameter_arn(partition: str, region: str, account_id: str, name: str) -> str:
    """`arn:<partition>:ssm:<region>:<account>:parameter/<name>`, the name's leading / dropped:
    "/app/key" and "key" give `parameter/app/key` and `parameter/key`
    (docs/aws-behaviour.md#ssm-authorization)."""
    return f"arn:{partition}:ssm:{region}:{account_id}:parameter/{name.removeprefix('/')}"


def check_name(name: str, where: str) -> None:
    if not _NAME.fullmatch(name):
        raise ParameterDefinitionError(
            f"{where}: parameter name {name!r} is not one SSM accepts (letters, digits, _ . - "
            "and /; a hierarchy starts with /; no aws or ssm prefix)"
        )
    if name.count("/") > MAX_DEPTH:
        raise ParameterDefinitionError(f"{where}: parameter name {name!r} is over 15 levels deep")


def parameter_spec(
    logical_id: str, properties: Mapping[str, Any], *, name: str, arn: str
) -> ParameterSpec:
    """The checked parameter of an `AWS::SSM::Parameter` whose properties are resolved."""
    where = f"{logical_id} ({PARAMETER_TYPE})"
    unknown = sorted(set(properties) - _MAPPED - set(_NO_OFFLINE_EFFECT))
    if unknown:
        raise ParameterDefinitionError(f"{where}: unsupported property {unknown[0]}")
    kind = properties.get("Type")
    if kind == SECURE_STRING:
        raise ParameterDefinitionError(
            f"{where}: SSM parameters of type SecureString cannot be created using CloudFormation"
        )
    if kind not in (STRING, STRING_LIST):
        raise ParameterDefinitionError(f"{where}: Type {kind!r} (String or StringList)")
    value = properties.get("Value")
    if not isinstance(value, str) or not value:
        # A StringList's Value is one comma-separated string too (Fn::Join a list).
        raise ParameterDefinitionError(f"{where}: Value must be a non-empty string")
    check_name(name, where)
    pattern = _optional_text(properties, "AllowedPattern", where)
    if pattern is not None and not _matches(pattern, value, where):
        raise ParameterDefinitionError(f"{where}: Value does not match AllowedPattern {pattern!r}")
    return ParameterSpec(
        logical_id=logical_id,
        name=name,
        arn=arn,
        type=kind,
        value=value,
        description=_optional_text(properties, "Description", where),
        allowed_pattern=pattern,
        data_type=_optional_text(properties, "DataType", where),
        tier=_optional_text(properties, "Tier", where),
        ignored=tuple(f"{p}: {why}" for p, why in _NO_OFFLINE_EFFECT.items() if p in properties),
    )


def _optional_text(properties: Mapping[str, Any], key: str, where: str) -> str | None:
    value = properties.get(key)
    if value is not None and not isinstance(value, str):
        raise ParameterDefinitionError(f"{where}: {key} must be a string")
    return value


def _matches(pattern: str, value: str, where: str) -> bool:
    try:
        # SSM applies the pattern to the whole value (a Java regex, as Python reads it here).
        return re.fullmatch(pattern, value) is not None
    except re.error as error:
        raise ParameterDefinitionError(f"{where}: AllowedPattern is no regex: {error}") from None
