"""The stack's DynamoDB tables in moto's server (`motoservice.MotoServer`), in-process, started
and stopped with the stack. Only the front door should call it: moto checks no signature or policy.

moto keeps its data in process-wide backends, one per (account, region); requests carry the
stack's account (`x-moto-account-id`), so the tables' ARNs name it. Two running stacks of one
process share a backend if account and region match: creating a table that exists is refused
(EmulatorError) rather than shared, and `stop()` deletes the tables it created, so a later stack
starts clean.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.motoservice.server import ACCOUNT_HEADER, EmulatorError, MotoServer, Upstream

__all__ = ["ACCOUNT_HEADER", "DynamoDbEmulator", "EmulatorError"]


class DynamoDbEmulator:
    """moto's DynamoDB on 127.0.0.1, holding the stack's tables. Use as a context manager."""

    def __init__(
        self,
        tables: Sequence[TableSpec],
        *,
        region: str,
        account_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._tables = tuple(tables)
        self._region = region
        self._account_id = account_id
        self._server = MotoServer(
            "dynamodb", label="DynamoDB", region=region, account_id=account_id, host=host, port=port
        )
        self._created: list[str] = []

    @property
    def endpoint(self) -> str:
        return self._server.endpoint

    @property
    def upstream(self) -> Upstream:
        """The sealed moto server, for the front door (URL and this launch's key)."""
        return self._server.upstream

    @property
    def client(self) -> Any:
        """A boto3 DynamoDB client straight to moto, in the stack's account (no IAM)."""
        return self._server.client

    def start(self) -> DynamoDbEmulator:
        if self._server.running:
            return self
        self._server.start()
        try:
            for table in self._tables:
                self._create(table)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Delete the tables this emulator created, stop serving, release the port and thread."""
        if not self._server.running:
            return
        for name in reversed(self._created):
            with contextlib.suppress(ClientError, BotoCoreError):  # already gone
                self._server.client.delete_table(TableName=name)
        self._created.clear()
        self._server.stop()

    def __enter__(self) -> DynamoDbEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ internals
    def _create(self, table: TableSpec) -> None:
        try:
            self._server.client.create_table(**table.create_table_request())
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ResourceInUseException":
                raise EmulatorError(
                    f"{table.logical_id}: table {table.name} already exists in this process's "
                    f"DynamoDB emulator (another offline stack of account {self._account_id} "
                    f"in {self._region} is running)"
                ) from None
            message = error.response.get("Error", {}).get("Message", str(error))
            raise EmulatorError(
                f"{table.logical_id}: CreateTable {table.name}: {message}"
            ) from None
        self._created.append(table.name)
        if table.ttl_attribute is not None:
            self._server.client.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
            )
