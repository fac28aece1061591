"""The roles Cognito identities assume, and every policy statement attached to them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from guestapi.aws_constants import COGNITO_IDENTITY
from guestapi.lint_rules._template import as_list
from guestapi.template.reading import resources

MISSING = "(missing)"
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Statement:
    role: str
    policy: str  # a name a reader finds in the template
    index: int
    body: dict[str, Any]
    path: list[str | int]  # in the template, for the finding's line


def trusts_cognito(properties: dict[str, Any]) -> bool:
    document = properties.get("AssumeRolePolicyDocument")
    return any(federated(s) == COGNITO_IDENTITY for s in trust_statements(document))


def trust_statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def federated(statement: dict[str, Any]) -> str | None:
    principal = statement.get("Principal")
    if isinstance(principal, dict) and COGNITO_IDENTITY in as_list(principal.get("Federated")):
        return COGNITO_IDENTITY
    return None


def cognito_roles(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Guest (and attested or authenticated) roles: any role a Cognito identity can assume."""
    for logical_id, properties in resources(template, "AWS::IAM::Role"):
        if trusts_cognito(properties):
            yield logical_id, properties


def _attached_to(properties: dict[str, Any], role: str) -> bool:
    names = [*as_list(properties.get("Roles")), properties.get("RoleName")]
    return {"Ref": role} in names


def role_statements(template: dict[str, Any], role: str, props: dict[str, Any]) -> list[Statement]:
    """Inline policies, then AWS::IAM::Policy / ManagedPolicy / RolePolicy resources on it."""
    documents: list[tuple[str, Any, list[str | int]]] = []
    for index, policy in enumerate(as_list(props.get("Policies"))):
        if isinstance(policy, dict):
            path: list[str | int] = ["Resources", role, "Properties", "Policies", index]
            name = str(policy.get("PolicyName", index))
            documents.append((name, policy.get("PolicyDocument"), [*path, "PolicyDocument"]))
    kinds = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")
    for logical_id, properties in resources(template, *kinds):
        if _attached_to(properties, role):
            where: list[str | int] = ["Resources", logical_id, "Properties", "PolicyDocument"]
            documents.append((logical_id, properties.get("PolicyDocument"), where))
    found = []
    for name, document, path in documents:
        statements = as_list(document.get("Statement")) if isinstance(document, dict) else []
        for index, body in enumerate(statements):
            if isinstance(body, dict):
                found.append(Statement(role, name, index, body, [*path, "Statement", index]))
    return found


def arn_text(value: Any) -> str | None:
    """An ARN as written (placeholders kept), or None when it is not a readable string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = sub[0] if isinstance(sub, list) and sub else sub
        return text if isinstance(text, str) else None
    if isinstance(value, dict) and "Fn::Join" in value:
        join = value["Fn::Join"]
        if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
            return str(join[0]).join(p if isinstance(p, str) else "${?}" for p in join[1])
    return None


def execute_api_segments(arn: str) -> dict[str, str] | None:
    """api, stage, method and path of an execute-api ARN; None for another service's ARN.

    Placeholders (`${Api}`, `${AWS::Region}`) stand for one concrete value each, so they are
    replaced first: `${AWS::Partition}` would otherwise split on its colons.
    """
    plain = _PLACEHOLDER.sub("{value}", arn)
    if plain == "*":
        return {"api": "*", "stage": "*", "method": "*", "path": "*"}
    parts = plain.split(":", 5)
    if len(parts) != 6 or parts[2] not in ("execute-api", "*"):
        return None
    names = ("api", "stage", "method", "path")
    # A missing segment is absent, not empty: `.../GET/` (the root path) has an empty path.
    segments = parts[5].split("/", 3)
    return {name: segments[i] if i < len(segments) else MISSING for i, name in enumerate(names)}
