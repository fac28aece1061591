"""A Cognito role's policy names concrete execute-api methods, and widens nothing."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.lint_rules._roles import (
    MISSING,
    Statement,
    arn_text,
    cognito_roles,
    execute_api_segments,
    role_statements,
)
from guestapi.lint_rules._template import OnTransformedTemplate, as_list, source_match
from guestapi.template.openapi import api_bodies, operations

_WILDCARDS = ("*", "?")


def _where(statement: Statement) -> str:
    return f"{statement.role}: policy {statement.policy}, statement {statement.index}"


def _shape_problems(statement: Statement) -> list[tuple[str, str]]:
    """(key, problem) for the forms that grant more than they name."""
    body = statement.body
    problems: list[tuple[str, str]] = []
    for key in ("NotAction", "NotResource"):
        if key in body:
            problems.append((key, f"allows with {key}, which grants everything it does not list"))
    for action in as_list(body.get("Action")):
        if isinstance(action, str) and any(w in action for w in _WILDCARDS):
            problems.append(("Action", f"allows the action wildcard {action!r}; name each action"))
    return problems


def _is_execute_api(statement: Statement) -> bool:
    actions = [a for a in as_list(statement.body.get("Action")) if isinstance(a, str)]
    return any(a == "*" or a.lower().startswith("execute-api:") for a in actions)


def _resource_problems(statement: Statement, api_tails: set[tuple[str, str]]) -> list[str]:
    """Wildcards and missing segments; a `*` path is fine where the API's path has a
    parameter there (`/items/{id}` is invoked as `.../GET/items/*`)."""
    problems = []
    for value in as_list(statement.body.get("Resource")):
        arn = arn_text(value)
        if arn is None:
            problems.append(
                f"has an execute-api resource lint cannot read ({value!r}); "
                "write it as a !Sub of the method ARN"
            )
            continue
        segments = execute_api_segments(arn)
        if segments is None:
            continue
        parameterised = (segments["method"].upper(), segments["path"]) in api_tails
        for name, text in segments.items():
            if name == "path" and parameterised and "*" not in segments["method"]:
                continue
            if text == MISSING:
                problems.append(f"allows execute-api on {arn!r}, which names no {name}")
            elif any(w in text for w in _WILDCARDS):
                problems.append(
                    f"allows execute-api on {arn!r}: its {name} is a wildcard; "
                    "name a concrete stage, method and path"
                )
    return problems


class GuestPolicyIsConcrete(OnTransformedTemplate, CloudFormationLintRule):
    """Flags a Cognito role's policy that grants more methods than it names."""

    id = "E9103"
    shortdesc = "Guest roles invoke concrete execute-api methods only"
    description = (
        "A role Cognito identities assume may only allow execute-api on ARNs naming a concrete "
        "API, stage, method and path, and may not allow with NotAction, NotResource or an "
        "Action wildcard: the identity pool id ships in the app, so anyone holds this role."
    )
    source_url = (
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-control-access-using-iam-policies-to-invoke-api.html"
    )
    tags: ClassVar[list[str]] = ["guestapi", "iam", "least-privilege"]

    def check(self, cfn: Any, template: dict[str, Any]) -> list[RuleMatch]:
        found: list[RuleMatch] = []
        # (METHOD, ARN path) of the API's methods with a path parameter there.
        api_tails = {
            tail
            for _, body in api_bodies(template)
            for tail in (operation.arn_tail() for operation in operations(body))
            if "*" in tail[1]
        }
        for role, properties in cognito_roles(template):
            for statement in role_statements(template, role, properties):
                if statement.body.get("Effect") != "Allow":
                    continue
                for key, problem in _shape_problems(statement):
                    path = [*statement.path, key]
                    found.append(source_match(cfn, path, f"{_where(statement)} {problem}"))
                if _is_execute_api(statement) and "NotResource" not in statement.body:
                    path = [*statement.path, "Resource"]
                    for problem in _resource_problems(statement, api_tails):
                        found.append(source_match(cfn, path, f"{_where(statement)} {problem}"))
        return found
