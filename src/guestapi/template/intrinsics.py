"""CloudFormation intrinsic functions and conditions, resolved the way CloudFormation does at deploy time.

Written by hand because no maintained library resolves a whole template outside AWS:
aws-sam-translator only resolves parameter `Ref`s (and leaves the rest to CloudFormation), and
cfn-lint validates intrinsics without evaluating them.

`resolve(value, ctx)` returns the value with every intrinsic replaced. `Ref: AWS::NoValue` yields
`NO_VALUE`, which removes the enclosing property or list item, as in CloudFormation.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from guestapi.errors import GuestApiError


class TemplateError(GuestApiError):
    """The template cannot be deployed: bad YAML, failed transform, bad parameter, bad intrinsic."""


class _NoValue:
    """`Ref: AWS::NoValue`: the property or list item holding it disappears."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()

_CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not")


@dataclass(frozen=True)
class ResolveContext:
    """Everything an intrinsic may refer to. The mappings may grow while resources are deployed."""

    parameters: Mapping[str, str | list[str]]
    pseudo: Mapping[str, Any]  # "AWS::Region" -> "us-east-1", ...
    conditions: Mapping[str, bool] = field(default_factory=dict)
    physical_ids: Mapping[str, str] = field(default_factory=dict)  # logical id -> Ref value
    attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # id -> attr -> value
    mappings: Mapping[str, Any] = field(default_factory=dict)
    # Where in the template we are ("Resources.GuestRole", "Outputs.ApiUrl"): named in errors.
    location: str = "template"

    def at(self, location: str) -> ResolveContext:
        return replace(self, location=location)

    def fail(self, message: str) -> TemplateError:
        return TemplateError(f"{self.location}: {message}")


def is_intrinsic(value: Any) -> bool:
    """True for a one-key mapping whose key is `Ref` or `Fn::...`."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


def resolve(value: Any, ctx: ResolveContext) -> Any:
    """Return `value` with every intrinsic function resolved (may return `NO_VALUE`)."""
    if isinstance(value, dict):
        if is_intrinsic(value):
            ((name, argument),) = value.items()
            handler = _FUNCTIONS.get(name)
            if handler is None:
                raise ctx.fail(
                    f"unsupported intrinsic function {name} (the offline stack resolves: "
                    f"{', '.join(sorted(_FUNCTIONS))})"
                )
            return handler(argument, ctx)
        resolved = {}
        for key, item in value.items():
            item = resolve(item, ctx)
            if item is not NO_VALUE:
                resolved[key] = item
        return resolved
    if isinstance(value, list):
        return [item for item in (resolve(v, ctx) for v in value) if item is not NO_VALUE]
    return value


def evaluate_conditions(conditions: Mapping[str, Any], ctx: ResolveContext) -> dict[str, bool]:
    """Evaluate the template's Conditions section (conditions may refer to one another)."""
    results: dict[str, bool] = {}
    in_progress: list[str] = []

    def named(name: Any, where: ResolveContext) -> bool:
        if not isinstance(name, str) or name not in conditions:
            raise where.fail(f"unknown condition {name!r}")
        if name in results:
            return results[name]
        if name in in_progress:
            cycle = " -> ".join([*in_progress[in_progress.index(name) :], name])
            raise where.fail(f"circular condition references: {cycle}")
        in_progress.append(name)
        results[name] = expression(conditions[name], ctx.at(f"Conditions.{name}"))
        in_progress.pop()
        return results[name]

    def expression(expr: Any, where: ResolveContext) -> bool:
        if isinstance(expr, dict) and len(expr) == 1 and "Condition" in expr:
            return named(expr["Condition"], where)
        if not (isinstance(expr, dict) and len(expr) == 1):
            raise where.fail(f"a condition must be one of {', '.join(_CONDITION_FUNCTIONS)}")
        ((function, argument),) = expr.items()
        if function == "Fn::Equals":
            return _equals(argument, where)
        if function in ("Fn::And", "Fn::Or"):
            if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
                raise where.fail(f"{function} takes a list of 2 to 10 conditions")
            values = [expression(item, where) for item in argument]
            return all(values) if function == "Fn::And" else any(values)
        if function == "Fn::Not":
            if not isinstance(argument, list) or len(argument) != 1:
                raise where.fail("Fn::Not takes a list of exactly one condition")
            return not expression(argument[0], where)
        raise where.fail(
            f"{function} is not a condition function; use one of {', '.join(_CONDITION_FUNCTIONS)}"
        )

    for condition_name in conditions:
        named(condition_name, ctx.at(f"Conditions.{condition_name}"))
    return results


