"""The attestation service: POST /attest/challenge, /attest and /attest/refresh
(docs/attestation.md), behind the stack's REST API as a Lambda proxy integration.

Logs say what happened (route, kind, refusal code, an exception class name) and never carry the
evidence, a debug token or the Cognito token.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from attest_errors import Refusal
from attest_service import AttestationService
from attest_settings import Settings
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
app = APIGatewayRestResolver()

_service: AttestationService | None = None


def configure(service: AttestationService | None = None) -> AttestationService:
    """Install `service`, or build the real one from the environment (boto3 finds the endpoints:
    AWS, or the offline stack's AWS_ENDPOINT_URL_*). Tests pass their own."""
    global _service
    if service is None:
        settings = Settings.from_environ()
        service = AttestationService(
            settings,
            table=boto3.resource("dynamodb").Table(settings.table_name),
            cognito=boto3.client("cognito-identity"),
        )
    if service.settings.test_root_pem is not None:
        logger.warning(
            "ATTESTATION_TEST_ROOT_PEM is set: App Attest evidence signed by a TEST root is "
            "trusted. Never in production (only local.py --attestation-test-root sets it)."
        )
    _service = service
    return service


def _get_service() -> AttestationService:
    # Built once per sandbox, at its first request, and reused while Lambda keeps it warm.
    return _service or configure()


def _body() -> Any:
    raw = app.current_event.decoded_body
    if raw is None or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise Refusal("malformed_request", "not JSON") from None


@app.post("/attest/challenge")
def challenge() -> dict[str, Any]:
    return _get_service().challenge(_body())


@app.post("/attest")
def attest() -> dict[str, Any]:
    answer = _get_service().attest(_body())
    logger.info("attested", extra={"kind": answer["Kind"], "identityId": answer["IdentityId"]})
    return answer


@app.post("/attest/refresh")
def refresh() -> dict[str, Any]:
    answer = _get_service().refresh(_body())
    logger.info("refreshed", extra={"kind": answer["Kind"], "identityId": answer["IdentityId"]})
    return answer


@app.exception_handler(Refusal)
def refused(exc: Refusal) -> Response:
    logger.warning(
        "refused",
        extra={"code": exc.code, "detail": exc.detail, "route": app.current_event.path},
    )
    return Response(
        status_code=exc.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(exc.body()),
    )


# log_event=False explicitly: POWERTOOLS_LOGGER_LOG_EVENT must not be able to log evidence.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
