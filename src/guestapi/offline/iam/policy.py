"""IAM policy evaluation for the offline stack: identity policies and role trust policies.

Hand-written on purpose: no maintained library decides an IAM request offline. The policy
tools on PyPI lint or diff policies (parliament, policyuniverse, cfn-lint's checks), and
moto's evaluator is an internal, partial part of its mock, not an API. What is implemented
here is the subset the offline twin needs, following the IAM User Guide ("Policy evaluation
logic", "IAM JSON policy elements", "Condition operators"):

- explicit Deny beats Allow, which beats the implicit deny;
- `Statement` as one object or a list; `Action`/`NotAction`, `Resource`/`NotResource` as a
  string or a list; actions compare case-insensitively, resources case-sensitively;
- `*` and `?` are the only wildcards (no `[...]` classes, unlike fnmatch). In resource ARNs
  a `*` stays inside its colon-separated segment unless it is the segment's last character
  (then it may run past colons, as the Resource doc says); `/demo/*` never matches `/demo`;
- conditions: String*, Numeric*, Date*, Bool, Null, IpAddress/NotIpAddress, Arn*, BinaryEquals,
  the ForAnyValue:/ForAllValues: prefixes and the IfExists suffix. Keys are case-insensitive;
  several values for one key are OR-ed; several keys and several operators are AND-ed. A key
  missing from the request fails a positive operator and satisfies a negated one
  (StringNotEquals, NotIpAddress, ...), unless IfExists says otherwise;
- trust policies: `Principal`/`NotPrincipal` (`"*"` or a map of principal type to value(s)),
  Action and Condition; trust policies have no Resource, so any Resource there is ignored.

Out of scope (documented, visible in the Decision reason when met):
- policy variables (`${cognito-identity.amazonaws.com:sub}`, `${key, 'default'}`, `${*}`) are
  substituted from the request context in Resource and Condition values; a variable with no
  value and no default makes that value match nothing, as IAM documents;
- an unknown condition operator (a typo IAM itself would refuse when the policy is saved):
  the statement does not match, and the reason says which operator. Beware that this makes
  such a *Deny* inert, which is why the reason always reports it;
- resource-based policies, permission boundaries, SCPs and session policies (the twin only
  evaluates the role's own identity policies; see docs/aws-behaviour.md#guest-scope-down-policy).
"""

from __future__ import annotations

import functools
import ipaddress
import operator as op
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

ContextValue = str | Sequence[str]
_EMPTY_CONTEXT: Mapping[str, ContextValue] = MappingProxyType({})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool
    matched: dict | None  # the statement that decided (Allow or Deny), None for implicit deny
    reason: (
        str  # "allowed by statement X", "explicit deny by statement X", "no statement allows ..."
    )