# --------------------------------------------------------------------------------------------
# The functions. Each takes the (unresolved) argument and the context.
# --------------------------------------------------------------------------------------------


def _ref(argument: Any, ctx: ResolveContext) -> Any:
    if not isinstance(argument, str):
        raise ctx.fail(f"Ref takes the name of a parameter or resource, got {argument!r}")
    return _lookup_name(argument, ctx, function="Ref")


def _lookup_name(name: str, ctx: ResolveContext, *, function: str) -> Any:
    if name == "AWS::NoValue":
        return NO_VALUE
    if name in ctx.pseudo:
        return ctx.pseudo[name]
    if name in ctx.parameters:
        return ctx.parameters[name]
    if name in ctx.physical_ids:
        return ctx.physical_ids[name]
    # CloudFormation's own wording; a resource switched off by its Condition is not there either.
    raise ctx.fail(
        f"{function} {name}: unresolved resource dependencies [{name}] (no parameter "
        "or resource of that name, or its Condition is false)"
    )


def _get_att(argument: Any, ctx: ResolveContext) -> Any:
    if isinstance(argument, str) and "." in argument:
        argument = argument.split(".", 1)
    if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
        raise ctx.fail(f"Fn::GetAtt takes [LogicalId, Attribute], got {argument!r}")
    logical_id = argument[0]
    attribute = resolve(argument[1], ctx)
    return _attribute(logical_id, attribute, ctx, function="Fn::GetAtt")


def _attribute(logical_id: str, attribute: Any, ctx: ResolveContext, *, function: str) -> Any:
    if logical_id not in ctx.physical_ids:
        raise ctx.fail(
            f"{function} {logical_id}.{attribute}: unresolved resource dependencies "
            f"[{logical_id}] (no resource of that name, or its Condition is false)"
        )
    attributes = ctx.attributes.get(logical_id, {})
    if attribute not in attributes:
        known = ", ".join(sorted(attributes)) or "none"
        raise ctx.fail(
            f"{function} {logical_id}.{attribute}: attribute not known to the offline "
            f"stack for this resource (known: {known})"
        )
    return attributes[attribute]


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _sub(argument: Any, ctx: ResolveContext) -> str:
    if isinstance(argument, str):
        text, variables = argument, {}
    elif (
        isinstance(argument, list)
        and len(argument) == 2
        and isinstance(argument[0], str)
        and isinstance(argument[1], dict)
    ):
        text, variables = argument[0], {k: resolve(v, ctx) for k, v in argument[1].items()}
    else:
        raise ctx.fail("Fn::Sub takes a string or [string, {Name: value}]")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("!"):
            # ${!Literal} writes "${Literal}" verbatim.
            return "${" + match.group(1)[1:] + "}"
        if name in variables:
            value = variables[name]
        elif "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            value = _attribute(logical_id, attribute, ctx, function="Fn::Sub")
        else:
            value = _lookup_name(name, ctx, function="Fn::Sub")
        return _as_string(value, ctx, f"Fn::Sub ${{{name}}}")

    return _SUB_VARIABLE.sub(substitute, text)


def _join(argument: Any, ctx: ResolveContext) -> str:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise ctx.fail("Fn::Join takes [delimiter, [values]]")
    delimiter = resolve(argument[0], ctx)
    values = resolve(argument[1], ctx)
    if not isinstance(delimiter, str) or not isinstance(values, list):
        raise ctx.fail("Fn::Join takes [delimiter, [values]]")
    return delimiter.join(_as_string(v, ctx, "Fn::Join") for v in values)


