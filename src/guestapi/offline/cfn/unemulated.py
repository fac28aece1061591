"""Physical ids for resource types the offline stack creates but does not serve.

They are still given ids and attributes shaped like AWS's, so `Ref` and `Fn::GetAtt` on them
resolve (an output or a policy may name them); the engine warns once for each, saying what the
stack will lack offline (`missing_offline`).
"""

from __future__ import annotations

from guestapi.offline.cfn.resources import Created, Environment

# What a stack lacks offline without each type the project's templates use and the offline
# stack does not serve; any other type is named in general terms (`missing_offline`).
_MISSING: dict[str, str] = {
    "AWS::Logs::LogGroup": "no log group; its lines (access log, function log) go to the "
    "offline stack's own log",
    "AWS::CloudWatch::Alarm": "no alarm; nothing watches its metric",
    "AWS::CloudWatch::Dashboard": "no dashboard",
}


def missing_offline(resource_type: str) -> str:
    """What the offline stack will lack without a resource of `resource_type`."""
    if resource_type in _MISSING:
        return _MISSING[resource_type]
    service, _, kind = resource_type.removeprefix("AWS::").partition("::")
    thing = f"{service} {kind}" if resource_type.startswith("AWS::") and kind else resource_type
    return f"no {thing}; whatever it does on AWS does not happen offline"


def log_group_id(created: Created, env: Environment) -> None:
    name = str(created.properties.get("LogGroupName") or env.generated_name(created.logical_id))
    created.physical_id = name
    created.attributes["Arn"] = env.arn("logs", f"log-group:{name}:*")


def generated_name_id(created: Created, env: Environment) -> None:
    """Any other type: CloudFormation's generated name as its physical id."""
    created.physical_id = env.generated_name(created.logical_id)
