"""The methods an API serves, as apigateway:GetResources lists them on AWS and offline alike:
the API as deployed, never the template it came from, is what the probes check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from guestapi.checks.target import TargetError


@dataclass(frozen=True)
class ApiMethod:
    method: str  # GET, POST, ... or ANY
    path: str  # the resource path, "/demo", "/items/{id}"
    public: bool = False  # served without authorization (NONE): no grant expected

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def arn_tail(self) -> str:
        """METHOD/path as an execute-api ARN writes it (`*` for ANY, no leading slash)."""
        return f"{'*' if self.method == 'ANY' else self.method}/{self.path.lstrip('/')}"


def methods_from_apigateway(client: Any, api_id: str) -> list[ApiMethod]:
    """apigateway:GetResources with the methods embedded, every page; OPTIONS (the CORS
    preflight, never signed) left out, sorted by path and method."""
    found: set[ApiMethod] = set()
    try:
        pages = client.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"])
        for page in pages:
            for resource in page.get("items", []):
                found.update(_methods_of(resource))
    except (BotoCoreError, ClientError) as exc:
        raise TargetError(
            f"cannot list the API's methods (apigateway:GetResources on {api_id}): {exc}"
        ) from None
    return sorted(found, key=lambda m: (m.path, m.method))


def _methods_of(resource: dict[str, Any]) -> list[ApiMethod]:
    methods = resource.get("resourceMethods") or {}
    return [
        ApiMethod(verb, resource["path"], public=spec.get("authorizationType", "NONE") == "NONE")
        for verb, spec in methods.items()
        if verb != "OPTIONS"
    ]


def stage_throttles(client: Any, api_id: str, stage: str) -> str:
    """The stage's throttle settings (apigateway:GetStage) as one phrase, e.g.
    `*/*: 2 req/s, burst 2`; "" when they cannot be read (a 429 is diagnosed either way)."""
    try:
        settings = client.get_stage(restApiId=api_id, stageName=stage).get("methodSettings")
    except (BotoCoreError, ClientError):
        return ""
    phrases = []
    for key, setting in sorted((settings or {}).items()):
        rate = setting.get("throttlingRateLimit")
        burst = setting.get("throttlingBurstLimit")
        if rate is not None and burst is not None:
            # The key is "<resource path>/<METHOD>" with each "/" of the path written "~1".
            phrases.append(f"{key.replace('~1', '/')}: {rate:g} req/s, burst {burst}")
    return "; ".join(phrases)
