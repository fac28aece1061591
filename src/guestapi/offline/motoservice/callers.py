"""Who calls a moto-backed service (`Caller`: the credential, its role's policies, the
principal's condition keys; `caller_lookup` builds it from the stack's credential store), and
the fail-closed rewrite of the policies for service condition keys a front door does not compute.

Such a key would be *missing* from the context, and IAM treats a missing key as satisfied under
`ForAllValues:` and `...IfExists` (docs/aws-behaviour.md#condition-operators): a fine-grained
Allow would allow everything. So an Allow that depends on one is dropped, a Deny applies
unconditionally.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from guestapi.offline.credentials import CredentialStore
from guestapi.offline.iam.context import ContextValue, condition_keys
from guestapi.offline.iam.model import PolicyDocument, Role
from guestapi.offline.sigv4 import KnownCredential

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    credential: KnownCredential
    role_arn: str  # arn:<partition>:iam::<account>:role/<name>
    assumed_role_arn: str  # arn:<partition>:sts::<account>:assumed-role/<name>/<session>
    policies: tuple[PolicyDocument, ...]  # the role's identity policies
    context: Mapping[str, ContextValue] = field(default_factory=dict)  # principal's keys
    session_policies: tuple[PolicyDocument, ...] = ()  # intersected with `policies`


LookupCaller = Callable[[str], Caller | None]


def caller_lookup(store: CredentialStore, roles: Mapping[str, Role]) -> LookupCaller:
    """`lookup_caller` for a front door over the offline stack's issued credentials."""

    def lookup(access_key_id: str) -> Caller | None:
        issued = store.lookup(access_key_id)
        if issued is None:
            return None
        role = roles.get(issued.role_arn)
        return Caller(
            credential=issued.known(),
            role_arn=issued.role_arn,
            assumed_role_arn=issued.assumed_role_arn,
            policies=role.policies if role is not None else (),
            context=condition_keys(issued),
            session_policies=issued.session_policies,
        )

    return lookup


# --------------------------------------------------------------------------------------------
# Fail closed on condition keys a front door does not compute
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceKeys:
    """A service's condition keys: its prefix ("dynamodb:") and those its front door computes."""

    label: str  # "DynamoDB", for the warning
    prefix: str  # lower case, with the colon
    evaluated: frozenset[str]  # lower case

    def unevaluated(self, statement: Any) -> list[str]:
        condition = statement.get("Condition") if isinstance(statement, Mapping) else None
        if not isinstance(condition, Mapping):
            return []
        return [
            key
            for pairs in condition.values()
            if isinstance(pairs, Mapping)
            for key in pairs
            if key.lower().startswith(self.prefix) and key.lower() not in self.evaluated
        ]


def _statements(policy: Mapping[str, Any]) -> list[Any]:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _fail_closed_statement(statement: Any, keys: ServiceKeys) -> Any | None:
    if not keys.unevaluated(statement):
        return statement
    if statement.get("Effect") == "Deny":
        return {k: v for k, v in statement.items() if k != "Condition"}
    return None  # an Allow that cannot be decided grants nothing


def fail_closed(
    policies: Sequence[PolicyDocument], keys: ServiceKeys
) -> tuple[PolicyDocument, ...]:
    """`policies` with every statement that depends on an unevaluated service key made safe."""
    result = []
    for policy in policies:
        statements = _statements(policy)
        kept = [s for s in (_fail_closed_statement(s, keys) for s in statements) if s is not None]
        if kept != statements:
            names = tuple(sorted({k for s in statements for k in keys.unevaluated(s)}))
            _warn_once(keys.label, names)
            policy = {**policy, "Statement": kept}
        result.append(policy)
    return tuple(result)


_warned: set[tuple[str, ...]] = set()


def _warn_once(label: str, keys: tuple[str, ...]) -> None:
    # Once per process and set of keys: the rewrite happens on every request.
    if keys not in _warned:
        _warned.add(keys)
        _log.warning(
            "%s condition keys %s are not evaluated offline: statements using them "
            "only deny (an Allow is ignored, a Deny applies unconditionally)",
            label,
            ", ".join(keys),
        )
