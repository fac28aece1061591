"""Cognito Identity's part of a deployed stack: identity pools and their attached roles."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IdentityPool:
    logical_id: str
    pool_id: str  # "<region>:<uuid>"
    name: str
    allow_unauthenticated: bool
    # None when the template leaves AllowClassicFlow out: such a pool still issues OpenID
    # tokens (docs/aws-behaviour.md#cognito-errors); only an explicit false refuses them.
    allow_classic_flow: bool | None
    # "unauthenticated" / "authenticated" -> role ARN (from IdentityPoolRoleAttachment)
    roles: dict[str, str] = field(default_factory=dict)
    # DeveloperProviderName: the "domain" GetOpenIdTokenForDeveloperIdentity logins are under.
    developer_provider_name: str | None = None
