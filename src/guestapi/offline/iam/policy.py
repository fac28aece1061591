"""IAM policy evaluation for the offline stack: a session's identity policies (intersected with
its session policies), Lambda's resource policy and role trust policies.

By hand on purpose: no maintained library decides an IAM request offline (parliament,
policyuniverse and cfn-lint lint or diff policies; moto's evaluator is an internal part of its
mock). The rules it follows, with their sources, are docs/aws-behaviour.md#evaluation-logic,
#wildcards, #condition-operators and #policy-variables. An unknown condition operator (a typo IAM
refuses when the policy is saved) makes its statement not match, a Deny too, so the Decision's
reason always names it. Permission boundaries and SCPs are not evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from guestapi.offline.iam.conditions import (
    ContextValue,
    Unsupported,
    as_list,
    conditions_match,
    normalize_context,
    substituted,
)
from guestapi.offline.iam.matching import matches_action, matches_resource

_EMPTY_CONTEXT: Mapping[str, ContextValue] = MappingProxyType({})
# A policy document or one of its statements, as parsed from JSON.
JsonObject = Mapping[str, Any]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool
    # The statement that decided (Allow or Deny), None for implicit deny.
    matched: dict[str, Any] | None
    reason: (
        str  # "allowed by statement X", "explicit deny by statement X", "no statement allows ..."
    )
    # The kind of policy that refused, as AWS names it in AccessDenied messages ("because no
    # session policy allows ..."): "identity-based" or "session".
    policy_type: str = "identity-based"


# --------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------
def _statements(policy: JsonObject) -> list[JsonObject]:
    statement = policy.get("Statement", [])
    return [statement] if isinstance(statement, Mapping) else list(statement)


def _element(statement: JsonObject, positive: str, negative: str) -> tuple[list[str], bool]:
    has_pos, has_neg = positive in statement, negative in statement
    if has_pos == has_neg:
        raise Unsupported(f"needs exactly one of {positive} / {negative}")
    return as_list(statement[positive if has_pos else negative]), has_neg


def _action_matches(statement: JsonObject, action: str) -> bool:
    patterns, negated = _element(statement, "Action", "NotAction")
    hit = any(matches_action(p, action) for p in patterns)
    return not hit if negated else hit


def _resource_matches(
    statement: JsonObject, resource: str, context: Mapping[str, list[str]]
) -> bool:
    patterns, negated = _element(statement, "Resource", "NotResource")
    hit = any(matches_resource(p, resource) for p in substituted(patterns, context))
    return not hit if negated else hit


def _principal_matches(statement: JsonObject, principal: Mapping[str, str]) -> bool:
    has_pos, has_neg = "Principal" in statement, "NotPrincipal" in statement
    if has_pos == has_neg:
        raise Unsupported("a trust statement needs exactly one of Principal / NotPrincipal")
    spec = statement["Principal" if has_pos else "NotPrincipal"]
    if spec == "*":
        hit = True
    elif isinstance(spec, Mapping):
        # Principal values are exact names; the only wildcard is a lone "*" (everyone).
        hit = any(
            value == "*" or value == principal[kind]
            for kind, values in spec.items()
            if kind in principal
            for value in as_list(values)
        )
    else:
        raise Unsupported('Principal must be "*" or an object')
    return not hit if has_neg else hit


def _label(statement: JsonObject, policy_no: int, statement_no: int, many: bool) -> str:
    if statement.get("Sid"):
        return repr(statement["Sid"])
    return f"#{statement_no}" + (f" of policy {policy_no}" if many else "")


def _decide(
    candidates: list[tuple[JsonObject, str]],
    matches: Callable[[JsonObject], bool],
    denied_what: str,
) -> Decision:
    allow: tuple[JsonObject, str] | None = None
    notes: list[str] = []
    for statement, label in candidates:
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            notes.append(f"statement {label} skipped: Effect must be Allow or Deny")
            continue
        try:
            if not matches(statement):
                continue
        except Unsupported as problem:
            notes.append(f"statement {label} skipped: {problem}")
            continue
        if effect == "Deny":
            return Decision(False, True, dict(statement), f"explicit deny by statement {label}")
        allow = allow or (statement, label)
    if allow is not None:
        return Decision(True, False, dict(allow[0]), f"allowed by statement {allow[1]}")
    reason = f"no statement allows {denied_what}"
    if notes:
        reason += " (" + "; ".join(notes) + ")"
    return Decision(False, False, None, reason)


def _numbered(policies: Sequence[JsonObject]) -> list[tuple[JsonObject, str]]:
    many = len(policies) > 1
    out = []
    for p_no, policy in enumerate(policies, start=1):
        for s_no, statement in enumerate(_statements(policy), start=1):
            out.append((statement, _label(statement, p_no, s_no, many)))
    return out


def reads_context(policies: Sequence[JsonObject]) -> bool:
    """Whether any statement has a Condition or a policy variable: only those read the request
    context, so a caller may skip building it for policies that don't (the decision is the same).
    """
    for statement, _ in _numbered(policies):
        if "Condition" in statement or "${" in str(statement.get("Resource", "")) + str(
            statement.get("NotResource", "")
        ):
            return True
    return False


def evaluate(
    policies: Sequence[JsonObject],
    *,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] = _EMPTY_CONTEXT,
) -> Decision:
    """Decide `action` on `resource` under identity policies (explicit deny > allow > implicit)."""
    ctx = normalize_context(context)
    return _decide(
        _numbered(policies),
        lambda s: (
            _action_matches(s, action)
            and _resource_matches(s, resource, ctx)
            and conditions_match(s.get("Condition"), ctx)
        ),
        f"{action} on {resource}",
    )


def evaluate_session(
    identity_policies: Sequence[JsonObject],
    session_policies: Sequence[JsonObject],
    *,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] = _EMPTY_CONTEXT,
) -> Decision:
    """Decide for a session: its role's identity policies intersected with its session policies.

    An explicit Deny in any of them refuses (docs/aws-behaviour.md#guest-scope-down-policy); a
    session without session policies is its role. When both refuse without a Deny, the
    identity policy is the one named, as AWS names one policy type only.
    """
    decision = evaluate(identity_policies, action=action, resource=resource, context=context)
    if not session_policies or decision.explicit_deny:
        return decision
    session = evaluate(session_policies, action=action, resource=resource, context=context)
    if session.explicit_deny or (decision.allowed and not session.allowed):
        reason = session.reason.replace("no statement allows", "no session policy allows", 1)
        return replace(session, reason=reason, policy_type="session")
    return decision


def evaluate_trust(
    policy: JsonObject,
    *,
    principal: Mapping[str, str],
    action: str,
    context: Mapping[str, ContextValue],
) -> Decision:
    """Decide whether `principal` may `action` (e.g. sts:AssumeRoleWithWebIdentity) on a role."""
    ctx = normalize_context(context)
    who = ", ".join(f"{k}={v}" for k, v in principal.items())
    return _decide(
        _numbered([policy]),
        lambda s: (
            _principal_matches(s, principal)
            and _action_matches(s, action)
            and conditions_match(s.get("Condition"), ctx)
        ),
        f"{action} for {who}",
    )


__all__ = ["Decision", "evaluate", "evaluate_session", "evaluate_trust"]
