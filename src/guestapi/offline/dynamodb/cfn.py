"""CloudFormation mapping of DynamoDB tables (AWS::Serverless::SimpleTable becomes one of these).

Physical id and GetAtt attributes as the `AWS::DynamoDB::Table` reference documents them
(docs/aws-behaviour.md#dynamodb-tables-in-cloudformation): `Ref` is the table name, `Arn` is
`arn:<partition>:dynamodb:<region>:<account>:table/<name>`, `StreamArn` (only with a
StreamSpecification) that ARN plus `/stream/<creation time>`, `TableId` a UUID.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from guestapi.offline.cfn.resources import Created, Deployed, Environment
from guestapi.offline.dynamodb.tables import (
    TABLE_TYPE,
    TableDefinitionError,
    TableSpec,
    table_spec,
)

TABLE = TABLE_TYPE
CONSUMES = frozenset({TABLE})


def table_id(created: Created, env: Environment) -> None:
    # Without TableName CloudFormation names it <stack>-<logical id>-<random upper alnum>.
    name = str(created.properties.get("TableName") or env.generated_name(created.logical_id))
    arn = env.arn("dynamodb", f"table/{name}")
    # Checked now, so a table CloudFormation would refuse fails the deploy at this resource.
    table_spec(created.logical_id, created.properties, name=name, arn=arn)
    created.physical_id = name
    created.attributes["Arn"] = arn
    created.attributes["TableId"] = str(uuid.uuid4())
    if "StreamSpecification" in created.properties:
        label = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        created.attributes["StreamArn"] = f"{arn}/stream/{label}"


def build_tables(deployed: Deployed, built: Mapping[str, Any]) -> dict[str, TableSpec]:
    """The stack's tables by name, for the emulator and the front door."""
    tables: dict[str, TableSpec] = {}
    for created in deployed.of_type(TABLE):
        spec = table_spec(
            created.logical_id,
            created.properties,
            name=created.physical_id,
            arn=created.attributes["Arn"],
        )
        if spec.name in tables:
            raise TableDefinitionError(
                f"{created.logical_id}: table {spec.name} already exists "
                f"({tables[spec.name].logical_id} has the same TableName)"
            )
        for note in spec.ignored:
            deployed.env.warn(f"{created.logical_id}: {note}")
        tables[spec.name] = spec
    return tables
