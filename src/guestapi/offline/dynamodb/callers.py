"""Who calls DynamoDB: the shared moto-backed callers (`motoservice/callers.py`), and the
DynamoDB condition keys the front door computes.

DynamoDB condition keys this offline stack does not compute (`dynamodb:Attributes`,
`dynamodb:Select`, `dynamodb:ReturnValues`, ...) would be *missing* from the context, and a
fine-grained Allow would then allow everything: `fail_closed` makes statements that use them
deny only (see `motoservice.callers.fail_closed`).
"""

from __future__ import annotations

from collections.abc import Sequence

from guestapi.offline.iam.model import PolicyDocument
from guestapi.offline.motoservice import callers as _shared
from guestapi.offline.motoservice.callers import (
    Caller,
    ContextValue,
    LookupCaller,
    ServiceKeys,
    caller_lookup,
)

__all__ = [
    "EVALUATED_DYNAMODB_KEYS",
    "Caller",
    "ContextValue",
    "LookupCaller",
    "caller_lookup",
    "fail_closed",
]

# The DynamoDB condition keys the front door computes (operations.py).
EVALUATED_DYNAMODB_KEYS = frozenset({"dynamodb:leadingkeys", "dynamodb:enclosingoperation"})
DYNAMODB_KEYS = ServiceKeys("DynamoDB", "dynamodb:", EVALUATED_DYNAMODB_KEYS)


def fail_closed(policies: Sequence[PolicyDocument]) -> tuple[PolicyDocument, ...]:
    """`policies` with every statement that depends on an unevaluated DynamoDB key made safe."""
    return _shared.fail_closed(policies, DYNAMODB_KEYS)
