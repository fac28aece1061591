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
    return {
        "statusCode": 200,
        "isBase64Encoded": True,
        "body": "AAEC/w==",
        "headers": {"Content-Type": "application/octet-stream"},
    }


def boom(event, context):
    raise KeyError("no such thing")


def sleepy(event, context):
    time.sleep(30)
    return {"statusCode": 200, "body": "too late"}


def malformed(event, context):
    return {"status": 200, "body": {"not": "a string"}}


def leaves(event, context):
    sys.exit(3)


def describe_pool(event, context):
    """Calls Cognito with the function's own role, through AWS_ENDPOINT_URL_COGNITO_IDENTITY."""
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client("cognito-identity")
    try:
        pool = client.describe_identity_pool(IdentityPoolId=os.environ["POOL_ID"])
    except ClientError as error:
        return {"statusCode": 200, "body": json.dumps({"error": error.response["Error"]["Code"]})}
    return {
        "statusCode": 200,
        "body": json.dumps({"guests": pool["AllowUnauthenticatedIdentities"]}),
    }


def leaky(event, context):
    print(
        "my secret is",
        os.environ["AWS_SECRET_ACCESS_KEY"],
        "and my token",
        os.environ["AWS_SESSION_TOKEN"],
    )
    print("a forged\nline and a \x1b[31mcolour")
    return {"statusCode": 204}


def environment(event, context):
    keep = ("AWS_", "_HANDLER", "LAMBDA_", "GREETING")
    seen = {
        k: ("<set>" if "SECRET" in k or "TOKEN" in k else v)
        for k, v in os.environ.items()
        if k.startswith(keep)
    }
    return {
        "statusCode": 200,
        "body": json.dumps(
            {"env": seen, "memory": context.memory_limit_in_mb, "arn": context.invoked_function_arn}
        ),
    }


def pid(event, context):
    """Which sandbox answered: its log stream, one per execution environment (a process id says
    nothing inside a PID namespace, where every runtime is process 2)."""
    time.sleep(0.3)
    return {"statusCode": 200, "body": context.log_stream_name}


def notes(event, context):
    """Writes the caller's note to the table and reads it back (PutItem + GetItem granted)."""
    import boto3

    table = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])
    who = event["requestContext"]["identity"]["cognitoIdentityId"]
    table.put_item(Item={"identityId": who, "note": event.get("body") or ""})
    item = table.get_item(Key={"identityId": who})["Item"]
    return {"statusCode": 200, "body": json.dumps(item)}


def scan_notes(event, context):
    """Tries to read every guest's notes: Scan is not in this function's role."""
    import boto3
    from botocore.exceptions import ClientError

    try:
        boto3.client("dynamodb").scan(TableName=os.environ["NOTES_TABLE"])
    except ClientError as error:
        return {"statusCode": 200, "body": json.dumps({"error": error.response["Error"]["Code"]})}
    return {"statusCode": 200, "body": json.dumps({"error": None})}


def source(event, context):
    return {"statusCode": 200, "body": event["requestContext"]["identity"]["sourceIp"]}
