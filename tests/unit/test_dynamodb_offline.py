"""DynamoDB offline: template tables (CloudFormation, SAM). tests/offline/test_dynamodb_emulator.py
runs moto's server holding them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from _dynamodb_helpers import ACCOUNT, ARN, PK, PK_DEF, REGION, spec
from guestapi.errors import GuestApiError
from guestapi.offline.cfn.engine import load_stack
from guestapi.offline.cfn.resources import Created, Environment
from guestapi.offline.dynamodb import cfn as dynamodb_cfn
from guestapi.offline.dynamodb.tables import TableDefinitionError, table_spec
from guestapi.template.intrinsics import TemplateError
from guestapi.template.transform import apply_transforms


# ------------------------------------------------------------------------------------ tables
def test_explicit_name_maps_to_create_table() -> None:
    keys = [*PK, {"AttributeName": "sk", "KeyType": "RANGE"}]
    defs = [*PK_DEF, {"AttributeName": "sk", "AttributeType": "N"}]
    table = table_spec(
        "T",
        {
            "TableName": "orders",
            "KeySchema": keys,
            "AttributeDefinitions": defs,
            "ProvisionedThroughput": {"ReadCapacityUnits": "2", "WriteCapacityUnits": 3},
            "SSESpecification": {"SSEEnabled": True},
        },
        name="orders",
        arn=f"{ARN}/orders",
    )
    assert table.create_table_request() == {
        "TableName": "orders",
        "KeySchema": keys,
        "AttributeDefinitions": defs,
        "BillingMode": "PROVISIONED",  # CloudFormation's default
        "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
    }
    assert [note.split(":")[0] for note in table.ignored] == ["SSESpecification"]


def test_generated_name_and_attributes() -> None:
    env = Environment(REGION, ACCOUNT, "aws", "guest-api-dev", warn=print)
    created = Created(
        "VisitsTable",
        "AWS::DynamoDB::Table",
        {"KeySchema": PK, "AttributeDefinitions": PK_DEF, "BillingMode": "PAY_PER_REQUEST"},
    )
    dynamodb_cfn.table_id(created, env)
    # <stack name>-<logical id>-<12 or 13 upper-case letters and digits>
    assert re.fullmatch(r"guest-api-dev-VisitsTable-[A-Z0-9]{12,13}", created.physical_id)
    assert created.attributes["Arn"] == f"{ARN}/{created.physical_id}"
    assert "StreamArn" not in created.attributes  # only with a StreamSpecification
    created.properties["StreamSpecification"] = {"StreamViewType": "NEW_IMAGE"}
    dynamodb_cfn.table_id(created, env)
    assert re.fullmatch(
        re.escape(created.attributes["Arn"]) + r"/stream/\d{4}-\d\d-\d\dT[\d:.]{12}",
        created.attributes["StreamArn"],
    )


def test_secondary_indexes_and_ttl() -> None:
    defs = [
        *PK_DEF,
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "N"},
    ]
    table = table_spec(
        "T",
        {
            "KeySchema": [*PK, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": defs,
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
                }
            ],
            "LocalSecondaryIndexes": [
                {
                    "IndexName": "by-sk",
                    "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [*PK, {"AttributeName": "sk", "KeyType": "RANGE"}],
                }
            ],
            "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True},
        },
        name="t",
        arn=f"{ARN}/t",
    )
    request = table.create_table_request()
    assert request["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "by-g",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
        }
    ]
    assert request["LocalSecondaryIndexes"][0]["IndexName"] == "by-sk"
    assert "ProvisionedThroughput" not in request["LocalSecondaryIndexes"][0]
    assert table.ttl_attribute == "expires"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"AttributeDefinitions": []}, "key attribute pk has no entry in AttributeDefinitions"),
        (
            {"AttributeDefinitions": [*PK_DEF, {"AttributeName": "x", "AttributeType": "S"}]},
            "lists x, which is no",
        ),
        ({"BillingMode": "PROVISIONED"}, "needs ProvisionedThroughput"),
        ({"KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}]}, "first key must be HASH"),
        (
            {"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "BOOL"}]},
            "AttributeType 'BOOL'",
        ),
        ({"TableNme": "typo"}, "unsupported property TableNme"),
        (
            {"TimeToLiveSpecification": {"Enabled": True}},
            "AttributeName must be a non-empty string",
        ),
        (
            {"LocalSecondaryIndexes": [{"IndexName": "l", "Projection": {}, "KeySchema": PK}]},
            "must have the table's",
        ),
    ],
)
def test_bad_properties_are_one_line_template_errors(change: dict[str, Any], message: str) -> None:
    with pytest.raises(TableDefinitionError, match=re.escape(message)) as caught:
        spec("Bad", **change)
    assert isinstance(caught.value, TemplateError) and isinstance(caught.value, GuestApiError)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(
        "Bad (AWS::DynamoDB::Table)"
    )


SIMPLE = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Visits": {
            "Type": "AWS::Serverless::SimpleTable",
            "Properties": {"PrimaryKey": {"Name": "identityId", "Type": "String"}},
        }
    },
    "Outputs": {
        "VisitsArn": {"Value": {"Fn::GetAtt": ["Visits", "Arn"]}},
        "VisitsName": {"Value": {"Ref": "Visits"}},
    },
}


def test_simple_table_becomes_a_dynamodb_table_through_the_sam_translator() -> None:
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
    resource = apply_transforms(SIMPLE, {}, pseudo, REGION, "t.yaml")["Resources"]["Visits"]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    table = table_spec("Visits", resource["Properties"], name="v", arn=f"{ARN}/v")
    assert (table.keys.hash_key, table.attribute_types, table.billing_mode) == (
        "identityId",
        {"identityId": "S"},
        "PAY_PER_REQUEST",
    )


def test_simple_table_through_the_engine_gets_name_and_arn() -> None:
    stack = load_stack(SIMPLE, stack_name="dev", warn=lambda _: None)
    name = stack.outputs["VisitsName"]
    assert re.fullmatch(r"dev-Visits-[A-Z0-9]{12,13}", name)
    assert stack.outputs["VisitsArn"] == f"{ARN}/{name}"
