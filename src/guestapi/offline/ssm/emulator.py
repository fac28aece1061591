"""The stack's SSM parameters in moto's server (`motoservice.MotoServer`), in-process.

Template parameters (String, StringList) are created when the emulator starts, as CloudFormation
creates them at deploy time; SecureStrings, which CloudFormation cannot create, are seeded by
the launcher with `put_secure_string`, encrypted (as moto models it) with the AWS-managed key
`alias/aws/ssm`. Only the front door should call moto: it checks no signature or policy.

moto keeps its data in process-wide backends, one per (account, region): a parameter that
already exists there (another running stack of the same account and region) is refused with
EmulatorError rather than shared, and `stop()` deletes what this emulator created.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from guestapi.offline.motoservice.server import EmulatorError, MotoServer, Upstream
from guestapi.offline.ssm.parameters import (
    SECURE_STRING,
    ParameterDefinitionError,
    ParameterSpec,
    check_name,
)

AWS_MANAGED_KEY = "alias/aws/ssm"


class SsmEmulator:
    """moto's SSM on 127.0.0.1, holding the stack's parameters. Use as a context manager."""

    def __init__(
        self,
        parameters: Sequence[ParameterSpec],
        *,
        region: str,
        account_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._parameters = tuple(parameters)
        self._region = region
        self._account_id = account_id
        self._server = MotoServer(
            "ssm", label="SSM", region=region, account_id=account_id, host=host, port=port
        )
        self._created: list[str] = []
        self._seeded: set[str] = set()
        self._lock = threading.Lock()  # seeding may race a first request starting the stack

    @property
    def parameters(self) -> tuple[ParameterSpec, ...]:
        return self._parameters

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
        """A boto3 SSM client straight to moto, in the stack's account (no IAM)."""
        return self._server.client

    def start(self) -> SsmEmulator:
        with self._lock:
            if self._server.running:
                return self
            self._server.start()
            try:
                for parameter in self._parameters:
                    self._put(parameter.put_parameter_request(), parameter.logical_id)
            except BaseException:
                self._stop()
                raise
        return self

    def put_secure_string(self, name: str, value: str) -> None:
        """Create SecureString `name` (or give it a new value, if this emulator seeded it)."""
        check_name(name, "SecureString parameter")
        if any(p.name == name for p in self._parameters):
            raise ParameterDefinitionError(
                f"SecureString parameter {name}: the template already creates a parameter "
                "of that name"
            )
        if not isinstance(value, str) or not value:
            raise ParameterDefinitionError(f"SecureString parameter {name}: empty value")
        with self._lock:
            request = {
                "Name": name,
                "Type": SECURE_STRING,
                "Value": value,
                "KeyId": AWS_MANAGED_KEY,
                "Overwrite": name in self._seeded,
            }
            self._put(request, "SecureString parameter")
            self._seeded.add(name)

    def stop(self) -> None:
        """Delete the parameters this emulator created, stop serving, release port and thread."""
        with self._lock:
            self._stop()

    def __enter__(self) -> SsmEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ internals
    def _stop(self) -> None:
        if not self._server.running:
            return
        for name in reversed(self._created):
            with contextlib.suppress(ClientError, BotoCoreError):  # already gone
                self._server.client.delete_parameter(Name=name)
        self._created.clear()
        self._seeded.clear()
        self._server.stop()

    def _put(self, request: dict[str, Any], where: str) -> None:
        if not self._server.running:
            raise EmulatorError("the SSM emulator is not running")
        name = request["Name"]
        try:
            self._server.client.put_parameter(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ParameterAlreadyExists":
                raise EmulatorError(
                    f"{where}: parameter {name} already exists in this process's SSM emulator "
                    f"(another offline stack of account {self._account_id} in {self._region} "
                    "is running)"
                ) from None
            message = error.response.get("Error", {}).get("Message", str(error))
            raise EmulatorError(f"{where}: PutParameter {name}: {message}") from None
        if name not in self._created:
            self._created.append(name)
