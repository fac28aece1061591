"""CloudFormation mapping of `AWS::SSM::Parameter` (docs/aws-behaviour.md#ssm-parameters-in-cloudformation).

`Ref` is the parameter's name. Without `Name`, CloudFormation's SSM resource handler names it
`CFN-<logical id>-<12 random letters and digits>`, cut to 40 characters (not the
`<stack>-<logical id>-<random>` of most resources). `Fn::GetAtt` gives `Type` and `Value`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from guestapi.offline.cfn.resources import Created, Deployed, Environment, random_id
from guestapi.offline.ssm.parameters import (
    PARAMETER_TYPE,
    ParameterDefinitionError,
    ParameterSpec,
    parameter_arn,
    parameter_spec,
)

PARAMETER = PARAMETER_TYPE
CONSUMES = frozenset({PARAMETER})
_GENERATED_MAX = 40
_SUFFIX = 12


def generated_name(logical_id: str) -> str:
    prefix = f"CFN-{logical_id}"[: _GENERATED_MAX - _SUFFIX - 1]
    return f"{prefix}-{random_id(string.ascii_letters + string.digits, _SUFFIX)}"


def _spec(created: Created, env: Environment) -> ParameterSpec:
    name = created.physical_id or str(
        created.properties.get("Name") or generated_name(created.logical_id)
    )
    arn = parameter_arn(env.partition, env.region, env.account_id, name)
    return parameter_spec(created.logical_id, created.properties, name=name, arn=arn)


def parameter_id(created: Created, env: Environment) -> None:
    # Checked now, so a parameter CloudFormation would refuse fails the deploy at this resource.
    spec = _spec(created, env)
    created.physical_id = spec.name
    created.attributes["Type"] = spec.type
    created.attributes["Value"] = spec.value


def build_parameters(deployed: Deployed, built: Mapping[str, Any]) -> dict[str, ParameterSpec]:
    """The stack's parameters by name, for the emulator."""
    parameters: dict[str, ParameterSpec] = {}
    for created in deployed.of_type(PARAMETER):
        spec = _spec(created, deployed.env)
        if spec.name in parameters:
            raise ParameterDefinitionError(
                f"{created.logical_id}: parameter {spec.name} already exists "
                f"({parameters[spec.name].logical_id} has the same Name)"
            )
        for note in spec.ignored:
            deployed.env.warn(f"{created.logical_id}: {note}")
        parameters[spec.name] = spec
    return parameters
