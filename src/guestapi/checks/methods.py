"""The methods an API serves: from the template (offline) or apigateway:GetResources (AWS).

The least-privilege probes need them: every AWS_IAM method must be one the guest role may
invoke, and a method the API does not serve must be one it may not. Reading the template
does not import the offline stack (the checks never do): the OpenAPI body of each API and the
Api events of each function are where a SAM template declares its methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import BotoCoreError, ClientError
from samtranslator.yaml_helper import yaml_parse

from guestapi.checks.target import TargetError

PUBLIC_MARK = "x-guestapi-public"  # the same mark guestapi.lint_rules accepts
_HTTP = ("get", "put", "post", "delete", "head", "patch", "options")
_ANY = "x-amazon-apigateway-any-method"


@dataclass(frozen=True)
class ApiMethod:
    method: str  # GET, POST, ... or ANY
    path: str  # the resource path, "/demo", "/items/{id}"
    public: bool = False  # served without AWS_IAM on purpose: no grant expected

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def arn_tail(self) -> str:
        """METHOD/path as an execute-api ARN writes it (`*` for ANY, no leading slash)."""
        return f"{'*' if self.method == 'ANY' else self.method}/{self.path.lstrip('/')}"


def _operations(body: Any) -> Iterator[ApiMethod]:
    paths = body.get("paths") if isinstance(body, dict) else None
    for path, item in (paths if isinstance(paths, dict) else {}).items():
        for key, op in (item if isinstance(item, dict) else {}).items():
            if key.lower() in _HTTP or key == _ANY:
                op = op if isinstance(op, dict) else {}
                security = op.get("security") or []
                public = op.get(PUBLIC_MARK) is True or any(
                    isinstance(s, dict) and "NONE" in s for s in security
                )
                yield ApiMethod("ANY" if key == _ANY else key.upper(), str(path), public)


def methods_from_template(template: Path) -> list[ApiMethod]:
    """Every method the template's REST APIs declare, OPTIONS left out (always unsigned)."""
    try:
        document = yaml_parse(template.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TargetError(f"cannot read the API's methods from {template}: {exc}") from None
    resources = document.get("Resources") if isinstance(document, dict) else None
    found: list[ApiMethod] = []
    for resource in (resources if isinstance(resources, dict) else {}).values():
        if not isinstance(resource, dict):
            continue
        properties = resource.get("Properties") or {}
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Api":
            found += _operations(properties.get("DefinitionBody"))
        elif kind == "AWS::ApiGateway::RestApi":
            found += _operations(properties.get("Body"))
        elif kind == "AWS::Serverless::Function":
            for event in (properties.get("Events") or {}).values():
                spec = event.get("Properties") or {} if isinstance(event, dict) else {}
                if isinstance(event, dict) and event.get("Type") == "Api":
                    method = str(spec.get("Method", "")).upper()
                    found.append(ApiMethod("ANY" if method == "ANY" else method, spec["Path"]))
    return sorted({m for m in found if m.method != "OPTIONS"}, key=lambda m: (m.path, m.method))


def methods_from_apigateway(client: Any, api_id: str) -> list[ApiMethod]:
    """apigateway:GetResources with the methods embedded, every page."""
    found: list[ApiMethod] = []
    try:
        for page in client.get_paginator("get_resources").paginate(
            restApiId=api_id, embed=["methods"]
        ):
            for item in page.get("items", []):
                for verb, method in (item.get("resourceMethods") or {}).items():
                    public = method.get("authorizationType", "NONE") == "NONE"
                    found.append(ApiMethod(verb, item["path"], public))
    except (BotoCoreError, ClientError) as exc:
        raise TargetError(
            f"cannot list the API's methods (apigateway:GetResources on {api_id}): {exc}"
        ) from None
    return sorted({m for m in found if m.method != "OPTIONS"}, key=lambda m: (m.path, m.method))
