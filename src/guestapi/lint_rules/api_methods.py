"""Every API method is SigV4-only (AWS_IAM), unless marked public; OPTIONS never is."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.lint_rules._template import OnTransformedTemplate, source_match
from guestapi.template.openapi import (
    PUBLIC_MARK,
    SAM_NO_AUTH_SCHEME,
    Operation,
    api_bodies,
    is_sigv4,
    operations,
    security_schemes,
)
from guestapi.template.reading import resources


def _schemes_used(operation: Operation) -> set[str]:
    return {
        name
        for requirement in operation.security
        if isinstance(requirement, dict)
        for name in requirement
        if name != SAM_NO_AUTH_SCHEME
    }


class ApiMethodsUseIam(OnTransformedTemplate, CloudFormationLintRule):
    """Flags methods that any caller could reach without a SigV4 signature."""

    id = "E9101"
    shortdesc = "Every API method uses AWS_IAM authorization"
    description = (
        "After the SAM transform, every method of a REST API (but OPTIONS) must require "
        f"AWS_IAM (SigV4). A method meant to be public says so with `{PUBLIC_MARK}: true` "
        "on its OpenAPI operation."
    )
    source_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html"
    tags: ClassVar[list[str]] = ["guestapi", "apigateway", "iam"]

    def check(self, cfn: Any, template: dict[str, Any]) -> list[RuleMatch]:
        found: list[RuleMatch] = []
        for api_id, body in api_bodies(template):
            sigv4 = {name for name, scheme in security_schemes(body).items() if is_sigv4(scheme)}
            for operation in operations(body):
                if operation.method == "OPTIONS" or operation.public:
                    continue
                if not _schemes_used(operation) & sigv4:
                    path = operation.path
                    where = ["Resources", api_id, "Properties", "DefinitionBody", "paths", path]
                    found.append(
                        source_match(
                            cfn,
                            [*where, operation.key],
                            f"{api_id}: {operation.method} {path} does not use AWS_IAM "
                            "authorization, so any caller can reach it without a signature; "
                            f"use AWS_IAM or mark the operation `{PUBLIC_MARK}: true`",
                        )
                    )
        for logical_id, properties in resources(template, "AWS::ApiGateway::Method"):
            method = str(properties.get("HttpMethod", "")).upper()
            if method != "OPTIONS" and properties.get("AuthorizationType") != "AWS_IAM":
                found.append(
                    source_match(
                        cfn,
                        ["Resources", logical_id, "Properties", "AuthorizationType"],
                        f"{logical_id}: {method} method does not use AWS_IAM authorization",
                    )
                )
        return found


class OptionsIsNeverAuthorized(OnTransformedTemplate, CloudFormationLintRule):
    """Flags a CORS preflight that asks for credentials browsers never send with it."""

    id = "E9102"
    shortdesc = "OPTIONS (CORS preflight) carries no authorization"
    description = (
        "Browsers send the CORS preflight without credentials, so an authorized OPTIONS "
        "turns every browser call into a CORS failure "
        "(set Auth.AddDefaultAuthorizerToCorsPreflight: false)."
    )
    source_url = (
        "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
        "sam-property-api-apiauth.html"
    )
    tags: ClassVar[list[str]] = ["guestapi", "apigateway", "cors"]

    def check(self, cfn: Any, template: dict[str, Any]) -> list[RuleMatch]:
        found: list[RuleMatch] = []
        for api_id, body in api_bodies(template):
            for operation in operations(body):
                if operation.method == "OPTIONS" and _schemes_used(operation):
                    found.append(
                        source_match(
                            cfn,
                            ["Resources", api_id, "Properties", "Auth"],
                            f"{api_id}: OPTIONS {operation.path} is authorized, so browsers' CORS "
                            "preflight fails; set Auth.AddDefaultAuthorizerToCorsPreflight: false",
                        )
                    )
        for logical_id, properties in resources(template, "AWS::ApiGateway::Method"):
            kind = properties.get("AuthorizationType", "NONE")
            if str(properties.get("HttpMethod", "")).upper() == "OPTIONS" and kind != "NONE":
                found.append(
                    source_match(
                        cfn,
                        ["Resources", logical_id, "Properties", "AuthorizationType"],
                        f"{logical_id}: OPTIONS method is authorized ({kind}), so browsers' "
                        "CORS preflight fails",
                    )
                )
        return found
