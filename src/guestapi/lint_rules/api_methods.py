"""Every API method is SigV4-only (AWS_IAM), unless marked public; OPTIONS never is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.lint_rules._template import (
    OnTransformedTemplate,
    api_bodies,
    resources,
    source_match,
)

PUBLIC_MARK = "x-guestapi-public"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY_METHOD = "x-amazon-apigateway-any-method"
_SIGV4 = "awsSigv4"


def _sigv4_schemes(body: dict[str, Any]) -> set[str]:
    components = body.get("components")
    schemes = dict(body.get("securityDefinitions") or {})  # OpenAPI 2 (swagger)
    if isinstance(components, dict):
        schemes.update(components.get("securitySchemes") or {})  # OpenAPI 3
    return {
        name
        for name, scheme in schemes.items()
        if isinstance(scheme, dict) and scheme.get("x-amazon-apigateway-authtype") == _SIGV4
    }


def _schemes_used(operation: dict[str, Any], body: dict[str, Any]) -> set[str]:
    # An operation without `security` falls back to the document's.
    security = operation.get("security", body.get("security")) or []
    return {
        name
        for requirement in security
        if isinstance(requirement, dict)
        for name in requirement
        if name != "NONE"  # SAM's explicit "no authorizer"
    }


def operations(body: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method as written, operation) for every operation of an OpenAPI body."""
    paths = body.get("paths")
    for path, item in (paths if isinstance(paths, dict) else {}).items():
        for method, operation in (item if isinstance(item, dict) else {}).items():
            if (method.lower() in _HTTP_METHODS or method == _ANY_METHOD) and isinstance(
                operation, dict
            ):
                yield path, method, operation


_PARAMETER = re.compile(r"\{[^}/]+\}")


def arn_path(path: str) -> str:
    """The path as a method ARN names it: a path parameter (`{id}`, `{proxy+}`) is `*`."""
    return _PARAMETER.sub("*", path.lstrip("/"))


def api_method_tails(template: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, ARN path) of every operation of the template's REST APIs (ANY is `*`)."""
    tails = set()
    for _, body in api_bodies(template):
        for path, method, _ in operations(body):
            tails.add(("*" if method == _ANY_METHOD else method.upper(), arn_path(path)))
    return tails


def _label(method: str) -> str:
    return "ANY" if method == _ANY_METHOD else method.upper()


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
            sigv4 = _sigv4_schemes(body)
            for path, method, operation in operations(body):
                if method.lower() == "options" or operation.get(PUBLIC_MARK) is True:
                    continue
                if not _schemes_used(operation, body) & sigv4:
                    where = ["Resources", api_id, "Properties", "DefinitionBody", "paths", path]
                    found.append(
                        source_match(
                            cfn,
                            [*where, method],
                            f"{api_id}: {_label(method)} {path} does not use AWS_IAM "
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
            for path, method, operation in operations(body):
                if method.lower() == "options" and _schemes_used(operation, body):
                    found.append(
                        source_match(
                            cfn,
                            ["Resources", api_id, "Properties", "Auth"],
                            f"{api_id}: OPTIONS {path} is authorized, so browsers' CORS "
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
