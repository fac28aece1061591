"""The SSM endpoint a function talks to: the shared moto front door (`motoservice/front_door.py`)
with what is SSM's own: GetParameter(s) only (operations.py), SSM's refusals (errors.py), and two
corrections of moto's answers (docs/aws-behaviour.md#ssm-refusals): ParameterNotFound without
moto's message, and a SecureString read without WithDecryption as an opaque stand-in for its
ciphertext (moto returns `kms:<key id>:<plaintext>`), so a function that forgets WithDecryption
fails offline as on AWS instead of reading the secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import requests

from guestapi.offline.awsapi import Call, Json
from guestapi.offline.awsapi.errors import AwsError, InternalServerError, Relayed
from guestapi.offline.motoservice.callers import ServiceKeys
from guestapi.offline.motoservice.front_door import MotoFrontDoor
from guestapi.offline.ssm.errors import ParameterNotFound
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
