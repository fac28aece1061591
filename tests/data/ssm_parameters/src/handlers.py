"""Handlers for the offline stack's SSM tests: read parameters with the function's own role,
through Powertools' parameters utility (boto3 ssm get_parameter / get_parameters underneath)."""

import json
import os


def _answer(body):
    return {"statusCode": 200, "body": json.dumps(body)}


def read(event, context):
    """The parameter named by ?name= (default PARAM_NAME), decrypted if ?decrypt=1."""
    from aws_lambda_powertools.utilities import parameters
    from botocore.exceptions import ClientError

    query = event.get("queryStringParameters") or {}
    name = query.get("name") or os.environ["PARAM_NAME"]
    try:
        # max_age=0: every call reaches the stack, so the tests see each answer.
        value = parameters.get_parameter(name, decrypt=query.get("decrypt") == "1", max_age=0)
    except parameters.exceptions.GetParameterError as error:
        # Powertools re-raises without `from`: the ClientError is the context.
        cause = error.__context__
        code = cause.response["Error"]["Code"] if isinstance(cause, ClientError) else repr(cause)
        message = cause.response["Error"].get("Message") if isinstance(cause, ClientError) else ""
        return _answer({"error": code, "message": message})
    return _answer({"value": value})


def read_many(event, context):
    """Both template parameters in one GetParameters call (boto3, as Powertools batches)."""
    import boto3

    names = [os.environ["PARAM_NAME"], os.environ["LIST_NAME"], "/offline/missing"]
    answer = boto3.client("ssm").get_parameters(Names=names)
    values = {p["Name"]: [p["Type"], p["Value"]] for p in answer["Parameters"]}
    return _answer({"values": values, "invalid": answer["InvalidParameters"]})
