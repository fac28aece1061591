"""Server-side SigV4 verification, for any service (see verifier.py).

It knows nothing of API Gateway or any other service: a caller names the service and region it
answers for and turns a `SigV4Error` into its own protocol's answer.
"""

from guestapi.offline.sigv4.errors import (
    KnownCredential,
    SigV4Error,
    SigV4ErrorKind,
    VerifiedCaller,
)
from guestapi.offline.sigv4.parsing import has_signature, malformed_authorization, scope_service
from guestapi.offline.sigv4.verifier import verify, verify_caller

__all__ = [
    "KnownCredential",
    "SigV4Error",
    "SigV4ErrorKind",
    "VerifiedCaller",
    "has_signature",
    "malformed_authorization",
    "scope_service",
    "verify",
    "verify_caller",
]
