"""What an SSM call asks IAM for (docs/aws-behaviour.md#ssm-authorization): GetParameter is
`ssm:GetParameter`, GetParameters `ssm:GetParameters` on every name it lists, on the parameter's
ARN without a version or label selector; a name may be its ARN, but one of another account or
region (a shared parameter) is refused rather than read from this stack's store. Decrypting an
`aws/ssm` SecureString needs no grant of its own (#ssm-securestring-decryption). Every other
operation is refused with `NotEmulatedError` rather than let through unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guestapi.offline.motoservice.front_door import Check, NotEmulatedError, RequestShapeError
from guestapi.offline.ssm.parameters import parameter_arn

EMULATED = frozenset({"GetParameter", "GetParameters"})
MAX_NAMES = 10  # GetParameters' documented limit


@dataclass(frozen=True)
class Planner:
    """Turns (operation, body) into checks for one deployed stack's account and region."""

    region: str
    account_id: str
    partition: str = "aws"

    def checks(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        if operation == "GetParameter":
            return [Check("ssm:GetParameter", self.resource(body.get("Name"), "Name"))]
        if operation == "GetParameters":
            names = body.get("Names")
            if not isinstance(names, list) or not 1 <= len(names) <= MAX_NAMES:
                raise RequestShapeError(f"Names must list 1 to {MAX_NAMES} parameter names")
            return [Check("ssm:GetParameters", self.resource(n, "Names")) for n in names]
        raise NotEmulatedError(
            f"{operation} is not authorized by the offline stack, so it is not served "
            f"(emulated: {', '.join(sorted(EMULATED))})"
        )

    def resource(self, name: Any, member: str) -> str:
        """The ARN IAM evaluates for a parameter name, ARN, or either with a selector."""
        if not isinstance(name, str) or not name:
            raise RequestShapeError(f"{member} must hold non-empty parameter names")
        prefix = f"arn:{self.partition}:ssm:{self.region}:{self.account_id}:parameter/"
        if name.startswith("arn:"):
            if not name.startswith(prefix):
                raise NotEmulatedError(
                    f"{name} is not a parameter of this stack's account and region "
                    "(shared parameters are not emulated)"
                )
            name = name[len(prefix) :]
        # Parameter names hold no ':', so one marks a version or label selector.
        base = name.split(":", 1)[0]
        return parameter_arn(self.partition, self.region, self.account_id, base)
