"""Which role an identity gets: the pool's attached role for its kind, if that role trusts it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from guestapi.offline.cognito.errors import InvalidIdentityPoolConfigurationException
from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.iam import Role
from guestapi.offline.iam.trust import TrustEvaluator, evaluate_role_trust


def trusted_role(
    roles: Mapping[str, Role],
    trust: TrustEvaluator,
    pool: IdentityPool,
    *,
    identity_id: str,
    kind: str,
    amr: Sequence[str],
) -> Role:
    """The pool's `kind` ("unauthenticated" / "authenticated") role, if its trust policy agrees.

    AWS passes the identity's token to STS with that role, so a trust policy that does not admit
    this pool (aud) and this kind of identity (amr) is refused at this point, as a pool
    configuration error (docs/aws-behaviour.md#cognito-errors).
    """
    role_arn = pool.roles.get(kind)
    role = roles.get(role_arn) if role_arn else None
    if role is None:
        raise InvalidIdentityPoolConfigurationException(
            f"no usable {kind} role ({role_arn or 'none attached'})"
        )
    decision = evaluate_role_trust(
        trust, role, pool_id=pool.pool_id, identity_id=identity_id, amr=list(amr)
    )
    if not decision.allowed:
        raise InvalidIdentityPoolConfigurationException(
            f"trust policy of {role.name} refused: {decision.reason}"
        )
    return role
