"""Physical ids for resource types the offline stack creates but does not serve.

They are still given ids and attributes shaped like AWS's, so `Ref` and `Fn::GetAtt` on them
resolve (an output or a policy may name them); the engine warns once for each.
"""

from __future__ import annotations

import uuid

from guestapi.offline.cfn.resources import Created, Environment


def log_group_id(created: Created, env: Environment) -> None:
    name = str(created.properties.get("LogGroupName") or env.generated_name(created.logical_id))
    created.physical_id = name
    created.attributes["Arn"] = env.arn("logs", f"log-group:{name}:*")


def web_acl_id(created: Created, env: Environment) -> None:
    props = created.properties
    name = str(props.get("Name") or env.generated_name(created.logical_id))
    scope = str(props.get("Scope", "REGIONAL"))
    acl_id = str(uuid.uuid4())
    created.physical_id = f"{name}|{acl_id}|{scope}"
    created.attributes.update(
        Id=acl_id,
        Arn=env.arn("wafv2", f"{scope.lower()}/webacl/{name}/{acl_id}"),
        LabelNamespace=f"awswaf:{env.account_id}:webacl:{name}:",
        Capacity=0,
    )


def generated_name_id(created: Created, env: Environment) -> None:
    """Any other type: CloudFormation's generated name as its physical id."""
    created.physical_id = env.generated_name(created.logical_id)
