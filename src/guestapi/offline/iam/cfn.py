"""CloudFormation mapping of IAM: roles, and the policies attached to them from outside."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guestapi.offline.cfn.resources import (
    UPPER_ALNUM,
    Created,
    Deployed,
    Environment,
    policy_document,
    random_id,
)
from guestapi.offline.iam.model import PolicyDocument, Role

ROLE = "AWS::IAM::Role"
POLICY = "AWS::IAM::Policy"
ROLE_POLICY = "AWS::IAM::RolePolicy"
CONSUMES = frozenset({ROLE, POLICY, ROLE_POLICY})
# Managed policies that only grant CloudWatch Logs, which the offline stack does not serve:
# leaving them out changes nothing offline, so they get no warning (SAM adds the first to every
# function's role).
_LOGS_ONLY_POLICIES = ("service-role/AWSLambdaBasicExecutionRole",)


def role_id(created: Created, env: Environment) -> None:
    props = created.properties
    name = str(props.get("RoleName") or env.generated_name(created.logical_id))
    path = str(props.get("Path") or "/")
    created.physical_id = name
    created.attributes["Arn"] = env.arn("iam", f"role{path}{name}", region=False)
    created.attributes["RoleId"] = "AROA" + random_id(UPPER_ALNUM, 17)


def build_roles(deployed: Deployed, built: Mapping[str, Any]) -> dict[str, Role]:
    """The stack's roles by ARN, each with its inline and attached policy documents."""
    warn = deployed.env.warn
    inline: dict[str, list[tuple[str, PolicyDocument]]] = {}  # role name -> (name, document)
    for created in deployed.of_type(ROLE):
        props = created.properties
        inline[created.physical_id] = [
            (
                str(policy.get("PolicyName") or f"inline-policy-{number}"),
                policy_document(policy.get("PolicyDocument"), created.logical_id),
            )
            for number, policy in enumerate(props.get("Policies") or [], start=1)
        ]
        managed = [
            str(arn)
            for arn in props.get("ManagedPolicyArns") or []
            if not str(arn).endswith(_LOGS_ONLY_POLICIES)
        ]
        if managed:
            warn(
                f"{created.logical_id}: managed policies are not emulated by the offline stack "
                f"({', '.join(managed)}); only inline policies apply"
            )
        if props.get("PermissionsBoundary"):
            warn(
                f"{created.logical_id}: the permissions boundary is not emulated by the offline "
                "stack; only the inline policies apply"
            )
    _attach_outside_policies(deployed, inline)
    roles: dict[str, Role] = {}
    for created in deployed.of_type(ROLE):
        props = created.properties
        arn = created.attributes["Arn"]
        roles[arn] = Role(
            logical_id=created.logical_id,
            arn=arn,
            name=created.physical_id,
            role_id=created.attributes["RoleId"],
            assume_role_policy=policy_document(
                props.get("AssumeRolePolicyDocument"), created.logical_id
            ),
            policies=tuple(document for _, document in inline[created.physical_id]),
            policy_names=tuple(name for name, _ in inline[created.physical_id]),
            max_session_duration=int(props.get("MaxSessionDuration", 3600)),
        )
    return roles


def _attach_outside_policies(
    deployed: Deployed, inline: dict[str, list[tuple[str, PolicyDocument]]]
) -> None:
    """Policies attached from outside the role (AWS::IAM::Policy / AWS::IAM::RolePolicy)."""
    for created in deployed.of_type(POLICY, ROLE_POLICY):
        props = created.properties
        role_names = props.get("Roles") or []
        if created.type == ROLE_POLICY:
            role_names = [props.get("RoleName")]
        document = policy_document(props.get("PolicyDocument"), created.logical_id)
        name = str(props.get("PolicyName") or created.logical_id)
        for role_name in role_names:
            if role_name in inline:
                inline[role_name].append((name, document))
            else:
                deployed.env.warn(
                    f"{created.logical_id}: role {role_name} is not part of this stack; "
                    "its policy is ignored offline"
                )
