"""SSM Parameter Store for one offline stack: the emulator and its front door, started on need.

moto's SSM application takes about half a second to load, so a stack whose template declares no
parameter starts it only when the first SSM request arrives or the launcher seeds a SecureString.
A template with parameters starts it at deploy, as CloudFormation creates them then: a parameter
SSM would refuse fails the deploy, not the first read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from guestapi.offline import wire
from guestapi.offline.motoservice.callers import LookupCaller
from guestapi.offline.motoservice.server import EmulatorError
from guestapi.offline.ssm.emulator import SsmEmulator
from guestapi.offline.ssm.front_door import SsmFrontDoor
from guestapi.offline.ssm.parameters import ParameterSpec

if TYPE_CHECKING:  # the stack model imports this package (ParameterSpec)
    from guestapi.offline.stack import Stack


class SsmService:
    """What the offline stack routes `AmazonSSM.*` requests to."""

    def __init__(
        self,
        parameters: Sequence[ParameterSpec],
        *,
        region: str,
        account_id: str,
        lookup_caller: LookupCaller,
        partition: str = "aws",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.emulator = SsmEmulator(parameters, region=region, account_id=account_id)
        self._new_door = partial(
            SsmFrontDoor,
            region=region,
            account_id=account_id,
            lookup_caller=lookup_caller,
            partition=partition,
            clock=clock,
        )
        self._door: SsmFrontDoor | None = None
        self._closed = False
        self._lock = threading.Lock()

    @classmethod
    def for_stack(
        cls, stack: Stack, lookup_caller: LookupCaller, *, clock: Callable[[], datetime]
    ) -> SsmService:
        """The SSM of a deployed stack: its template's parameters, its callers."""
        return cls(
            list(stack.parameters.values()),
            region=stack.region,
            account_id=stack.account_id,
            lookup_caller=lookup_caller,
            partition=stack.partition,
            clock=clock,
        )

    def deploy(self) -> None:
        """Create the template's parameters now, if it has any (else wait for a first use)."""
        if self.emulator.resources:
            self.start()

    def start(self) -> SsmFrontDoor:
        with self._lock:
            if self._closed:
                raise EmulatorError("the SSM emulator was stopped with its stack")
            if self._door is None:
                self.emulator.start()
                self._door = self._new_door(upstream=self.emulator.upstream)
            return self._door

    def handle(self, request: wire.Request) -> wire.Response:
        return self.start().handle(request)

    def put_secure_parameter(self, name: str, value: str) -> None:
        """Seed SecureString `name`, which CloudFormation cannot create, for functions to read.

        Encrypted with the AWS-managed key aws/ssm, so a role needs only ssm:GetParameter(s) on
        it (docs/aws-behaviour.md#ssm-securestring-decryption). Seeding a name again replaces
        its value; a name the template's parameters use is refused (ParameterDefinitionError).
        """
        self.start()
        self.emulator.put_secure_string(name, value)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._door is not None:
                self._door.close()
            self.emulator.stop()
