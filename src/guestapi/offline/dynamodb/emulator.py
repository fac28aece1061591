"""The stack's DynamoDB tables in moto's server, in-process, started and stopped with the stack.

moto's `ThreadedMotoServer` serves every AWS service moto knows, prints to stdout when it starts
and logs every request to stderr through werkzeug. This runs the same server loop
(`werkzeug.serving.make_server` with moto's request handler, both as `ThreadedMotoServer` uses
them) on moto's DynamoDB application alone (`moto.server.create_backend_app("dynamodb")`), with
request logging off. Only the front door should call it: moto checks no signature or policy.

moto keeps its data in process-wide backends, one per (account, region). Every request carries
`x-moto-account-id` (moto's own header for this), so the tables live in the stack's account and
their ARNs name it. Two running stacks of one process share a backend if account and region
match: creating a table that exists is refused (EmulatorError) rather than shared, and `stop()`
deletes the tables it created, so a later stack starts clean.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from moto.server import MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from guestapi.errors import GuestApiError
from guestapi.offline.dynamodb.tables import TableSpec

# moto checks no credential; these only have to be well-formed for botocore to sign.
_INTERNAL_KEY = "AKIAOFFLINEDYNAMODB0"
_INTERNAL_SECRET = "offline-dynamodb-internal-not-a-secret00"
ACCOUNT_HEADER = "x-moto-account-id"
_POLL_SECONDS = 0.05


class EmulatorError(GuestApiError):
    """The DynamoDB emulator could not start or create the stack's tables."""


_SESSION_LOCK = threading.Lock()


@functools.cache
def _session() -> boto3.session.Session:
    # One session for every emulator: a new one loads botocore's DynamoDB model again (~35 ms
    # of each start).
    return boto3.session.Session()


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one stderr line per request otherwise; the front door logs what matters


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
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._created: list[str] = []

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise EmulatorError("the DynamoDB emulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def client(self) -> Any:
        """A boto3 DynamoDB client straight to moto, in the stack's account (no IAM)."""
        if self._client is None:
            raise EmulatorError("the DynamoDB emulator is not running")
        return self._client

    def start(self) -> DynamoDbEmulator:
        if self._server is not None:
            return self
        try:
            self._server = make_server(
                self._host,
                self._port,
                create_backend_app("dynamodb"),
                threaded=True,
                request_handler=_QuietHandler,
            )
        except OSError as error:
            raise EmulatorError(
                f"cannot listen on {self._host}:{self._port} for DynamoDB: {error.strerror}"
            ) from None
        # shutdown() waits for the loop to look up, every poll interval (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name="offline-dynamodb",
            daemon=True,
        )
        self._thread.start()
        self._client = self._new_client()
        try:
            for table in self._tables:
                self._create(table)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Delete the tables this emulator created, stop serving, release the port and thread."""
        if self._server is None:
            return
        for name in reversed(self._created):
            with contextlib.suppress(ClientError, BotoCoreError):  # already gone
                self._client.delete_table(TableName=name)
        self._created.clear()
        self._client.close()
        self._client = None
        self._server.shutdown()  # serve_forever returns; werkzeug closes the socket
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = None
        self._thread = None

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
    def _new_client(self) -> Any:
        with _SESSION_LOCK:  # creating clients from one session is not thread-safe
            client = _session().client(
                "dynamodb",
                endpoint_url=self.endpoint,
                region_name=self._region,
                aws_access_key_id=_INTERNAL_KEY,
                aws_secret_access_key=_INTERNAL_SECRET,
                config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
            )
        account = self._account_id

        def to_stack_account(request: Any, **_: Any) -> None:
            request.headers[ACCOUNT_HEADER] = account

        client.meta.events.register("before-sign.dynamodb", to_stack_account)
        return client

    def _create(self, table: TableSpec) -> None:
        try:
            self._client.create_table(**table.create_table_request())
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
            self._client.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
            )
