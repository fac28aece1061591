"""moto's server holding the stack's resources of one service: created at `start`, as
CloudFormation creates them at deploy time, and deleted at `stop`.

moto keeps its data in process-wide backends, one per (account, region); requests carry the
stack's account (`x-moto-account-id`), so the resources' ARNs name it. Two running stacks of one
process share a backend if account and region match: a resource that exists already is refused
(EmulatorError) rather than shared, and `stop()` deletes what this emulator created, so a later
stack starts clean. Only the front door should call moto: it checks no signature or policy.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from guestapi.offline.motoservice.server import EmulatorError, MotoServer, MotoService, Upstream

R = TypeVar("R")


class MotoEmulator(Generic[R]):
    """A service's moto server and the resources this emulator put there. A context manager.

    A service names its moto service (`SERVICE`), the code moto answers for a resource that
    exists (`EXISTS`), how to create the template's `resources` (`_create_all`, each through
    `_create`) and how to delete one (`_delete`).
    """

    SERVICE: ClassVar[MotoService]
    LABEL: ClassVar[str]  # in errors: "DynamoDB"
    KIND: ClassVar[str]  # what a resource is: "table"
    EXISTS: ClassVar[str]  # moto's error code for a resource that exists

    def __init__(
        self,
        resources: Sequence[R],
        *,
        region: str,
        account_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.resources = tuple(resources)
        self._region = region
        self._account_id = account_id
        self._server = MotoServer(
            self.SERVICE,
            label=self.LABEL,
            region=region,
            account_id=account_id,
            host=host,
            port=port,
        )
        self._created: list[str] = []
        self._lock = threading.Lock()  # a start may race another (a first request, a seeding)

    @property
    def running(self) -> bool:
        return self._server.running

    @property
    def endpoint(self) -> str:
        return self._server.endpoint

    @property
    def upstream(self) -> Upstream:
        """The sealed moto server, for the front door (URL and this launch's key)."""
        return self._server.upstream

    @property
    def client(self) -> Any:
        """A boto3 client straight to moto, in the stack's account (no IAM)."""
        return self._server.client

    def start(self) -> Self:
        with self._lock:
            if self._server.running:
                return self
            self._server.start()
            try:
                self._create_all()
            except BaseException:
                self._stop()
                raise
        return self

    def stop(self) -> None:
        """Delete what this emulator created, stop serving, release the port and thread."""
        with self._lock:
            self._stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ for the services
    def _create_all(self) -> None:
        """Create the template's resources (called with the lock held, the server running)."""

    def _delete(self, name: str) -> None:
        raise NotImplementedError

    def _create(self, name: str, where: str, operation: str, create: Callable[[], object]) -> None:
        """Create resource `name` by `create()` (moto's `operation`); `where` names its origin."""
        if not self._server.running:
            raise EmulatorError(f"the {self.LABEL} emulator is not running")
        try:
            create()
        except ClientError as error:
            detail = error.response.get("Error", {})
            if detail.get("Code", "") == self.EXISTS:
                raise EmulatorError(
                    f"{where}: {self.KIND} {name} already exists in this process's {self.LABEL} "
                    f"emulator (another offline stack of account {self._account_id} in "
                    f"{self._region} is running)"
                ) from None
            message = detail.get("Message", str(error))
            raise EmulatorError(f"{where}: {operation} {name}: {message}") from None
        if name not in self._created:
            self._created.append(name)

    def _stop(self) -> None:
        if not self._server.running:
            return
        for name in reversed(self._created):
            with contextlib.suppress(ClientError, BotoCoreError):  # already gone
                self._delete(name)
        self._created.clear()
        self._server.stop()
