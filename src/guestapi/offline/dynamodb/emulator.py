"""The stack's DynamoDB tables in moto's server (`motoservice.MotoEmulator`), in-process,
started and stopped with the stack."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from guestapi.offline.dynamodb.errors import ResourceInUseException
from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.motoservice.emulator import MotoEmulator
from guestapi.offline.motoservice.server import ACCOUNT_HEADER, EmulatorError

__all__ = ["ACCOUNT_HEADER", "DynamoDbEmulator", "EmulatorError"]


class DynamoDbEmulator(MotoEmulator):
    """moto's DynamoDB on 127.0.0.1, holding the stack's tables. Use as a context manager."""

    SERVICE = "dynamodb"
    LABEL = "DynamoDB"
    KIND = "table"
    EXISTS = ResourceInUseException.code

    def __init__(
        self,
        tables: Sequence[TableSpec],
        *,
        region: str,
        account_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(region=region, account_id=account_id, host=host, port=port)
        self._tables = tuple(tables)

    def _create_all(self) -> None:
        for table in self._tables:
            create = partial(self.client.create_table, **table.create_table_request())
            self._create(table.name, table.logical_id, "CreateTable", create)
            if table.ttl_attribute is not None:
                self.client.update_time_to_live(
                    TableName=table.name,
                    TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
                )

    def _delete(self, name: str) -> None:
        self.client.delete_table(TableName=name)
