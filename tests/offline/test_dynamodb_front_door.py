"""The DynamoDB front door: SigV4 and the role's IAM policies before moto, as DynamoDB answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from _json_service_harness import serve_handler
from botocore.exceptions import ClientError

from _dynamodb_helpers import (
    ACCOUNT,
    ARN,
    ASSUMED,
    KEY,
    PK_DEF,
    REGION,
    ROLE_ARN,
    allow,
    signed,
    spec,
)
from guestapi.offline import iam
from guestapi.offline.credentials import CredentialStore, WebIdentity
from guestapi.offline.dynamodb.emulator import DynamoDbEmulator
from guestapi.offline.dynamodb.front_door import DynamoDbFrontDoor
from guestapi.offline.dynamodb.operations import Planner
from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.iam.model import Role
from guestapi.offline.motoservice.callers import Caller, caller_lookup
from guestapi.offline.sigv4 import KnownCredential
from guestapi.offline.wire import Request

JSON_1_0 = "application/x-amz-json-1.0"


@contextmanager
def served(door: DynamoDbFrontDoor) -> Iterator[str]:
    with serve_handler(door.handle) as url:
        yield url


class Stack:
    """Two tables in moto, one function role, and the front door before them."""

    def __init__(self, emulator: DynamoDbEmulator, tables: list[TableSpec]) -> None:
        self.emulator = emulator
        self.policies: tuple[dict[str, Any], ...] = ()
        self.door = DynamoDbFrontDoor(
            Planner(REGION, ACCOUNT, tables={t.name: t for t in tables}),
            upstream=emulator.upstream,
            lookup_caller=self.lookup,
        )

    def lookup(self, access_key_id: str) -> Caller | None:
        if access_key_id != KEY.access_key_id:
            return None
        return Caller(KEY, ROLE_ARN, ASSUMED, self.policies)

    def call(self, operation: str, body: dict[str, Any], **kw: Any) -> tuple[int, dict[str, Any]]:
        response = self.door.handle(signed(operation, body, **kw))
        return response.status, json.loads(response.body)

    def items(self, table: str) -> list[dict[str, Any]]:
        return self.emulator.client.scan(TableName=table)["Items"]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    tables = [
        spec("A"),
        spec(
            "B",
            AttributeDefinitions=[*PK_DEF, {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                }
            ],
        ),
    ]
    with DynamoDbEmulator(tables, region=REGION, account_id=ACCOUNT) as emulator:
        stack = Stack(emulator, tables)
        yield stack
        stack.door.close()


@pytest.fixture
def fresh(stack: Stack) -> Stack:
    for name in ("A", "B"):
        for item in stack.items(name):
            stack.emulator.client.delete_item(TableName=name, Key={"pk": item["pk"]})
    stack.policies = (allow(["dynamodb:PutItem", "dynamodb:GetItem"], f"{ARN}/A"),)
    return stack


def denied(action: str, resource: str) -> dict[str, str]:
    return {
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "Message": f"User: {ASSUMED} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action",
    }


def test_granted_calls_reach_moto(fresh: Stack) -> None:
    assert fresh.call("PutItem", {"TableName": "A", "Item": {"pk": {"S": "a1"}}}) == (200, {})
    assert fresh.call("GetItem", {"TableName": "A", "Key": {"pk": {"S": "a1"}}}) == (
        200,
        {"Item": {"pk": {"S": "a1"}}},
    )


def test_calls_outside_the_role_are_denied_like_dynamodb_and_change_nothing(fresh: Stack) -> None:
    status, body = fresh.call("PutItem", {"TableName": "B", "Item": {"pk": {"S": "b1"}}})
    assert (status, body) == (400, denied("dynamodb:PutItem", f"{ARN}/B"))
    assert fresh.call("Scan", {"TableName": "A"}) == (400, denied("dynamodb:Scan", f"{ARN}/A"))
    assert fresh.items("B") == []
    response = fresh.door.handle(signed("PutItem", {"TableName": "B", "Item": {"pk": {"S": "b1"}}}))
    assert response.header("Content-Type") == JSON_1_0 and re.fullmatch(
        r"[A-Z0-9]{52}", response.header("x-amzn-RequestId")
    )
    assert response.header("x-amzn-ErrorType") is None  # DynamoDB sends none


def test_control_a_widened_policy_lets_the_same_calls_through(fresh: Stack) -> None:
    fresh.policies = (allow("dynamodb:*", "*"),)
    assert fresh.call("PutItem", {"TableName": "B", "Item": {"pk": {"S": "b1"}}}) == (200, {})
    assert fresh.call("Scan", {"TableName": "A"})[0] == 200
    assert fresh.items("B") == [{"pk": {"S": "b1"}}]


@pytest.mark.parametrize(
    ("tamper", "error_type", "message"),
    [
        (
            "unsigned",
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        ),
        (
            "wrong secret",
            "InvalidSignatureException",
            "The request signature we calculated does not match",
        ),
        (
            "unknown key",
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            "other body",
            "InvalidSignatureException",
            "The request signature we calculated does not match",
        ),
    ],
)
def test_unsigned_or_forged_requests_never_reach_moto(
    fresh: Stack, tamper: str, error_type: str, message: str
) -> None:
    body = {"TableName": "A", "Item": {"pk": {"S": "forged"}}}
    credential = {
        "wrong secret": KnownCredential(KEY.access_key_id, "x" * 40, KEY.session_token, None),
        "unknown key": KnownCredential("ASIAUNKNOWNKEY000001", "y" * 40, None, None),
    }.get(tamper, KEY)
    request = signed("PutItem", body, credential)
    if tamper == "unsigned":
        request = Request(
            "POST",
            "/",
            "",
            tuple(h for h in request.headers if h[0].lower() != "authorization"),
            request.body,
        )
    if tamper == "other body":
        request = Request(
            "POST", "/", "", request.headers, request.body.replace(b"forged", b"FORGED")
        )
    response = fresh.door.handle(request)
    payload = json.loads(response.body)
    assert response.status == 400 and payload["__type"] == f"com.amazon.coral.service#{error_type}"
    assert payload["message"].startswith(message)
    assert fresh.items("A") == []
    # Control: the same call, honestly signed, is served.
    assert fresh.door.handle(signed("PutItem", body)).status == 200
    assert fresh.items("A") == [{"pk": {"S": "forged"}}]


def test_unknown_target_is_unknown_operation(fresh: Stack) -> None:
    request = signed("PutItem", {})
    headers = tuple(
        (k, "DynamoDB_20120810.Bogus" if k.lower() == "x-amz-target" else v)
        for k, v in request.headers
    )
    response = fresh.door.handle(Request("POST", "/", "", headers, b"{}"))
    assert (response.status, json.loads(response.body)) == (
        400,
        {"__type": "com.amazon.coral.service#UnknownOperationException"},
    )


def test_batches_transactions_and_indexes_are_checked_per_resource(fresh: Stack) -> None:
    fresh.policies = (
        allow(["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:Query"], f"{ARN}/A"),
    )
    writes = {
        "RequestItems": {
            "A": [{"PutRequest": {"Item": {"pk": {"S": "1"}}}}],
            "B": [{"PutRequest": {"Item": {"pk": {"S": "2"}}}}],
        }
    }
    assert fresh.call("BatchWriteItem", writes) == (
        400,
        denied("dynamodb:BatchWriteItem", f"{ARN}/B"),
    )
    transaction = {
        "TransactItems": [
            {"Put": {"TableName": "A", "Item": {"pk": {"S": "1"}}}},
            {"Put": {"TableName": "B", "Item": {"pk": {"S": "2"}}}},
        ]
    }
    assert fresh.call("TransactWriteItems", transaction) == (
        400,
        denied("dynamodb:PutItem", f"{ARN}/B"),
    )
    query = {
        "TableName": "B",
        "IndexName": "by-g",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "x"}},
    }
    assert fresh.call("Query", query) == (400, denied("dynamodb:Query", f"{ARN}/B/index/by-g"))
    assert fresh.items("A") == [] and fresh.items("B") == []
    del writes["RequestItems"]["B"]
    assert fresh.call("BatchWriteItem", writes)[1]["UnprocessedItems"] == {}
    assert fresh.items("A") == [{"pk": {"S": "1"}}]


def test_leading_keys_limit_a_caller_to_its_own_items(fresh: Stack) -> None:
    own_items = {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["alice"]}}
    fresh.policies = (
        allow(["dynamodb:PutItem", "dynamodb:Query"], f"{ARN}/A", Condition=own_items),
    )
    assert fresh.call("PutItem", {"TableName": "A", "Item": {"pk": {"S": "alice"}}}) == (200, {})
    assert fresh.call("PutItem", {"TableName": "A", "Item": {"pk": {"S": "bob"}}})[0] == 400
    query = {
        "TableName": "A",
        "KeyConditionExpression": "(#k = :v)",
        "ExpressionAttributeNames": {"#k": "pk"},
    }
    assert (
        fresh.call("Query", {**query, "ExpressionAttributeValues": {":v": {"S": "alice"}}})[1][
            "Count"
        ]
        == 1
    )
    assert (
        fresh.call("Query", {**query, "ExpressionAttributeValues": {":v": {"S": "bob"}}})[0] == 400
    )
    assert fresh.items("A") == [{"pk": {"S": "alice"}}]
    # Control: the same policy over a context without LeadingKeys allows bob's write.
    assert iam.evaluate(fresh.policies, action="dynamodb:PutItem", resource=f"{ARN}/A").allowed


def test_conditions_on_keys_not_computed_offline_fail_closed(fresh: Stack) -> None:
    only_x = {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk"]}}
    fresh.policies = (allow("dynamodb:PutItem", f"{ARN}/A", Condition=only_x),)
    # IAM treats the missing key as satisfied under ForAllValues: evaluated as written, this
    # Allow would let the write through. The front door must not.
    assert fresh.call(
        "PutItem", {"TableName": "A", "Item": {"pk": {"S": "a"}, "secret": {"S": "s"}}}
    ) == (400, denied("dynamodb:PutItem", f"{ARN}/A"))
    assert fresh.items("A") == []
    assert iam.evaluate(fresh.policies, action="dynamodb:PutItem", resource=f"{ARN}/A").allowed


def test_a_real_sdk_reads_the_answers(fresh: Stack) -> None:
    with served(fresh.door) as endpoint:
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=KEY.access_key_id,
            aws_secret_access_key=KEY.secret_access_key,
            aws_session_token=KEY.session_token,
        )
        client.put_item(TableName="A", Item={"pk": {"S": "sdk"}})
        assert client.get_item(TableName="A", Key={"pk": {"S": "sdk"}})["Item"] == {
            "pk": {"S": "sdk"}
        }
        with pytest.raises(ClientError) as caught:
            client.put_item(TableName="B", Item={"pk": {"S": "sdk"}})
        client.close()
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "AccessDeniedException",
        denied("dynamodb:PutItem", f"{ARN}/B")["Message"],
    )
    assert fresh.items("B") == []


def test_guest_credentials_from_the_store_reach_only_their_own_items(stack: Stack) -> None:
    own = {
        "ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]
        }
    }
    role = Role(
        "GuestRole",
        ROLE_ARN,
        "fn-role",
        "AROAFAKE",
        {},
        (allow("dynamodb:PutItem", f"{ARN}/A", Condition=own),),
    )
    store = CredentialStore(clock=lambda: datetime.now(UTC))
    guest = store.issue(
        ttl=timedelta(hours=1),
        role=role,
        session_name="CognitoIdentityCredentials",
        web_identity=WebIdentity("us-east-1:guest-1", "us-east-1:pool", "unauthenticated"),
    )
    door = DynamoDbFrontDoor(
        Planner(REGION, ACCOUNT, tables={"A": spec("A")}),
        upstream=stack.emulator.upstream,
        lookup_caller=caller_lookup(store, {role.arn: role}),
    )
    credential = guest.known()
    try:
        mine = door.handle(
            signed(
                "PutItem",
                {"TableName": "A", "Item": {"pk": {"S": "us-east-1:guest-1"}}},
                credential,
            )
        )
        theirs = door.handle(
            signed(
                "PutItem",
                {"TableName": "A", "Item": {"pk": {"S": "us-east-1:guest-2"}}},
                credential,
            )
        )
    finally:
        door.close()
    assert mine.status == 200
    assert (theirs.status, json.loads(theirs.body)) == (
        400,
        {
            "__type": "com.amazon.coral.service#AccessDeniedException",
            "Message": f"User: {guest.assumed_role_arn} is not authorized to perform: dynamodb:PutItem on resource: "
            f"{ARN}/A because no identity-based policy allows the dynamodb:PutItem action",
        },
    )
    assert {"pk": {"S": "us-east-1:guest-1"}} in stack.items("A")
    assert {"pk": {"S": "us-east-1:guest-2"}} not in stack.items("A")


def test_requests_the_front_door_cannot_authorize_are_refused_before_moto(fresh: Stack) -> None:
    fresh.policies = (allow("dynamodb:*", "*"),)
    statement = {"Statement": "INSERT INTO \"A\" VALUE {'pk': 'partiql'}"}
    status, body = fresh.call("ExecuteStatement", statement)
    assert (status, body["__type"]) == (400, "com.amazon.coral.validate#ValidationException")
    assert "ExecuteStatement is not authorized by the offline stack" in body["message"]
    query = {
        "TableName": "A",
        "KeyConditionExpression": "begins_with(pk, :v)",
        "ExpressionAttributeValues": {":v": {"S": "x"}},
    }
    assert fresh.call("Query", query)[0] == 400  # no partition value: LeadingKeys undecidable
    response = fresh.door.handle(signed("PutItem", b"{not json"))
    # The wording every AWS JSON service of the offline stack gives (it had no period here).
    assert json.loads(response.body) == {
        "__type": "com.amazon.coral.service#SerializationException",
        "message": "The request body is not valid JSON.",
    }
    assert fresh.items("A") == []


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(fresh: Stack, monkeypatch) -> None:
    # Before the shared service base, a body past the server's read limit arrived cut short and
    # failed as malformed JSON; now the bound itself answers, in DynamoDB's validation shape.
    fresh.policies = (allow("dynamodb:*", "*"),)
    monkeypatch.setattr(DynamoDbFrontDoor, "MAX_BODY", 100)
    item = {"TableName": "A", "Item": {"pk": {"S": "big"}, "pad": {"S": "x" * 200}}}
    status, body = fresh.call("PutItem", item)
    assert (status, body["__type"]) == (400, "com.amazon.coral.validate#ValidationException")
    assert body["message"].startswith("Request body is ") and body["message"].endswith(
        "bytes; the limit is 100."
    )
    assert fresh.items("A") == []
    monkeypatch.undo()
    assert fresh.call("PutItem", item) == (200, {})  # the control: the same item, under the bound


def test_table_named_by_arn_is_authorized_on_that_arn(fresh: Stack) -> None:
    by_arn = {"TableName": f"{ARN}/A", "Item": {"pk": {"S": "arn"}}}
    assert fresh.call("PutItem", by_arn) == (200, {})
    assert fresh.items("A") == [{"pk": {"S": "arn"}}]
    assert fresh.call("PutItem", {**by_arn, "TableName": f"{ARN}/B"}) == (
        400,
        denied("dynamodb:PutItem", f"{ARN}/B"),
    )
    # Another account's table would be authorized on its ARN but served from this stack's.
    fresh.policies = (allow("dynamodb:PutItem", "*"),)
    foreign = {**by_arn, "TableName": "arn:aws:dynamodb:us-east-1:999999999999:table/A"}
    assert (
        fresh.call("PutItem", foreign)[1]["__type"]
        == "com.amazon.coral.validate#ValidationException"
    )
