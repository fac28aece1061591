"""The stack's DynamoDB tables in moto's server (`motoservice.MotoEmulator`), in-process,
started and stopped with the stack."""

from __future__ import annotations

from functools import partial

from guestapi.offline.dynamodb.errors import ResourceInUseException
from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.motoservice.emulator import EmulatorError, MotoEmulator

__all__ = ["DynamoDbEmulator", "EmulatorError"]


class DynamoDbEmulator(MotoEmulator[TableSpec]):
    """moto's DynamoDB on 127.0.0.1, holding the stack's tables. Use as a context manager."""

    SERVICE = "dynamodb"
    LABEL = "DynamoDB"
    KIND = "table"
    EXISTS = ResourceInUseException.code

    def _create_all(self) -> None:
        for table in self.resources:
            create = partial(self.client.create_table, **table.create_table_request())
            self._create(table.name, table.logical_id, "CreateTable", create)
            if table.ttl_attribute is not None:
                self.client.update_time_to_live(
                    TableName=table.name,
                    TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
                )

    def _delete(self, name: str) -> None:
        self.client.delete_table(TableName=name)
