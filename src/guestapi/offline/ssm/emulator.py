"""The stack's SSM parameters in moto's server (`motoservice.MotoEmulator`), in-process.

Template parameters (String, StringList) are created when the emulator starts, as CloudFormation
creates them at deploy time; SecureStrings, which CloudFormation cannot create, are seeded by
the launcher with `put_secure_string`, encrypted (as moto models it) with the AWS-managed key
`alias/aws/ssm`.
"""

from __future__ import annotations

from typing import Any

from guestapi.offline.motoservice.emulator import MotoEmulator
from guestapi.offline.ssm.errors import ParameterAlreadyExists
from guestapi.offline.ssm.parameters import (
    SECURE_STRING,
    ParameterDefinitionError,
    ParameterSpec,
    check_name,
)

AWS_MANAGED_KEY = "alias/aws/ssm"


class SsmEmulator(MotoEmulator[ParameterSpec]):
    """moto's SSM on 127.0.0.1, holding the stack's parameters. Use as a context manager."""

    SERVICE = "ssm"
    LABEL = "SSM"
    KIND = "parameter"
    EXISTS = ParameterAlreadyExists.code

    def put_secure_string(self, name: str, value: str) -> None:
        """Create SecureString `name` (or give it a new value, if this emulator seeded it)."""
        check_name(name, "SecureString parameter")
        if any(p.name == name for p in self.resources):
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
                "Overwrite": name in self._created,  # seeded before: the template's are refused
            }
            self._put(request, "SecureString parameter")

    def _create_all(self) -> None:
        for parameter in self.resources:
            self._put(parameter.put_parameter_request(), parameter.logical_id)

    def _put(self, request: dict[str, Any], where: str) -> None:
        name = request["Name"]
        self._create(name, where, "PutParameter", lambda: self.client.put_parameter(**request))

    def _delete(self, name: str) -> None:
        self.client.delete_parameter(Name=name)
