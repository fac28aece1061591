"""Who is calling an offline service, and may they: SigV4 authentication plus IAM authorization.

Every AWS service that needs credentials does the same two steps before its operation runs:
verify the request's SigV4 signature for that service, then evaluate the calling role's identity
policies for the operation's action and resources. API Gateway does it in its own pipeline; the
JSON services (Cognito Identity's signed operations, DynamoDB) share this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from guestapi.offline import sigv4
from guestapi.offline.credentials import CredentialStore, IssuedCredential
from guestapi.offline.iam.context import condition_keys
from guestapi.offline.iam.policy import Decision, evaluate_session
from guestapi.offline.wire import Request

if TYPE_CHECKING:
    from guestapi.offline.iam.model import Role


@dataclass(frozen=True)
class Denied:
    """An IAM refusal: what AWS names in its AccessDenied message."""

    caller_arn: str  # arn:aws:sts::<acct>:assumed-role/<role>/<session>
    action: str
    resource: str
    decision: Decision

    def message(self) -> str:
        return not_authorized(self.caller_arn, self.action, self.resource, self.decision)


def not_authorized(
    principal: str, action: str, resource: str, decision: Decision, *, bare_deny: bool = False
) -> str:
    """The message of AWS's AccessDenied answers (docs/aws-behaviour.md#iam-denials).

    `bare_deny`: API Gateway's form, which ends an identity policy's explicit deny at
    ` with an explicit deny` (docs/aws-behaviour.md#access-denied-by-iam).
    """
    head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    kind = decision.policy_type  # "identity-based" or "session"
    if not decision.explicit_deny:
        return f"{head} because no {kind} policy allows the {action} action"
    if bare_deny and kind == "identity-based":
        return f"{head} with an explicit deny"
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{head} with an explicit deny in {article} {kind} policy"


class CallerAuthority:
    """Authenticates signed calls against the credential store and authorizes them with IAM."""

    def __init__(
        self,
        *,
        region: str,
        store: CredentialStore,
        roles: Mapping[str, Role],
        clock: Callable[[], datetime],
        honour_presigned_expires: bool = False,
    ) -> None:
        self._honour_expires = honour_presigned_expires
        self._region = region
        self._store = store
        self._roles = roles
        self._clock = clock

    def authenticate(self, request: Request, service: str) -> IssuedCredential:
        """The credential that signed `request` for `service`; raises sigv4.SigV4Error."""
        return sigv4.verify_caller(
            request,
            region=self._region,
            service=service,
            now=self._clock(),
            find=self._store.lookup,
            credential=IssuedCredential.known,
            honour_expires=self._honour_expires,
        )

    def authorize(
        self, caller: IssuedCredential, action: str, resources: Sequence[str], request: Request
    ) -> Denied | None:
        """None when the caller's role may do `action` on every resource; else the refusal."""
        role = self._roles.get(caller.role_arn)
        policies = role.policies if role is not None else ()
        context = condition_keys(caller, request=request, now=self._clock(), region=self._region)
        for resource in resources:
            decision = evaluate_session(
                policies,
                caller.session_policies,
                action=action,
                resource=resource,
                context=context,
            )
            if not decision.allowed:
                return Denied(caller.assumed_role_arn, action, resource, decision)
        return None
