"""What the CloudFormation engine hands the service packages: created resources and naming.

Each service package's `cfn.py` gives its resource types the physical ids and attributes AWS
would (`PhysicalIdFactory`) and builds its part of the stack model from the created resources
(`ModelBuilder`). They import this module only, never the engine, so the engine can import them
through the service registry (`guestapi.offline.registry`) without a cycle.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guestapi.template import TemplateError
from guestapi.textfiles import parse_json

LOWER_ALNUM = string.ascii_lowercase + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits


def random_id(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class Created:
    """One resource after CloudFormation created it."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    physical_id: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Environment:
    """Where the stack is deployed: what physical ids and ARNs are made of."""

    region: str
    account_id: str
    partition: str
    stack_name: str
    warn: Callable[[str], None]
    # Function logical id -> its local code directory (see guestapi.template.local_code).
    local_code: Mapping[str, Path] = field(default_factory=dict)

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = f"{self.region}:{self.account_id}" if region else f":{self.account_id}"
        return f"arn:{self.partition}:{service}:{where}:{resource}"

    def generated_name(self, logical_id: str) -> str:
        # CloudFormation's generated names: stack and logical id, shortened to fit 64 characters.
        return f"{self.stack_name[:25]}-{logical_id[:25]}-{random_id(UPPER_ALNUM, 12)}"


# Gives `created` its physical id and GetAtt attributes, from its resolved properties.
PhysicalIdFactory = Callable[[Created, Environment], None]


@dataclass(frozen=True)
class Deployed:
    """Every created resource, for the model builders."""

    resources: Mapping[str, Created]  # by logical id, in creation order
    env: Environment

    def of_type(self, *types: str) -> list[Created]:
        return [c for c in self.resources.values() if c.type in types]


# Builds one field of the Stack from the created resources; `built` holds the fields built
# before it (the registry's order), e.g. the roles for the identity pools.
ModelBuilder = Callable[[Deployed, Mapping[str, Any]], Any]


def policy_document(document: Any, logical_id: str) -> dict[str, Any]:
    if isinstance(document, str):
        document = parse_json(document, TemplateError, what=f"{logical_id}: policy document")
    if not isinstance(document, dict) or "Statement" not in document:
        raise TemplateError(f"{logical_id}: a policy document needs a Statement")
    return document


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def strings(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (mapping or {}).items()}
