"""A transformed template as CloudFormation would create it with given parameter values, as far
as Conditions go: resources and outputs whose Condition is false are dropped, `Fn::If` takes its
branch and `AWS::NoValue` disappears. Every other intrinsic is left as written, so tests can still
read `!Ref IdentityPool` and `!Sub` strings. The conditions are evaluated, and the `Fn::If`s
decided, by the template package every reader uses (guestapi.template.conditions)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from guestapi.template.conditions import decide_conditions, decide_ifs

_PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}


def with_conditions(
    template: Mapping[str, Any],
    values: Mapping[str, str],
    *,
    only: Collection[str] | None = None,
) -> dict[str, Any]:
    """`only`: resolve just these conditions and leave every other Fn::If and Condition as is."""
    doc = copy.deepcopy(dict(template))
    parameters = {
        name: str(values.get(name, spec.get("Default", "")))
        for name, spec in (doc.get("Parameters") or {}).items()
    }
    decided = {
        name: holds
        for name, holds in decide_conditions(doc, parameters, _PSEUDO).items()
        if only is None or name in only
    }
    for section in ("Resources", "Outputs"):
        kept = {
            key: item
            for key, item in (doc.get(section) or {}).items()
            if decided.get(item.get("Condition") if isinstance(item, Mapping) else None, True)
        }
        doc[section] = decide_ifs(kept, decided)
    return doc
