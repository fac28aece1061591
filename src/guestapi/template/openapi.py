"""An OpenAPI body's operations, as API Gateway imports them, and the project's public-route
mark: the lint rules check them, the offline stack imports them into its REST API model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from guestapi.template.reading import resources

REST_API = "AWS::ApiGateway::RestApi"  # the resource type whose Body is an OpenAPI body
# On an operation, `x-guestapi-public: true` says it is meant to be called unsigned: the lint
# rules then expect no AWS_IAM on it and no grant for it.
PUBLIC_MARK = "x-guestapi-public"
# API Gateway's extension for a method that answers every HTTP method.
ANY_METHOD = "x-amazon-apigateway-any-method"
# The security requirement SAM writes for `Auth: Authorizer: NONE`, a scheme it never defines.
SAM_NO_AUTH_SCHEME = "NONE"
# OpenAPI path-item keys that are operations (any case), and the HTTP method each stands for.
_HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH")
OPERATIONS = {method.lower(): method for method in _HTTP_METHODS} | {ANY_METHOD: "ANY"}
_PATH_PARAMETER = re.compile(r"\{[^}/]+\}")


@dataclass(frozen=True)
class Operation:
    path: str  # as the body writes it: "/items/{id}"
    key: str  # the path-item key as written: "get", "x-amazon-apigateway-any-method"
    spec: Mapping[str, Any]
    body_security: Any = None  # the body's `security`, for an operation without its own

    @property
    def security(self) -> list[Any]:
        """The operation's security requirements (the body's when it names none)."""
        return self.spec.get("security", self.body_security) or []

    @property
    def method(self) -> str:
        """GET, POST, ... or ANY."""
        return OPERATIONS[self.key.lower()]

    @property
    def public(self) -> bool:
        return self.spec.get(PUBLIC_MARK) is True

    def arn_tail(self) -> tuple[str, str]:
        """(METHOD, path) as an execute-api ARN names the method: ANY is `*`, no leading slash,
        a path parameter (`{id}`, `{proxy+}`) is `*`."""
        verb = "*" if self.method == "ANY" else self.method
        return verb, _PATH_PARAMETER.sub("*", self.path.lstrip("/"))


def paths(body: Mapping[str, Any]) -> Iterator[tuple[str, list[Operation]]]:
    """Each path of the body with its operations (none for a path of parameters only)."""
    found = body.get("paths")
    for path, item in (found if isinstance(found, dict) else {}).items():
        keys = item.items() if isinstance(item, dict) else ()
        operations = [
            Operation(str(path), str(key), spec, body.get("security"))
            for key, spec in keys
            if str(key).lower() in OPERATIONS and isinstance(spec, dict)
        ]
        yield str(path), operations


def operations(body: Mapping[str, Any]) -> Iterator[Operation]:
    """Every operation of the body (its `parameters`, `summary`, ... are not operations)."""
    for _, found in paths(body):
        yield from found


def security_schemes(body: Mapping[str, Any]) -> dict[str, Any]:
    """Swagger 2's securityDefinitions and OpenAPI 3's components.securitySchemes."""
    components = body.get("components")
    schemes = dict(body.get("securityDefinitions") or {})
    schemes.update(components.get("securitySchemes") or {} if isinstance(components, dict) else {})
    return schemes


def is_sigv4(scheme: Any) -> bool:
    """Whether a security scheme is API Gateway's AWS_IAM (SigV4) authorization."""
    authtype = scheme.get("x-amazon-apigateway-authtype") if isinstance(scheme, dict) else ""
    return str(authtype).lower() == "awssigv4"


def api_bodies(template: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, OpenAPI body) of each REST API whose Body is a mapping."""
    for api_id, properties in resources(template, REST_API):
        body = properties.get("Body")
        if isinstance(body, dict):
            yield api_id, body
