"""Handlers for the offline stack's Lambda tests: one per behaviour API Gateway must map."""

import json
import os
import sys
import time


def whoami(event, context):
    identity = event["requestContext"]["identity"]
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"X-Seen": ["one", "two"]},
        "body": json.dumps(
            {
                "identityId": identity["cognitoIdentityId"],
                "authenticationType": identity["cognitoAuthenticationType"],
                "functionName": context.function_name,
                "requestId": context.aws_request_id,
                "remainingMs": context.get_remaining_time_in_millis(),
                "greeting": os.environ.get("GREETING"),
            }
        ),
    }


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}


def binary(event, context):
    return {"statusCode": 200, "isBase64Encoded": True, "body": "AAEC/w==", "headers": {"Content-Type": "application/octet-stream"}}


def boom(event, context):
    raise KeyError("no such thing")


def sleepy(event, context):
    time.sleep(30)
    return {"statusCode": 200, "body": "too late"}


def malformed(event, context):
    return {"status": 200, "body": {"not": "a string"}}


def leaves(event, context):
    sys.exit(3)
