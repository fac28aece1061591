"""The attestation service: POST /attest/challenge, /attest and /attest/refresh
(docs/attestation.md), behind the stack's REST API as a Lambda proxy integration.

Every answer is a documented one: 200, or a refusal code with its status. A request is bounded
before it is parsed (attest_body), checked cheapest first (attest_service), and whatever fails
on the way is a coded refusal; AWS failures are identity_service_unavailable (503).

Logs say what happened (route, kind, refusal code, an exception class name) and never carry the
evidence, a secret, a debug token or the Cognito token; so do the metrics (attest_metrics).
"""

from __future__ import annotations

import json
import traceback
from typing import Any

import attest_body
import attest_metrics
import boto3
from attest_errors import Refusal
from attest_service import AttestationService
from attest_settings import Settings
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

logger = Logger()
app = APIGatewayRestResolver()
metrics = attest_metrics.metrics
# The routes whose refusals count as refusals (a refused challenge request is not an attempt).
_COUNTED_ROUTES = ("/attest", "/attest/refresh")

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
    event = app.current_event
    return attest_body.parse(event.body, base64_encoded=bool(event.is_base64_encoded))


@app.post("/attest/challenge")
def challenge() -> dict[str, Any]:
    answer = _get_service().challenge(_body())
    attest_metrics.challenge_issued()
    return answer


@app.post("/attest")
def attest() -> dict[str, Any]:
    body = _body()
    answer = _get_service().attest(body)
    return _admitted("attested", answer)


@app.post("/attest/refresh")
def refresh() -> dict[str, Any]:
    body = _body()
    answer = _get_service().refresh(body)
    return _admitted("refreshed", answer)


def _admitted(event: str, answer: dict[str, Any]) -> dict[str, Any]:
    logger.info(event, extra={"kind": answer["Kind"], "identityId": answer["IdentityId"]})
    attest_metrics.admitted(answer["Kind"])
    return answer


def _answer(refusal: Refusal) -> Response[str]:
    route = app.current_event.path
    logger.warning(
        "refused", extra={"code": refusal.code, "detail": refusal.detail, "route": route}
    )
    if route in _COUNTED_ROUTES:
        attest_metrics.refused(refusal.code)
    return Response(
        status_code=refusal.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(refusal.body()),
    )


@app.exception_handler(Refusal)
def refused(exc: Refusal) -> Response[str]:
    return _answer(exc)


@app.exception_handler([ClientError, BotoCoreError])
def backend_failed(exc: Exception) -> Response[str]:
    # DynamoDB or Cognito failed (throttled, unavailable): the documented 503, not a raw 502.
    code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
    return _answer(Refusal("identity_service_unavailable", code))


@app.exception_handler(Exception)
def failed(exc: Exception) -> Response[str]:
    # A bug, not the caller's input (that is refused before it gets here). The log names the
    # class and where it was raised, not its message: messages may quote the caller's bytes.
    frames = traceback.extract_tb(exc.__traceback__)[-5:]
    where = [f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" for frame in frames]
    logger.error("failed", extra={"error": type(exc).__name__, "at": where})
    return Response(
        status_code=500,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"code": "internal_error", "message": "The service failed; try again."}),
    )


# log_event=False explicitly: POWERTOOLS_LOGGER_LOG_EVENT must not be able to log evidence.
@metrics.log_metrics
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
