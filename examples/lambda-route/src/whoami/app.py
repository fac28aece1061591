"""GET /whoami: tells a guest who it is and how often it has asked.

API Gateway has already checked the SigV4 signature and the guest role's policy before this
runs, so the identity in the event is the verified caller, not something the client claims.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="whoami")
# Created once per sandbox, as Lambda reuses it between invocations. boto3 finds the endpoint
# (AWS, or the offline stack's AWS_ENDPOINT_URL_DYNAMODB) and the role's credentials itself.
visits = boto3.resource("dynamodb").Table(os.environ["VISITS_TABLE"])


@logger.inject_lambda_context
@event_source(data_class=APIGatewayProxyEvent)
def handler(event: APIGatewayProxyEvent, context: LambdaContext) -> dict[str, Any]:
    identity = event.request_context.identity
    counted = visits.update_item(
        Key={"identityId": identity.cognito_identity_id},
        UpdateExpression="ADD visits :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )
    answer = {
        "identityId": identity.cognito_identity_id,
        "authenticationType": identity.cognito_authentication_type,
        "visits": int(counted["Attributes"]["visits"]),
        "requestId": event.request_context.request_id,
    }
    logger.info("answered", extra={"identityId": answer["identityId"], "visits": answer["visits"]})
    return {
        "statusCode": 200,
        # A proxy integration passes no integration-response mapping: CORS is the function's job.
        "headers": {
            "Content-Type": "application/json",
            "Access-Control-Allow-Origin": os.environ["ALLOWED_ORIGIN"],
        },
        "body": json.dumps(answer),
    }
