"""CloudFormation mapping of Cognito Identity: identity pools and their role attachments."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from guestapi.offline.cfn.resources import (
    UPPER_ALNUM,
    Created,
    Deployed,
    Environment,
    boolean,
    random_id,
)
from guestapi.offline.cognito.model import IdentityPool
from guestapi.template import TemplateError

IDENTITY_POOL = "AWS::Cognito::IdentityPool"
ROLE_ATTACHMENT = "AWS::Cognito::IdentityPoolRoleAttachment"
CONSUMES = frozenset({IDENTITY_POOL, ROLE_ATTACHMENT})


def identity_pool_id(created: Created, env: Environment) -> None:
    created.physical_id = f"{env.region}:{uuid.uuid4()}"
    created.attributes["Name"] = str(
        created.properties.get("IdentityPoolName")
        or f"{created.logical_id}_{random_id(UPPER_ALNUM, 12)}"
    )
    created.attributes["Id"] = created.physical_id


def build_identity_pools(deployed: Deployed, built: Mapping[str, Any]) -> dict[str, IdentityPool]:
    """The stack's identity pools by pool id; `built["roles"]` must hold the roles already."""
    attached = _attached_roles(deployed, built["roles"])
    pools: dict[str, IdentityPool] = {}
    for created in deployed.of_type(IDENTITY_POOL):
        props = created.properties
        pools[created.physical_id] = IdentityPool(
            logical_id=created.logical_id,
            pool_id=created.physical_id,
            name=created.attributes["Name"],
            allow_unauthenticated=boolean(props.get("AllowUnauthenticatedIdentities")),
            allow_classic_flow=(
                None if "AllowClassicFlow" not in props else boolean(props["AllowClassicFlow"])
            ),
            roles=attached.pop(created.physical_id, {}),
            developer_provider_name=(
                str(props["DeveloperProviderName"]) if props.get("DeveloperProviderName") else None
            ),
        )
    for pool_id in attached:
        raise TemplateError(
            f"IdentityPoolRoleAttachment names identity pool {pool_id!r}, which is not part of "
            "this stack; refer to it with !Ref"
        )
    return pools


def _attached_roles(deployed: Deployed, roles: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    warn = deployed.env.warn
    attached: dict[str, dict[str, str]] = {}
    for created in deployed.of_type(ROLE_ATTACHMENT):
        props = created.properties
        pool_id = str(props.get("IdentityPoolId", ""))
        role_map = {str(k): str(v) for k, v in (props.get("Roles") or {}).items()}
        for kind, arn in role_map.items():
            if arn not in roles:
                warn(
                    f"{created.logical_id}: {kind} role {arn} is not part of this stack; "
                    "Cognito will find no such role offline"
                )
        attached.setdefault(pool_id, {}).update(role_map)
        if props.get("RoleMappings"):
            warn(
                f"{created.logical_id}: RoleMappings are not emulated by the offline stack "
                "(they only apply to authenticated identities); the Roles map applies"
            )
    return attached
