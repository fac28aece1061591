"""IAM's part of a deployed stack: roles with their trust policy and identity policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PolicyDocument = dict[str, Any]


@dataclass(frozen=True)
class Role:
    logical_id: str
    arn: str
    name: str
    role_id: str  # "AROA..."
    assume_role_policy: PolicyDocument
    policies: tuple[PolicyDocument, ...] = ()  # inline policy documents
    policy_names: tuple[str, ...] = ()  # their PolicyName, in the same order
    max_session_duration: int = 3600
