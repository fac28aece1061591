"""Presigned execute-api URLs (SigV4 in the query string), dated by a `SigningClock`.

botocore's `SigV4QueryAuth` presigns, but reads the wall clock inside `add_auth`
(`botocore.compat.get_current_datetime`) with no parameter for the time. A check that asks
whether a URL outlives the 5-minute window needs a URL dated in the past, so `DatedSigV4QueryAuth`
overrides `add_auth` with the same steps and the clock's time; canonicalisation, the signing key
and the query layout all stay botocore's.
"""

from __future__ import annotations

from botocore.auth import SIGV4_TIMESTAMP, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import NoCredentialsError

from guestapi.client.signing import EXECUTE_API, SigningClock

MAX_PRESIGNED_EXPIRES = 604_800  # 7 days, the SigV4 ceiling for X-Amz-Expires


class DatedSigV4QueryAuth(SigV4QueryAuth):
    def __init__(
        self,
        credentials: Credentials,
        region: str,
        expires: int,
        clock: SigningClock,
        service: str = EXECUTE_API,
    ) -> None:
        super().__init__(credentials, service, region, expires=expires)
        self._clock = clock

    def add_auth(self, request: AWSRequest) -> None:
        # botocore's SigV4Auth.add_auth, with the timestamp from our clock.
        if self.credentials is None:
            raise NoCredentialsError()
        request.context["timestamp"] = self._clock.now().strftime(SIGV4_TIMESTAMP)
        # botocore-stubs leave out SigV4Auth's private steps; botocore/auth.py defines both.
        self._modify_request_before_signing(request)  # type: ignore[attr-defined]
        canonical_request = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical_request)
        signature = self.signature(string_to_sign, request)
        self._inject_signature_to_request(request, signature)  # type: ignore[attr-defined]


def presign_url(
    method: str,
    url: str,
    credentials: Credentials,
    region: str,
    *,
    expires: int,
    clock: SigningClock | None = None,
) -> str:
    """`url` with X-Amz-Algorithm/Credential/Date/Expires/SignedHeaders/Signature appended.

    Only `host` is signed, as a link handed to a browser or a media player carries no headers.
    """
    if not 1 <= expires <= MAX_PRESIGNED_EXPIRES:
        raise ValueError(f"expires must be 1..{MAX_PRESIGNED_EXPIRES} seconds, got {expires}")
    request = AWSRequest(method=method, url=url)
    DatedSigV4QueryAuth(credentials, region, expires, clock or SigningClock()).add_auth(request)
    assert request.url is not None  # built with one above; the signature only appends a query
    return request.url
