"""A moto-backed service of one stack: its emulator and front door, the emulator started on need.

moto's application takes about half a second to load, so a service whose template declares no
resource of it starts only when its first request arrives (or the launcher seeds one). One with
resources starts at deploy, as CloudFormation creates them then: a resource the service would
refuse fails the deploy, not the first call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from guestapi.offline.motoservice.emulator import EmulatorError, MotoEmulator
from guestapi.offline.motoservice.front_door import MotoFrontDoor
from guestapi.offline.wire import Request, Response

E = TypeVar("E", bound=MotoEmulator[Any])


class MotoService(Generic[E]):
    """What the offline stack routes a moto-backed service's requests to."""

    def __init__(self, emulator: E, front_door: Callable[..., MotoFrontDoor]) -> None:
        """`front_door(upstream=...)` makes the front door once the emulator runs."""
        self.emulator = emulator
        self._new_door = front_door
        self._door: MotoFrontDoor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def deploy(self) -> None:
        """Create the template's resources now, if it has any (else wait for a first use)."""
        if self.emulator.resources:
            self.start()

    def start(self) -> MotoFrontDoor:
        with self._lock:
            if self._closed:
                raise EmulatorError(
                    f"the {self.emulator.LABEL} emulator was stopped with its stack"
                )
            if self._door is None:
                self.emulator.start()
                self._door = self._new_door(upstream=self.emulator.upstream)
            return self._door

    def handle(self, request: Request) -> Response:
        return self.start().handle(request)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._door is not None:
                self._door.close()
            self.emulator.stop()
