"""Shared pieces of the DynamoDB offline tests: a stack's names, tables, signed requests."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from guestapi.offline.dynamodb.tables import TableSpec, table_spec
from guestapi.offline.sigv4 import KnownCredential
from guestapi.offline.wire import Request

JSON_1_0 = "application/x-amz-json-1.0"

REGION, ACCOUNT = "us-east-1", "123456789012"
ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/fn-role"
ASSUMED = f"arn:aws:sts::{ACCOUNT}:assumed-role/fn-role/fn-session"
KEY = KnownCredential(
    "ASIAFAKEFUNCTION0001", "fake/secret/for/unit/tests/only/00000000", "fake-token", None
)
PK = [{"AttributeName": "pk", "KeyType": "HASH"}]
PK_DEF = [{"AttributeName": "pk", "AttributeType": "S"}]


def spec(name: str, **props: Any) -> TableSpec:
    properties = {"KeySchema": PK, "AttributeDefinitions": PK_DEF, "BillingMode": "PAY_PER_REQUEST"}
    return table_spec(name, {**properties, **props}, name=name, arn=f"{ARN}/{name}")


def allow(actions: str | list[str], resources: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources, **extra}]}


def signed(
    operation: str, body: dict[str, Any] | bytes, credential: KnownCredential = KEY
) -> Request:
    """A request as botocore's SigV4 signer signs it, handed over as the server receives it."""
    url = "http://dynamodb.us-east-1.amazonaws.com/"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    aws = AWSRequest(
        "POST",
        url,
        data=raw,
        headers={"Content-Type": JSON_1_0, "X-Amz-Target": f"DynamoDB_20120810.{operation}"},
    )
    creds = Credentials(
        credential.access_key_id, credential.secret_access_key, credential.session_token
    )
    SigV4Auth(creds, "dynamodb", REGION).add_auth(aws)
    prepared = aws.prepare()
    host = urlsplit(url).netloc
    return Request("POST", "/", "", (("Host", host), *prepared.headers.items()), raw, host=host)
