"""API Gateway's own 4XX/5XX answers carry CORS headers, or browsers never see them."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.lint_rules._template import OnTransformedTemplate, source_match
from guestapi.template.openapi import REST_API
from guestapi.template.reading import resources

REQUIRED_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Headers")
RESPONSE_TYPES = ("DEFAULT_4XX", "DEFAULT_5XX")
_PREFIX = "gatewayresponse.header."


def _headers(parameters: Any) -> set[str]:
    if not isinstance(parameters, dict):
        return set()
    return {k[len(_PREFIX) :].lower() for k in parameters if k.startswith(_PREFIX)}


def _declared(template: dict[str, Any], api_id: str, body: Any) -> dict[str, set[str]]:
    """Header names per response type, from the OpenAPI body and GatewayResponse resources."""
    declared: dict[str, set[str]] = {}
    responses = body.get("x-amazon-apigateway-gateway-responses") if isinstance(body, dict) else {}
    for kind, response in (responses if isinstance(responses, dict) else {}).items():
        if isinstance(response, dict):
            declared[kind] = _headers(response.get("responseParameters"))
    for _, properties in resources(template, "AWS::ApiGateway::GatewayResponse"):
        if properties.get("RestApiId") == {"Ref": api_id}:
            kind = str(properties.get("ResponseType"))
            declared.setdefault(kind, set()).update(_headers(properties.get("ResponseParameters")))
    return declared


class GatewayResponsesCarryCors(OnTransformedTemplate, CloudFormationLintRule):
    """Flags an API whose 403/429/5XX answers a browser would report as CORS failures."""

    id = "E9106"
    shortdesc = "DEFAULT_4XX and DEFAULT_5XX carry the CORS headers"
    description = (
        "API Gateway's own error answers (Missing Authentication Token, AccessDenied, 429) carry "
        "no CORS headers by default, so a browser reports them as CORS failures. "
        f"DEFAULT_4XX and DEFAULT_5XX must set {' and '.join(REQUIRED_HEADERS)}."
    )
    source_url = (
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
        "how-to-cors.html#apigateway-enable-cors-gateway-responses"
    )
    tags: ClassVar[list[str]] = ["guestapi", "apigateway", "cors"]

    def check(self, cfn: Any, template: dict[str, Any]) -> list[RuleMatch]:
        found: list[RuleMatch] = []
        for api_id, properties in resources(template, REST_API):
            declared = _declared(template, api_id, properties.get("Body"))
            for kind in RESPONSE_TYPES:
                present = declared.get(kind, set())
                missing = [h for h in REQUIRED_HEADERS if h.lower() not in present]
                if missing:
                    path = ["Resources", api_id, "Properties", "GatewayResponses", kind]
                    found.append(
                        source_match(
                            cfn,
                            path,
                            f"{api_id}: gateway response {kind} lacks {', '.join(missing)}, so "
                            "browsers see API Gateway's errors as CORS failures",
                        )
                    )
        return found
