"""Request checks of the Cognito Identity API: JSON body, member types, then constraints.

Types first (SerializationException), then constraints (ValidationException, in the
"1 validation error detected: ..." form of AWS's service framework), as AWS does
(docs/aws-behaviour.md#cognito-identity).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guestapi.offline.awsapi.errors import (
    SerializationException,
    ValidationException,
    bad_length,
    bad_pattern,
    null,
    violations,
)

ID_PATTERN = r"[\w-]+:[0-9a-f-]+"  # IdentityPoolId and IdentityId, as the API reference gives it
_ID_MAX_LEN = 55


@dataclass(frozen=True)
class Member:
    wire: str  # JSON member name, e.g. "IdentityPoolId"
    path: str  # name in validation messages, e.g. "identityPoolId"
    kind: type  # str or dict
    required: bool = False
    max_len: int | None = None
    pattern: str | None = None


POOL_ID = Member("IdentityPoolId", "identityPoolId", str, True, _ID_MAX_LEN, ID_PATTERN)
IDENTITY_ID = Member("IdentityId", "identityId", str, True, _ID_MAX_LEN, ID_PATTERN)
ACCOUNT_ID = Member("AccountId", "accountId", str, False, 15, r"\d+")
LOGINS = Member("Logins", "logins", dict)
REQUIRED_LOGINS = Member("Logins", "logins", dict, True)
OPTIONAL_IDENTITY_ID = Member("IdentityId", "identityId", str, False, _ID_MAX_LEN, ID_PATTERN)
CUSTOM_ROLE = Member("CustomRoleArn", "customRoleArn", str, False, 2048)


def validate(body: Mapping[str, Any], members: Sequence[Member]) -> None:
    """Check types (SerializationException) then constraints (ValidationException), like AWS."""
    for m in members:
        value = body.get(m.wire)
        if value is None:
            continue
        if not isinstance(value, m.kind) or (isinstance(value, dict) and not _is_str_map(value)):
            expected = "a string" if m.kind is str else "a map of strings"
            raise SerializationException(f"{m.wire} must be {expected}.")
    problems: list[str] = []
    for m in members:
        value = body.get(m.wire)
        if value is None:
            if m.required:
                problems.append(null(m.path))
            continue
        if m.kind is not str:
            continue
        if len(value) < 1 or (m.max_len is not None and len(value) > m.max_len):
            problems.append(bad_length(value, m.path, 1, m.max_len))
        if m.pattern is not None and not re.fullmatch(m.pattern, value):
            problems.append(bad_pattern(value, m.path, m.pattern))
    if problems:
        raise ValidationException(violations(problems))


def _is_str_map(value: Mapping[Any, Any]) -> bool:
    return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
