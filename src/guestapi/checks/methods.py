"""The methods an API serves, as apigateway:GetResources lists them, on AWS and offline alike.

The least-privilege probes need them: every AWS_IAM method must be one the guest role may
invoke, and a method the API does not serve must be one it may not. The same call serves both
targets: AWS's API Gateway, or the offline stack's (its ApiGatewayEndpoint output), so what is
checked is the API as deployed, never the template it came from.
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


def stage_throttles(client: Any, api_id: str, stage: str) -> str:
    """The stage's throttle settings (apigateway:GetStage) as one phrase, e.g.
    `*/*: 2 req/s, burst 2`; "" when they cannot be read (a 429 is diagnosed either way)."""
    try:
        settings = client.get_stage(restApiId=api_id, stageName=stage).get("methodSettings")
    except (BotoCoreError, ClientError):
        return ""
    return "; ".join(
        f"{key.replace('~1', '/')}: {s['throttlingRateLimit']:g} req/s, burst "
        f"{s['throttlingBurstLimit']}"
        for key, s in sorted((settings or {}).items())
        if "throttlingRateLimit" in s and "throttlingBurstLimit" in s
    )
