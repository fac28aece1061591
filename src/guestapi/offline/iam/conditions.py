"""IAM condition blocks: operators, set qualifiers, IfExists, and policy variables.

IAM User Guide, "Condition operators", "Multivalued context keys" and "IAM policy elements:
Variables and tags". See policy.py for what is out of scope.
"""

from __future__ import annotations

import ipaddress
import operator as op
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from guestapi.offline.iam.matching import arn_segments_match, glob_pattern

ContextValue = str | Sequence[str]


class Unsupported(Exception):
    """A statement the evaluator cannot decide; it then does not match, with this reason."""


def as_list(value: Any) -> list[str]:
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


def _compare(
    convert: Callable[[str], Any], test: Callable[[Any, Any], bool]
) -> Callable[[str, str], bool]:
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
    "StringLike": (lambda p, c: glob_pattern(p, False).fullmatch(c) is not None, False),
    "StringNotLike": (lambda p, c: glob_pattern(p, False).fullmatch(c) is not None, True),
    **{
        f"{kind}{suffix}": (_compare(convert, test), negated)
        for kind, convert in (("Numeric", _to_number), ("Date", _to_date))
        for suffix, (test, negated) in _ORDERED.items()
    },
    "Bool": (lambda p, c: p.lower() == c.lower(), False),
    "BinaryEquals": (lambda p, c: p == c, False),
    "IpAddress": (_ip_in, False),
    "NotIpAddress": (_ip_in, True),
    "ArnEquals": (arn_segments_match, False),
    "ArnLike": (arn_segments_match, False),
    "ArnNotEquals": (arn_segments_match, True),
    "ArnNotLike": (arn_segments_match, True),
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
        raise Unsupported(f"unsupported condition operator {name!r}")
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


def conditions_match(block: Any, context: Mapping[str, list[str]]) -> bool:
    if block is None:
        return True
    if not isinstance(block, Mapping):
        raise Unsupported("Condition is not an object")
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            raise Unsupported(f"condition {operator!r} is not an object")
        for key, value in pairs.items():
            policy_values = substituted(as_list(value), context)
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


def substituted(values: list[str], context: Mapping[str, list[str]]) -> list[str]:
    return [v for v in (_substitute(v, context) for v in values) if v is not None]


def normalize_context(context: Mapping[str, ContextValue]) -> dict[str, list[str]]:
    # Condition keys are case-insensitive; values become lists so every operator sees a set.
    return {key.lower(): as_list(value) for key, value in context.items()}
