"""Which service answers a request at the offline stack's port: the server's one dispatch rule."""

from __future__ import annotations

import pytest

from guestapi.offline.apigateway.management import ApiGatewayManagement
from guestapi.offline.launch import service_routes
from guestapi.offline.server import ServiceRoute, route_service
from guestapi.offline.wire import Response

ROUTES = [
    *service_routes(lambda request: Response(200), lambda request: Response(200)),
    ServiceRoute(ApiGatewayManagement, lambda request: Response(200)),
]


def _signed_for(service: str) -> tuple[str, str]:
    return (
        "Authorization",
        f"AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00",
    )


FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
JSON = ("Content-Type", "application/x-amz-json-1.1")


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        (
            "POST",
            "/",
            (JSON, ("X-Amz-Target", "AWSCognitoIdentityService.GetId")),
            "cognito-identity",
        ),
        ("POST", "/", (FORM,), "sts"),
        # A form body goes to STS whatever target it names, as on the real server.
        ("POST", "/", (FORM, ("X-Amz-Target", "Other.Op")), "sts"),
        # Anything else at / falls back to the first service, whose own answer is
        # UnknownOperationException.
        ("POST", "/", (JSON, ("X-Amz-Target", "Nope.Op")), "cognito-identity"),
        ("OPTIONS", "/", (), "cognito-identity"),
        ("GET", "/", (), None),
        ("POST", "/dev/demo", (JSON, ("X-Amz-Target", "AWSCognitoIdentityService.GetId")), None),
        # The control plane by its signature's scope, on any path; a REST API call (signed for
        # execute-api, or unsigned) on the same path is the stage's, here a stage `restapis`.
        ("GET", "/restapis/abc/resources", (_signed_for("apigateway"),), "apigateway"),
        ("GET", "/restapis/abc/resources", (_signed_for("execute-api"),), None),
        ("GET", "/restapis/abc/resources", (), None),
        ("GET", "/restapis/demo", (("Authorization", "Credential=/apigateway/"),), None),
    ],
)
def test_route_service(method, path, headers, expected) -> None:
    route = route_service(ROUTES, method, path, headers)
    assert (route.name if route else None) == expected


def test_harness_and_server_share_the_rule() -> None:
    # The unit tests' in-process boto3 bridge must not have a dispatch of its own.
    import _botocore_in_process

    assert _botocore_in_process.route_service is route_service
    assert _botocore_in_process.service_routes is service_routes
