"""A template's `Fn::If`s decided, every other intrinsic left as written.

For readers of a template that need its shape as CloudFormation would create it, but still its
own references (`!Ref IdentityPool`, `!Sub` strings): the lint rules reading an API body, and
tests reading the transformed template per AttestationMode. The deploy engine resolves everything
instead (`intrinsics.resolve`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guestapi.template.intrinsics import ResolveContext, evaluate_conditions

NO_VALUE_REF = {"Ref": "AWS::NoValue"}
_DROPPED = object()


def decide_conditions(
    template: Mapping[str, Any], parameters: Mapping[str, str], pseudo: Mapping[str, Any]
) -> dict[str, bool]:
    """The template's Conditions evaluated at these parameter values (the engine's evaluator)."""
    conditions = template.get("Conditions") or {}
    return evaluate_conditions(conditions, ResolveContext(parameters=parameters, pseudo=pseudo))


def decide_ifs(value: Any, decided: Mapping[str, bool]) -> Any:
    """`value` with each `Fn::If` on a condition in `decided` replaced by its branch; a branch
    that is `AWS::NoValue` removes its key or list item. Other `Fn::If`s stay as written."""
    result = _decide(value, decided)
    return None if result is _DROPPED else result


def _decide(value: Any, decided: Mapping[str, bool]) -> Any:
    if isinstance(value, dict):
        branches = value.get("Fn::If")
        is_if = len(value) == 1 and isinstance(branches, list) and len(branches) == 3
        if is_if and isinstance(branches, list) and branches[0] in decided:
            chosen = branches[1] if decided[branches[0]] else branches[2]
            return _DROPPED if chosen == NO_VALUE_REF else _decide(chosen, decided)
        kept = {k: _decide(v, decided) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not _DROPPED}
    if isinstance(value, list):
        return [v for v in (_decide(x, decided) for x in value) if v is not _DROPPED]
    return value
