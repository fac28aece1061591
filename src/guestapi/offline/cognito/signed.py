"""The operations for developers: SigV4 first, then IAM on the identity pool's ARN.

Cognito's API reference marks them "requires developer credentials": the caller signs with AWS
credentials whose policies allow cognito-identity:<Operation> on arn:...:identitypool/<pool id>.
"""

from __future__ import annotations

from guestapi.offline.cognito.validation import parse_json_object
from guestapi.offline.iam.callers import CallerAuthority
from guestapi.offline.sigv4 import SigV4Error
from guestapi.offline.wire import AwsError, Request

SIGNED_OPERATIONS = frozenset(
    {"DescribeIdentityPool", "GetIdentityPoolRoles", "GetOpenIdTokenForDeveloperIdentity"}
)
SIGNING_NAME = "cognito-identity"
# Signature and IAM refusals of the AWS JSON services come back as client errors (400).
_SIGV4_STATUS = 400


def authorize_developer(
    authority: CallerAuthority,
    request: Request,
    operation: str,
    *,
    partition: str,
    region: str,
    account_id: str,
) -> None:
    """Raise the AwsError AWS would answer if the caller may not call `operation` on the pool."""
    try:
        caller = authority.authenticate(request, SIGNING_NAME)
    except SigV4Error as exc:
        raise AwsError(exc.error_type, exc.message, _SIGV4_STATUS) from None
    pool_id = _pool_id_of(request.body)
    resource = f"arn:{partition}:cognito-identity:{region}:{account_id}:identitypool/{pool_id}"
    denied = authority.authorize(caller, f"cognito-identity:{operation}", [resource], request)
    if denied is not None:
        raise AwsError("AccessDeniedException", denied.message(), _SIGV4_STATUS)


def _pool_id_of(body: bytes) -> str:
    """The IdentityPoolId named in a request body, for the ARN IAM evaluates ("*" if none)."""
    try:
        value = parse_json_object(body).get("IdentityPoolId")
    except AwsError:
        return "*"
    return value if isinstance(value, str) else "*"
