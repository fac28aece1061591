"""Whether a role trusts a Cognito identity: the check STS makes before it issues credentials.

Cognito (enhanced flow) and STS (basic flow) both ask it, with the claims of the identity's
token (docs/aws-behaviour.md#trust-policy-of-an-identity-pool-role).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from guestapi.offline.iam.model import PolicyDocument, Role
from guestapi.offline.iam.policy import evaluate_trust

COGNITO_PRINCIPAL = "cognito-identity.amazonaws.com"
ASSUME_ACTION = "sts:AssumeRoleWithWebIdentity"


class TrustDecision(Protocol):
    allowed: bool
    explicit_deny: bool
    reason: str


class TrustEvaluator(Protocol):
    def __call__(
        self,
        policy: PolicyDocument,
        *,
        principal: Mapping[str, str],
        action: str,
        context: Mapping[str, str | Sequence[str]],
    ) -> TrustDecision: ...


def default_trust_evaluator() -> TrustEvaluator:
    """The project's IAM policy evaluator (tests inject variants, e.g. one that allows anything)."""
    return evaluate_trust


def trust_context(
    *, pool_id: str, identity_id: str, amr: Sequence[str]
) -> dict[str, str | list[str]]:
    """The request context STS builds from a Cognito token when it evaluates a trust policy."""
    return {
        "cognito-identity.amazonaws.com:aud": pool_id,
        "cognito-identity.amazonaws.com:amr": list(amr),
        "cognito-identity.amazonaws.com:sub": identity_id,
    }


def evaluate_role_trust(
    evaluator: TrustEvaluator, role: Role, *, pool_id: str, identity_id: str, amr: Sequence[str]
) -> TrustDecision:
    return evaluator(
        role.assume_role_policy,
        principal={"Federated": COGNITO_PRINCIPAL},
        action=ASSUME_ACTION,
        context=trust_context(pool_id=pool_id, identity_id=identity_id, amr=amr),
    )


def service_may_assume(role: Role, service: str) -> TrustDecision:
    """Whether an AWS service (lambda.amazonaws.com, apigateway.amazonaws.com) may assume `role`."""
    return evaluate_trust(
        role.assume_role_policy,
        principal={"Service": service},
        action="sts:AssumeRole",
        context={},
    )
