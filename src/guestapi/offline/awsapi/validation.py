"""An operation's members checked as AWS's service framework checks them: types first (an AWS
JSON member of the wrong JSON type is a SerializationException), then every constraint, all the
violations in one message: "2 validation errors detected: Value 'x' at 'roleSessionName' failed
to satisfy constraint: ...; Value null at ..." (docs/aws-behaviour.md#cognito-errors).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guestapi.offline.awsapi.errors import AwsError, SerializationException, ValidationException


@dataclass(frozen=True)
class Member:
    """One member's constraints, as the API reference gives them."""

    wire: str  # its name in the request: "IdentityPoolId"
    path: str  # its name in messages: "identityPoolId"
    kind: type = str  # str; dict, a map of strings; int, a form's decimal integer
    required: bool = False
    low: int = 1  # the least length (str) or value (int)
    high: int | None = None  # the greatest
    pattern: str | None = None
    sensitive: bool = False  # a credential: its value is never echoed


def validate(
    params: Mapping[str, Any],
    members: Sequence[Member],
    invalid: type[AwsError] = ValidationException,
) -> None:
    """Raise SerializationException for a member of the wrong type, else `invalid` naming every
    constraint violated."""
    for m in members:
        value = params.get(m.wire)
        if value is not None and not _typed(value, m.kind):
            expected = "a string" if m.kind is str else "a map of strings"
            raise SerializationException(f"{m.wire} must be {expected}.")
    problems = [problem for m in members for problem in _problems(m, params.get(m.wire))]
    if problems:
        raise invalid(violations(problems))


def _typed(value: object, kind: type) -> bool:
    if kind is dict:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    return isinstance(value, str)  # a string, or a form's integer before it is read


def _problems(m: Member, value: Any) -> list[str]:
    if value is None:
        return [null(m.path)] if m.required else []
    if m.kind is int:
        return _number_problems(m, value)
    if m.kind is not str:
        return []
    problems = []
    if len(value) < m.low or (m.high is not None and len(value) > m.high):
        problems.append(
            f"Value at '{m.path}' failed to satisfy constraint: Member must have length between "
            f"{m.low} and {m.high}"
            if m.sensitive
            else bad_length(value, m.path, m.low, m.high)
        )
    if m.pattern is not None and not re.fullmatch(m.pattern, value):
        problems.append(
            bad_value(value, m.path, f"satisfy regular expression pattern: {m.pattern}")
        )
    return problems


def _number_problems(m: Member, value: str) -> list[str]:
    if not re.fullmatch(r"-?\d{1,12}", value):
        return [bad_value(value, m.path, "be an integer")]
    number = int(value)
    if number < m.low:
        return [bad_value(number, m.path, f"have value greater than or equal to {m.low}")]
    if m.high is not None and number > m.high:
        return [bad_value(number, m.path, f"have value less than or equal to {m.high}")]
    return []


def violations(problems: Sequence[str]) -> str:
    noun = "validation error" if len(problems) == 1 else "validation errors"
    return f"{len(problems)} {noun} detected: " + "; ".join(problems)


def null(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def bad_value(value: object, path: str, constraint: str) -> str:
    return f"Value '{value}' at '{path}' failed to satisfy constraint: Member must {constraint}"


def bad_length(value: str, path: str, low: int, high: int | None) -> str:
    bound = (
        f"greater than or equal to {low}" if len(value) < low else f"less than or equal to {high}"
    )
    return bad_value(value, path, f"have length {bound}")
