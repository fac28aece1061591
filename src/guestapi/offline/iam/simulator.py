"""IAM SimulatePrincipalPolicy for the offline stack's roles, decided by its own evaluator: the
check suite asks it what the guest role may do, with the call it makes against AWS. Query in
(`route_by_action` shares the endpoint with STS), XML out, in botocore's IAM shapes
(docs/aws-behaviour.md#simulateprincipalpolicy; how it differs: Known differences 15).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guestapi.offline.awsapi import AwsService, Call, Query
from guestapi.offline.iam.errors import InvalidInput, NoSuchEntity
from guestapi.offline.iam.model import PolicyDocument, Role
from guestapi.offline.iam.policy import Decision, evaluate

ACTION = "SimulatePrincipalPolicy"
_MAX_ACTIONS = 100  # the twin's bound on one call's work


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class MatchedStatement:
    policy_id: str
    start: Position
    end: Position


def statement_positions(document: PolicyDocument) -> list[tuple[Position, Position]]:
    """Start and end of each statement in `json.dumps(document, indent=2)`, 1-based."""
    lines = json.dumps(document, indent=2).splitlines()
    statement = document.get("Statement")
    if isinstance(statement, dict):  # one statement object: the value of "Statement"
        start = next(i for i, t in enumerate(lines) if t.startswith('  "Statement": {'))
        end = next(i for i in range(start, len(lines)) if lines[i] in ("  }", "  },"))
        return [(Position(start + 1, 16), Position(end + 1, 3))]
    starts = [i for i, t in enumerate(lines) if t == "    {"]
    ends = [i for i, t in enumerate(lines) if t in ("    }", "    },")]
    return [(Position(s + 1, 5), Position(e + 1, 5)) for s, e in zip(starts, ends, strict=False)]


def _policy_id(role: Role, number: int) -> str:
    """The policy's name, as AWS reports it in SourcePolicyId."""
    names = role.policy_names
    return names[number - 1] if number <= len(names) else f"inline-policy-{number}"


def _matched(role: Role, decision: Decision) -> list[MatchedStatement]:
    if decision.matched is None:
        return []
    for number, document in enumerate(role.policies, start=1):
        statements = document.get("Statement")
        listed = [statements] if isinstance(statements, dict) else list(statements or [])
        positions = statement_positions(document)
        for index, statement in enumerate(listed):
            if statement == decision.matched and index < len(positions):
                start, end = positions[index]
                return [MatchedStatement(_policy_id(role, number), start, end)]
    return []


def _members(params: Mapping[str, str], name: str) -> list[str]:
    """A Query-protocol list: Name.member.1, Name.member.2, ... in order."""
    found: list[str] = []
    while f"{name}.member.{len(found) + 1}" in params:
        found.append(params[f"{name}.member.{len(found) + 1}"])
    return found


def _context(params: Mapping[str, str]) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    number = 1
    while f"ContextEntries.member.{number}.ContextKeyName" in params:
        prefix = f"ContextEntries.member.{number}"
        key = params[f"{prefix}.ContextKeyName"]
        context[key] = _members(params, f"{prefix}.ContextKeyValues")
        number += 1
    return context


class IamSimulator(AwsService):
    """Answers SimulatePrincipalPolicy for the roles of one offline stack."""

    NAME = "iam"
    MAX_BODY = 64 * 1024
    INVALID = InvalidInput
    protocol = Query("iam", malformed=InvalidInput, max_fields=1000)

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self._roles = roles
        self.operations = {ACTION: self._simulate}

    def _simulate(self, call: Call) -> dict[str, Any]:
        params = call.params
        source = params.get("PolicySourceArn", "")
        actions = _members(params, "ActionNames")
        if not source or not actions:
            raise InvalidInput("PolicySourceArn and ActionNames are required.")
        if len(actions) > _MAX_ACTIONS:
            raise InvalidInput(f"At most {_MAX_ACTIONS} ActionNames per call.")
        call.logged["role"] = source
        role = self._roles.get(source)
        if role is None:
            raise NoSuchEntity(source.rsplit("/", 1)[-1])
        resources = _members(params, "ResourceArns") or ["*"]
        context = _context(params)
        results = [
            _result(
                name,
                resource,
                role,
                evaluate(role.policies, action=name, resource=resource, context=context),
            )
            for name in actions
            for resource in resources
        ]
        return {"IsTruncated": False, "EvaluationResults": results}


def _result(action: str, resource: str, role: Role, d: Decision) -> dict[str, Any]:
    verdict = "allowed" if d.allowed else "explicitDeny" if d.explicit_deny else "implicitDeny"
    matched = [
        {
            "SourcePolicyId": m.policy_id,
            "SourcePolicyType": "role",
            "StartPosition": {"Line": m.start.line, "Column": m.start.column},
            "EndPosition": {"Line": m.end.line, "Column": m.end.column},
        }
        for m in _matched(role, d)
    ]
    return {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": verdict,
        "MatchedStatements": matched,
        "MissingContextValues": [],
    }
