"""A transformed template as CloudFormation would create it with given parameter values, as far
as Conditions go: resources and outputs whose Condition is false are dropped, `Fn::If` takes its
branch and `AWS::NoValue` disappears. Every other intrinsic is left as written, so tests can still
read `!Ref IdentityPool` and `!Sub` strings. (The offline engine resolves everything; these tests
need the template's own references.)"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping
from typing import Any

_NO_VALUE = object()


def with_conditions(
    template: Mapping[str, Any],
    values: Mapping[str, str],
    *,
    only: Collection[str] | None = None,
) -> dict[str, Any]:
    """`only`: resolve just these conditions and leave every other Fn::If and Condition as is."""
    doc = copy.deepcopy(dict(template))

    def resolved(name: Any) -> bool:
        return name is not None and (only is None or name in only)

    params = {
        name: str(values.get(name, spec.get("Default", "")))
        for name, spec in (doc.get("Parameters") or {}).items()
    }
    conditions: dict[str, bool] = {}

    def named(name: str) -> bool:
        if name not in conditions:
            conditions[name] = _holds(doc["Conditions"][name], params, named)
        return conditions[name]

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"Fn::If"} and resolved(value["Fn::If"][0]):
                name, yes, no = value["Fn::If"]
                chosen = yes if named(name) else no
                return _NO_VALUE if chosen == {"Ref": "AWS::NoValue"} else walk(chosen)
            out = {k: walk(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not _NO_VALUE}
        if isinstance(value, list):
            return [v for v in (walk(x) for x in value) if v is not _NO_VALUE]
        return value

    for section in ("Resources", "Outputs"):
        kept = {
            key: item
            for key, item in (doc.get(section) or {}).items()
            if not (isinstance(item, Mapping) and resolved(item.get("Condition")))
            or named(item["Condition"])
        }
        doc[section] = walk(kept)
    return doc


def _holds(expr: Any, params: Mapping[str, str], named: Callable[[str], bool]) -> bool:
    if isinstance(expr, Mapping) and "Condition" in expr:
        return named(expr["Condition"])
    ((function, args),) = expr.items()
    if function == "Fn::Equals":
        return _value(args[0], params) == _value(args[1], params)
    if function == "Fn::Not":
        return not _holds(args[0], params, named)
    if function == "Fn::And":
        return all(_holds(a, params, named) for a in args)
    if function == "Fn::Or":
        return any(_holds(a, params, named) for a in args)
    raise ValueError(f"condition function {function} not handled")


def _value(arg: Any, params: Mapping[str, str]) -> str:
    if isinstance(arg, Mapping) and "Ref" in arg:
        return params[arg["Ref"]]
    return str(arg)