def _select(argument: Any, ctx: ResolveContext) -> Any:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise ctx.fail("Fn::Select takes [index, [values]]")
    index = resolve(argument[0], ctx)
    values = resolve(argument[1], ctx)
    try:
        position = int(index)
    except (TypeError, ValueError):
        raise ctx.fail(f"Fn::Select index must be an integer, got {index!r}") from None
    if not isinstance(values, list):
        raise ctx.fail(f"Fn::Select needs a list, got {values!r}")
    if not 0 <= position < len(values):
        raise ctx.fail(f"Fn::Select index {position} is out of range for a list of {len(values)}")
    return values[position]


def _split(argument: Any, ctx: ResolveContext) -> list[str]:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise ctx.fail("Fn::Split takes [delimiter, string]")
    delimiter = resolve(argument[0], ctx)
    source = resolve(argument[1], ctx)
    if not isinstance(delimiter, str) or not delimiter or not isinstance(source, str):
        raise ctx.fail("Fn::Split takes [delimiter, string]")
    return source.split(delimiter)


def _find_in_map(argument: Any, ctx: ResolveContext) -> Any:
    if not (isinstance(argument, list) and len(argument) == 3):
        raise ctx.fail("Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
    map_name, top, second = (resolve(a, ctx) for a in argument)
    try:
        return ctx.mappings[map_name][top][second]
    except (KeyError, TypeError):
        raise ctx.fail(
            f"Fn::FindInMap: no value for [{map_name}, {top}, {second}] in Mappings"
        ) from None


def _base64(argument: Any, ctx: ResolveContext) -> str:
    value = _as_string(resolve(argument, ctx), ctx, "Fn::Base64")
    return base64.b64encode(value.encode()).decode()


def _if(argument: Any, ctx: ResolveContext) -> Any:
    if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
        raise ctx.fail("Fn::If takes [ConditionName, value_if_true, value_if_false]")
    if argument[0] not in ctx.conditions:
        raise ctx.fail(f"Fn::If: unknown condition {argument[0]!r}")
    return resolve(argument[1] if ctx.conditions[argument[0]] else argument[2], ctx)


def _equals(argument: Any, ctx: ResolveContext) -> bool:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise ctx.fail("Fn::Equals takes [value_1, value_2]")
    left, right = (_comparable(resolve(a, ctx)) for a in argument)
    return left == right


def _comparable(value: Any) -> Any:
    # CloudFormation compares string forms: `true` in YAML equals "true", 10 equals "10".
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _as_string(value: Any, ctx: ResolveContext, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ctx.fail(f"{what}: expected a string, got {value!r}")


_FUNCTIONS: dict[str, Callable[[Any, ResolveContext], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::If": _if,
    "Fn::Equals": _equals,
}


def references(value: Any) -> set[str]:
    """Names a value refers to through Ref, Fn::GetAtt and Fn::Sub (to order the deployment)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
        return found
    if not isinstance(value, dict):
        return found
    if is_intrinsic(value):
        ((name, argument),) = value.items()
        if name == "Ref" and isinstance(argument, str):
            return {argument}
        if name == "Fn::GetAtt":
            if isinstance(argument, str):
                return {argument.split(".", 1)[0]}
            if isinstance(argument, list) and argument and isinstance(argument[0], str):
                return {argument[0]} | references(argument[1:])
            return found
        if name == "Fn::Sub":
            text, bound = argument, {}
            if isinstance(argument, list) and argument:
                text = argument[0]
                bound = argument[1] if len(argument) > 1 and isinstance(argument[1], dict) else {}
            found |= references(list(bound.values()))
            if isinstance(text, str):
                for match in _SUB_VARIABLE.finditer(text):
                    variable = match.group(1).strip()
                    if not variable.startswith("!") and variable not in bound:
                        found.add(variable.split(".", 1)[0])
            return found
    for item in value.values():
        found |= references(item)
    return found
