"""A WAFv2 web ACL as the offline stack keeps it: its rules and the stages it protects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A statement is kept as the template wrote it (one `{"<Type>Statement": {...}}` mapping):
# statements.py reads the few types the offline stack evaluates.
Statement = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    name: str
    priority: int
    action: str  # "Block", "Allow", "Count" (or "None" for a rule group's override)
    statement: Statement


@dataclass(frozen=True)
class WebAcl:
    logical_id: str
    arn: str
    name: str
    default_action: str  # "Allow" or "Block"
    rules: tuple[Rule, ...]  # by priority
    # (api id, stage name) pairs from AWS::WAFv2::WebACLAssociation resources
    stages: tuple[tuple[str, str], ...] = ()
