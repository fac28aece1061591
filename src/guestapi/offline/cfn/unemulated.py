"""Physical ids for resource types the offline stack creates but does not serve.

They are still given ids and attributes shaped like AWS's, so `Ref` and `Fn::GetAtt` on them
resolve (an output or a policy may name them); the engine warns once for each.
"""

from __future__ import annotations

from guestapi.offline.cfn.resources import Created, Environment


def log_group_id(created: Created, env: Environment) -> None:
    name = str(created.properties.get("LogGroupName") or env.generated_name(created.logical_id))
    created.physical_id = name
    created.attributes["Arn"] = env.arn("logs", f"log-group:{name}:*")


def generated_name_id(created: Created, env: Environment) -> None:
    """Any other type: CloudFormation's generated name as its physical id."""
    created.physical_id = env.generated_name(created.logical_id)