# --------------------------------------------------------------------------------------------
# Wildcards
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """`*` = any run of characters, `?` = one character, everything else literal."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@functools.lru_cache(maxsize=4096)
def _arn_glob(pattern: str) -> re.Pattern[str]:
    """Resource-element matching: a `*` stays within its ARN segment unless it ends it."""
    out = []
    for i, ch in enumerate(pattern):
        if ch == "*":
            ends_segment = i + 1 == len(pattern) or pattern[i + 1] == ":"
            out.append(".*" if ends_segment else "[^:]*")
        elif ch == "?":
            out.append("[^:]")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _matches_action(pattern: str, action: str) -> bool:
    return _glob(pattern, True).fullmatch(action) is not None


def _matches_resource(pattern: str, resource: str) -> bool:
    return _arn_glob(pattern).fullmatch(resource) is not None


def _arn_segments_match(pattern: str, arn: str) -> bool:
    # Arn* condition operators: each of the six colon-separated parts compared on its own.
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return False
    return all(
        _glob(p, False).fullmatch(a) is not None for p, a in zip(p_parts, a_parts, strict=True)
    )


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------
class _Unsupported(Exception):
    """A statement the evaluator cannot decide; it then does not match, with this reason."""


def _as_list(value: Any) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    out = []
    for item in values:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        else:
            out.append(str(item))
    return out


def _to_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _to_date(text: str) -> datetime | None:
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC)  # epoch seconds
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ip_in(network: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _compare(convert: Callable[[str], Any], test: Callable[[Any, Any], bool]):
    def match(policy_value: str, context_value: str) -> bool:
        left, right = convert(context_value), convert(policy_value)
        return left is not None and right is not None and test(left, right)

    return match


# The ordered comparisons IAM defines for numbers and dates, by operator suffix, each as
# (test(context value, policy value), negated?).
_ORDERED: dict[str, tuple[Callable[[Any, Any], bool], bool]] = {
    "Equals": (op.eq, False),
    "NotEquals": (op.eq, True),
    "LessThan": (op.lt, False),
    "LessThanEquals": (op.le, False),
    "GreaterThan": (op.gt, False),
    "GreaterThanEquals": (op.ge, False),
}

# base operator -> (positive test(policy value, context value), negated?)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda p, c: p == c, False),
    "StringNotEquals": (lambda p, c: p == c, True),
    "StringEqualsIgnoreCase": (lambda p, c: p.casefold() == c.casefold(), False),
    "StringNotEqualsIgnoreCase": (lambda p, c: p.casefold() == c.casefold(), True),
    "StringLike": (lambda p, c: _glob(p, False).fullmatch(c) is not None, False),
    "StringNotLike": (lambda p, c: _glob(p, False).fullmatch(c) is not None, True),
    **{
        f"{kind}{suffix}": (_compare(convert, test), negated)
        for kind, convert in (("Numeric", _to_number), ("Date", _to_date))
        for suffix, (test, negated) in _ORDERED.items()
    },
    "Bool": (lambda p, c: p.lower() == c.lower(), False),
    "BinaryEquals": (lambda p, c: p == c, False),
    "IpAddress": (_ip_in, False),
    "NotIpAddress": (_ip_in, True),
    "ArnEquals": (_arn_segments_match, False),
    "ArnLike": (_arn_segments_match, False),
    "ArnNotEquals": (_arn_segments_match, True),
    "ArnNotLike": (_arn_segments_match, True),
}


def _parse_operator(name: str) -> tuple[str | None, str, bool]:
    """'ForAnyValue:StringLikeIfExists' -> ('ForAnyValue', 'StringLike', True)."""
    qualifier = None
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if name.startswith(prefix):
            qualifier, name = prefix[:-1], name[len(prefix) :]
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[: -len("IfExists")] if if_exists else name
    if base == "Null" and not if_exists and qualifier is None:
        return None, base, False
    if base not in _OPERATORS:
        raise _Unsupported(f"unsupported condition operator {name!r}")
    return qualifier, base, if_exists


def _key_matches(operator: str, policy_values: list[str], context_values: list[str] | None) -> bool:
    qualifier, base, if_exists = _parse_operator(operator)
    if base == "Null":
        wanted_absent = any(v.lower() == "true" for v in policy_values)
        return (context_values is None) == wanted_absent
    test, negated = _OPERATORS[base]
    if context_values is None:
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True  # vacuously true over an empty set of request values
        if qualifier == "ForAnyValue":
            return False
        return negated  # a missing key fails positive operators, satisfies negated ones

    def one(value: str) -> bool:
        hit = any(test(p, value) for p in policy_values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in context_values)
    if qualifier == "ForAnyValue":
        return any(one(v) for v in context_values)
    # A plain operator on a (possibly multi-valued) key: positive operators need some request
    # value to match some policy value; negated ones need no request value to match any.
    hits = any(test(p, v) for v in context_values for p in policy_values)
    return not hits if negated else hits


def _conditions_match(block: Any, context: Mapping[str, list[str]]) -> bool:
    if block is None:
        return True
    if not isinstance(block, Mapping):
        raise _Unsupported("Condition is not an object")
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            raise _Unsupported(f"condition {operator!r} is not an object")
        for key, value in pairs.items():
            policy_values = _substituted(_as_list(value), context)
            if not _key_matches(operator, policy_values, context.get(key.lower())):
                return False
    return True


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# ${*}, ${?} and ${$} stand for the literal characters (IAM User Guide, "Special characters").
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


def _substitute(text: str, context: Mapping[str, list[str]]) -> str | None:
    """`text` with its policy variables replaced from the request context.

    IAM User Guide, "IAM policy elements: Variables and tags": `${key}` takes the value of the
    request's single-valued key; `${key, 'default'}` a default when it is absent. A variable
    with no value and no default makes the element match nothing (None here).
    """
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name, _, default = (part.strip() for part in match.group(1).partition(","))
        if name in _SPECIAL:
            return _SPECIAL[name]
        values = context.get(name.lower())
        if values is not None and len(values) == 1:
            return values[0]
        if default.startswith("'") and default.endswith("'") and len(default) >= 2:
            return default[1:-1]
        missing = True
        return ""

    result = _VARIABLE.sub(value, text)
    return None if missing else result


def _substituted(values: list[str], context: Mapping[str, list[str]]) -> list[str]:
    return [v for v in (_substitute(v, context) for v in values) if v is not None]


def _normalize_context(context: Mapping[str, ContextValue]) -> dict[str, list[str]]:
    # Condition keys are case-insensitive; values become lists so every operator sees a set.
    return {key.lower(): _as_list(value) for key, value in context.items()}


# --------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------
def _statements(policy: Mapping) -> list[Mapping]:
    statement = policy.get("Statement", [])
    return [statement] if isinstance(statement, Mapping) else list(statement)


def _element(statement: Mapping, positive: str, negative: str) -> tuple[list[str], bool]:
    has_pos, has_neg = positive in statement, negative in statement
    if has_pos == has_neg:
        raise _Unsupported(f"needs exactly one of {positive} / {negative}")
    return _as_list(statement[positive if has_pos else negative]), has_neg


def _action_matches(statement: Mapping, action: str) -> bool:
    patterns, negated = _element(statement, "Action", "NotAction")
    hit = any(_matches_action(p, action) for p in patterns)
    return not hit if negated else hit


def _resource_matches(statement: Mapping, resource: str, context: Mapping[str, list[str]]) -> bool:
    patterns, negated = _element(statement, "Resource", "NotResource")
    hit = any(_matches_resource(p, resource) for p in _substituted(patterns, context))
    return not hit if negated else hit


def _principal_matches(statement: Mapping, principal: Mapping[str, str]) -> bool:
    has_pos, has_neg = "Principal" in statement, "NotPrincipal" in statement
    if has_pos == has_neg:
        raise _Unsupported("a trust statement needs exactly one of Principal / NotPrincipal")
    spec = statement["Principal" if has_pos else "NotPrincipal"]
    if spec == "*":
        hit = True
    elif isinstance(spec, Mapping):
        # Principal values are exact names; the only wildcard is a lone "*" (everyone).
        hit = any(
            value == "*" or value == principal[kind]
            for kind, values in spec.items()
            if kind in principal
            for value in _as_list(values)
        )
    else:
        raise _Unsupported('Principal must be "*" or an object')
    return not hit if has_neg else hit


def _label(statement: Mapping, policy_no: int, statement_no: int, many: bool) -> str:
    if statement.get("Sid"):
        return repr(statement["Sid"])
    return f"#{statement_no}" + (f" of policy {policy_no}" if many else "")


def _decide(
    candidates: list[tuple[Mapping, str]],
    matches: Callable[[Mapping], bool],
    denied_what: str,
) -> Decision:
    allow: tuple[Mapping, str] | None = None
    notes: list[str] = []
    for statement, label in candidates:
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            notes.append(f"statement {label} skipped: Effect must be Allow or Deny")
            continue
        try:
            if not matches(statement):
                continue
        except _Unsupported as problem:
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


def _numbered(policies: Sequence[Mapping]) -> list[tuple[Mapping, str]]:
    many = len(policies) > 1
    out = []
    for p_no, policy in enumerate(policies, start=1):
        for s_no, statement in enumerate(_statements(policy), start=1):
            out.append((statement, _label(statement, p_no, s_no, many)))
    return out


def evaluate(
    policies: Sequence[Mapping],
    *,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] = _EMPTY_CONTEXT,
) -> Decision:
    """Decide `action` on `resource` under identity policies (explicit deny > allow > implicit)."""
    ctx = _normalize_context(context)
    return _decide(
        _numbered(policies),
        lambda s: (
            _action_matches(s, action)
            and _resource_matches(s, resource, ctx)
            and _conditions_match(s.get("Condition"), ctx)
        ),
        f"{action} on {resource}",
    )


def evaluate_trust(
    policy: Mapping,
    *,
    principal: Mapping[str, str],
    action: str,
    context: Mapping[str, ContextValue],
) -> Decision:
    """Decide whether `principal` may `action` (e.g. sts:AssumeRoleWithWebIdentity) on a role."""
    ctx = _normalize_context(context)
    who = ", ".join(f"{k}={v}" for k, v in principal.items())
    return _decide(
        _numbered([policy]),
        lambda s: (
            _principal_matches(s, principal)
            and _action_matches(s, action)
            and _conditions_match(s.get("Condition"), ctx)
        ),
        f"{action} for {who}",
    )


__all__ = ["Decision", "evaluate", "evaluate_trust"]
