"""CloudFormation mapping of DynamoDB tables (AWS::Serverless::SimpleTable becomes one of these)."""

from __future__ import annotations

from guestapi.offline.cfn.resources import Created, Environment

TABLE = "AWS::DynamoDB::Table"


def table_id(created: Created, env: Environment) -> None:
    name = str(created.properties.get("TableName") or env.generated_name(created.logical_id))
    created.physical_id = name
    arn = env.arn("dynamodb", f"table/{name}")
    created.attributes["Arn"] = arn
    # Only meaningful with a StreamSpecification; the shape is the documented one.
    created.attributes["StreamArn"] = f"{arn}/stream/1970-01-01T00:00:00.000"
