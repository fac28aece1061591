"""Every signed method of the API is granted to the Cognito roles: a method added to the API
but not to the guest policy answers every guest with 403."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.lint_rules._roles import (
    arn_text,
    cognito_roles,
    execute_api_segments,
    role_statements,
)
from guestapi.lint_rules._template import OnTransformedTemplate, as_list, source_match
from guestapi.template.openapi import PUBLIC_MARK, api_bodies, operations


def _granted(template: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path without its leading slash) of every execute-api Allow of a Cognito role."""
    granted: set[tuple[str, str]] = set()
    for role, properties in cognito_roles(template):
        for statement in role_statements(template, role, properties):
            if statement.body.get("Effect") != "Allow":
                continue
            for value in as_list(statement.body.get("Resource")):
                arn = arn_text(value)
                segments = execute_api_segments(arn) if arn else None
                if segments is not None:
                    granted.add((segments["method"].upper(), segments["path"]))
    return granted


class SignedMethodsAreGranted(OnTransformedTemplate, CloudFormationLintRule):
    """Flags an AWS_IAM method that no Cognito role may invoke."""

    id = "E9107"
    shortdesc = "Every signed API method is granted to the guest role"
    description = (
        "A method that requires AWS_IAM must appear in a Cognito role's execute-api:Invoke "
        "resources (…/${StageName}/METHOD/path), or guests get 403 AccessDenied from it; a "
        f"method meant to be unsigned says `{PUBLIC_MARK}: true`."
    )
    source_url = (
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "api-gateway-iam-policy-examples-for-api-execution.html"
    )
    tags: ClassVar[list[str]] = ["guestapi", "iam", "apigateway"]

    def check(self, cfn: Any, template: dict[str, Any]) -> list[RuleMatch]:
        if not any(True for _ in cognito_roles(template)):
            return []
        granted = _granted(template)
        found: list[RuleMatch] = []
        for api_id, body in api_bodies(template):
            for operation in operations(body):
                if operation.method == "OPTIONS" or operation.public:
                    continue
                verb, arn_path = operation.arn_tail()
                if (verb, arn_path) not in granted:
                    path = operation.path
                    where = ["Resources", api_id, "Properties", "DefinitionBody", "paths", path]
                    found.append(
                        source_match(
                            cfn,
                            [*where, operation.key],
                            f"{api_id}: {operation.method} {path} is not granted to the guest "
                            "role: add …/${StageName}/"
                            f"{verb}/{arn_path} to its execute-api:Invoke resources, "
                            f"or mark the operation `{PUBLIC_MARK}: true`",
                        )
                    )
        return found
