"""Whether a role trusts a Cognito identity: the check STS makes before it issues credentials.

Cognito (enhanced flow) and STS (basic flow) both ask it, with the claims of the identity's
token (docs/aws-behaviour.md#trust-policy-of-an-identity-pool-role).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from guestapi.aws_constants import COGNITO_IDENTITY
from guestapi.offline.credentials import WebIdentity
from guestapi.offline.iam.context import ContextValue, condition_keys
from guestapi.offline.iam.model import PolicyDocument, Role
from guestapi.offline.iam.policy import Decision, evaluate_trust

ASSUME_ACTION = "sts:AssumeRoleWithWebIdentity"


class TrustEvaluator(Protocol):
    def __call__(
        self,
        policy: PolicyDocument,
        *,
        principal: Mapping[str, str],
        action: str,
        context: Mapping[str, ContextValue],
    ) -> Decision: ...


def evaluate_role_trust(
    evaluator: TrustEvaluator, role: Role, *, pool_id: str, identity_id: str, amr: Sequence[str]
) -> Decision:
    """Whether `role` trusts the Cognito identity a token with these claims names."""
    return evaluator(
        role.assume_role_policy,
        principal={"Federated": COGNITO_IDENTITY},
        action=ASSUME_ACTION,
        context=condition_keys(identity=WebIdentity.from_amr(identity_id, pool_id, amr)),
    )


def service_may_assume(role: Role, service: str) -> Decision:
    """Whether an AWS service (lambda.amazonaws.com, apigateway.amazonaws.com) may assume `role`."""
    return evaluate_trust(
        role.assume_role_policy,
        principal={"Service": service},
        action="sts:AssumeRole",
        context={},
    )
