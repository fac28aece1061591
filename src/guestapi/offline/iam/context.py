"""The request context IAM evaluates policies against, for every caller: API Gateway (REST
APIs and control plane), the moto-backed services, Cognito's signed operations and STS's trust
check
(docs/aws-behaviour.md#request-context). The Cognito keys are the identity's token claims, so
only a Cognito identity's session (or the token STS is given) has them; a service role's
session (a function's execution role) has none.
"""

from __future__ import annotations

from datetime import datetime

from guestapi.aws_constants import COGNITO_AMR, COGNITO_AUD, COGNITO_SUB
from guestapi.offline.credentials import IssuedCredential, WebIdentity
from guestapi.offline.iam.conditions import ContextValue
from guestapi.offline.wire import Request

__all__ = ["ContextValue", "condition_keys"]


def condition_keys(
    session: IssuedCredential | None = None,
    *,
    identity: WebIdentity | None = None,
    request: Request | None = None,
    now: datetime | None = None,
    region: str | None = None,
) -> dict[str, ContextValue]:
    """The condition keys of a request: its own (`request`, at `now`, to `region`), its signing
    `session`'s, and the Cognito `identity`'s (the session's own when not given)."""
    context: dict[str, ContextValue] = {}
    if request is not None and now is not None:
        context.update(
            {
                "aws:SourceIp": request.source_ip,
                "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "aws:EpochTime": str(int(now.timestamp())),
                "aws:SecureTransport": "false",  # the offline endpoint is plain HTTP
                "aws:UserAgent": request.header("user-agent") or "",
            }
        )
        if region is not None:
            context["aws:RequestedRegion"] = region
    if session is not None:
        context.update(
            {
                "aws:userid": session.caller,
                "aws:PrincipalArn": session.role_arn,
                "aws:PrincipalAccount": session.role_arn.split(":")[4],
                "aws:PrincipalType": "AssumedRole",
            }
        )
        if identity is None and session.identity_id:
            identity = session.web_identity()
    if identity is not None:
        context[COGNITO_AUD] = identity.pool_id
        context[COGNITO_SUB] = identity.identity_id
        context[COGNITO_AMR] = identity.amr()
    return context
