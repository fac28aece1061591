"""The SSM endpoint a function talks to: SigV4 and IAM as SSM applies them, then moto.

The steps are the shared moto-backed front door's (`motoservice/front_door.py`), with what is
SSM's own: the signing name "ssm", the checks of GetParameter / GetParameters (operations.py),
SSM's refusals on the wire (errors.py), and two corrections of moto's answers:

- moto's ParameterNotFound carries a message ("Parameter x not found."); SSM's carries none
  (docs/aws-behaviour.md#ssm-refusals);
- without WithDecryption moto returns a SecureString as `kms:<key id>:<plaintext>`; SSM returns
  the ciphertext. A stable, opaque base64 stands in for it, so a function that forgets
  WithDecryption fails offline as it would on AWS instead of reading the secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from guestapi.offline.awsapi import Call, Json
from guestapi.offline.awsapi.errors import AwsError, InternalServerError, Relayed
from guestapi.offline.motoservice.callers import LookupCaller, ServiceKeys
from guestapi.offline.motoservice.front_door import Check, MotoFrontDoor
from guestapi.offline.motoservice.server import Upstream
from guestapi.offline.ssm.errors import ParameterNotFound
from guestapi.offline.ssm.operations import Planner
from guestapi.offline.ssm.parameters import SECURE_STRING
from guestapi.offline.wire import Response


class SsmFrontDoor(MotoFrontDoor):
    """Authenticates and authorizes SSM calls of a stack's callers, forwarding the allowed."""

    NAME = "ssm"
    MAX_BODY = 1024 * 1024  # GetParameters names at most 10 parameters
    # No SSM condition key is computed offline (ssm:resourceTag/..., ...): statements using one
    # can only deny.
    KEYS = ServiceKeys("SSM", "ssm:", frozenset())
    protocol = Json("ssm")

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        upstream: Upstream,
        lookup_caller: LookupCaller,
        partition: str = "aws",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            region=region,
            account_id=account_id,
            upstream=upstream,
            lookup_caller=lookup_caller,
            clock=clock,
            timeout=timeout,
        )
        self._planner = Planner(region, account_id, partition)

    def _plan(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        return self._planner.checks(operation, body)

    def _answer(self, answer: requests.Response, call: Call) -> Response:
        try:
            payload = json.loads(answer.content or b"{}")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            call.detail = f"the emulator answered {answer.status_code}"
            raise InternalServerError()
        if answer.status_code >= 400:
            raise _moto_error(payload, answer.status_code)
        if call.params.get("WithDecryption") is not True:
            _hide_secure_strings(payload)
        return self.protocol.answer(call, payload)


def _moto_error(payload: Mapping[str, Any], status: int) -> AwsError:
    code = str(payload.get("__type", InternalServerError.code)).rsplit("#", 1)[-1]
    if code == ParameterNotFound.code:
        return ParameterNotFound()
    message = payload.get("message") or payload.get("Message")
    return Relayed(code, str(message) if message is not None else None, status)


def _hide_secure_strings(payload: dict[str, Any]) -> None:
    found = payload.get("Parameters")
    parameters = found if isinstance(found, list) else [payload.get("Parameter")]
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("Type") == SECURE_STRING:
            seed = f"{parameter.get('ARN')}:{parameter.get('Version')}".encode()
            parameter["Value"] = base64.b64encode(
                b"offline-ciphertext:" + hashlib.sha256(seed).digest()
            ).decode()
