"""Parameters, checked the way CloudFormation checks them (with its messages), and the
pseudo parameters (step 2 of a deploy)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from guestapi.template.intrinsics import TemplateError

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_LIST_TYPE = re.compile(r"List<(.+)>")


def validate_parameters(
    declared: Mapping[str, Any], overrides: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str | list[str]]]:
    """Check values against the declarations; return (raw strings, values as Ref returns them)."""
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(
            f"Parameters: [{', '.join(unknown)}] do not exist in the template "
            f"(it declares: {', '.join(declared) or 'none'})"
        )
    missing = [n for n in declared if n not in overrides and "Default" not in (declared[n] or {})]
    if missing:
        raise TemplateError(
            f"Parameters: [{', '.join(missing)}] must have values; pass them as overrides"
        )
    raw: dict[str, str] = {}
    typed: dict[str, str | list[str]] = {}
    for name, declaration in declared.items():
        if not isinstance(declaration, dict):
            raise TemplateError(f"Parameters.{name} must be a mapping with a Type")
        from_override = name in overrides
        value = _parameter_string(overrides[name] if from_override else declaration["Default"])
        typed[name] = _check_parameter(name, declaration, value, from_override)
        raw[name] = value
    return raw, typed


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    """Each declared parameter's Default, as the string CloudFormation would pass."""
    declared = template.get("Parameters")
    return {
        name: _parameter_string(spec["Default"])
        for name, spec in (declared if isinstance(declared, dict) else {}).items()
        if isinstance(spec, dict) and "Default" in spec
    }


def _parameter_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_parameter_string(v) for v in value)
    return str(value)


def _check_parameter(
    name: str, declaration: Mapping[str, Any], value: str, from_override: bool
) -> str | list[str]:
    declared_type = str(declaration.get("Type", ""))
    shown = "****" if str(declaration.get("NoEcho", "")).lower() == "true" else repr(value)
    origin = "override" if from_override else "default value in the template"

    def fail(message: str) -> TemplateError:
        return TemplateError(f"{message} ({origin} {name}={shown})")

    list_match = _LIST_TYPE.fullmatch(declared_type)
    if declared_type.startswith("AWS::SSM::Parameter"):
        raise TemplateError(
            f"Parameter '{name}' has type {declared_type}: SSM parameters need an AWS account "
            "and are not available offline; give the parameter a plain type"
        )
    if declared_type == "CommaDelimitedList" or list_match:
        items: list[str] = value.split(",") if value else []
        item_type = list_match.group(1) if list_match else "String"
        for item in items:
            _check_scalar(name, declaration, item.strip() if list_match else item, item_type, fail)
        return [item.strip() for item in items] if list_match else items
    if declared_type in ("String", "Number") or declared_type.startswith("AWS::"):
        _check_scalar(name, declaration, value, declared_type, fail)
        return value
    raise TemplateError(f"Template format error: Unrecognized parameter type: {declared_type}")


def _check_scalar(
    name: str,
    declaration: Mapping[str, Any],
    value: str,
    value_type: str,
    fail: Callable[[str], TemplateError],
) -> None:
    # With a ConstraintDescription, CloudFormation reports it instead of the failed constraint.
    constraint = declaration.get("ConstraintDescription")

    def violated(default_message: str) -> TemplateError:
        if constraint:
            return fail(f"Parameter '{name}' failed to satisfy constraint: {constraint}")
        return fail(f"Parameter '{name}' {default_message}")

    is_number = value_type == "Number"
    if is_number and not _NUMBER.fullmatch(value):
        raise fail(f"Parameter '{name}' must be a number")
    allowed = declaration.get("AllowedValues")
    if allowed is not None:
        allowed_strings = [_parameter_string(a) for a in allowed]
        numeric_match = is_number and any(
            _NUMBER.fullmatch(a) and float(a) == float(value) for a in allowed_strings
        )
        if value not in allowed_strings and not numeric_match:
            raise violated("must be one of AllowedValues")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None:
        try:
            # CloudFormation's patterns (java.util.regex) must match the whole value.
            matched = re.fullmatch(str(pattern), value) is not None
        except re.error as error:
            raise TemplateError(
                f"Parameters.{name}: AllowedPattern is not a valid regular expression ({error})"
            ) from None
        if not matched:
            raise violated(f"must match pattern {pattern}")
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        raise violated(f"must contain at least {declaration['MinLength']} characters")
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        raise violated(f"must contain at most {declaration['MaxLength']} characters")
    if is_number and "MinValue" in declaration and float(value) < float(declaration["MinValue"]):
        raise violated(f"must be a number not less than {declaration['MinValue']}")
    if is_number and "MaxValue" in declaration and float(value) > float(declaration["MaxValue"]):
        raise violated(f"must be a number not greater than {declaration['MaxValue']}")


def pseudo_parameters(
    region: str, account_id: str, stack_name: str, partition: str
) -> dict[str, Any]:
    url_suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {
        "AWS::AccountId": account_id,
        "AWS::NotificationARNs": [],
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::StackId": (
            f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/{uuid.uuid4()}"
        ),
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": url_suffix,
    }
