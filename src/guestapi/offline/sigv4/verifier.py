"""Server-side SigV4 verification, for any service.

The signature is always recomputed by botocore (`SigV4Auth.canonical_request`, `string_to_sign`
and its HMAC) from the request rebuilt as it arrived. By hand is only what a client never does:
read what was signed (parsing.py), check scope, clock and credentials (checks.py) and rebuild
the request the way the client saw it, whose pitfalls are listed in
docs/aws-behaviour.md#sigv4-request-form; each refusal's wording and its source are in
docs/aws-behaviour.md#sigv4-refusals.

`SigV4Error.message` is the response body, which may echo the caller's canonical request and so
its session token: never log it; log `str(error)` (its `reason`), which holds no credential.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from hmac import digest as hmac_digest  # one-shot HMAC, in C
from typing import TypeVar

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from guestapi.offline.sigv4.checks import (
    SCOPE_TERMINATOR,
    check_credential,
    check_scope,
    check_time,
)
from guestapi.offline.sigv4.errors import (
    KnownCredential,
    SigV4Error,
    SigV4ErrorKind,
    VerifiedCaller,
    incomplete,
)
from guestapi.offline.sigv4.parsing import (
    Signed,
    header_index,
    parse_header_form,
    parse_query_form,
    single,
    split_query,
)
from guestapi.offline.wire import Request

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Characters urlsplit() would silently drop (tab, CR, LF) or treat as a delimiter ('#') are
# percent-encoded into the path (with the other control characters), so a path that differs
# from the signed one only by them can never canonicalize to the signed path.
_URL_UNSAFE = re.compile(r"[\x00-\x1f\x7f#]")
# The AWSRequest only needs *a* URL for botocore to split the path from; the Host header is
# taken from the signed headers, never from here.
_URL_PREFIX = "https://sigv4.invalid"

MISMATCH_PREFIX = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


# --------------------------------------------------------------------------------------------
# botocore, with the header selection made explicit
# --------------------------------------------------------------------------------------------
class SignedHeaderValues:
    """The headers a client signed, in the shape botocore's `canonical_headers` and
    `signed_headers` read (iteration over the names, `get_all(name)`), without `HTTPHeaders`:
    that is an `email.message.Message`, whose every insertion and lookup parses and scans
    (it was a fifth of a header-signed verification). botocore still builds the canonical text.
    """

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def get_all(self, name: str, failobj: list[str] | None = None) -> list[str] | None:
        return self._values.get(name, failobj)


class ReceivedRequestSigner(SigV4Auth):
    """botocore's SigV4 signer, restricted to the headers the client says it signed.

    botocore's `headers_to_sign` signs every header except a fixed skip list and adds `host`
    itself; a verifier must instead use exactly the client's SignedHeaders, whatever they are.
    The received headers travel in the request's context, indexed by lower-case name (see
    `_rebuild`).
    """

    def __init__(
        self, credentials: ReadOnlyCredentials, service: str, region: str, signed: frozenset[str]
    ) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed
        # Kept here rather than read back from botocore's private attributes.
        self._scope = (region, service)

    def headers_to_sign(self, request: AWSRequest) -> SignedHeaderValues:  # type: ignore[override]
        received: dict[str, list[str]] = request.context["received_headers"]
        # AWS builds the canonical request from SignedHeaders as given: a listed header that
        # did not arrive still takes its place (empty), so the client's signature cannot match.
        # Repeated headers keep their order (botocore joins them with commas).
        return SignedHeaderValues({name: received.get(name) or [""] for name in self._signed})

    def canonical_query_string(self, request: AWSRequest) -> str:
        # botocore's own, memoised per parameter list: see _canonical_query.
        return _canonical_query(tuple(request.params))

    def payload(self, request: AWSRequest) -> str:
        # botocore's payload() reads `request.body`, which prepares the whole request and so
        # re-encodes the query string (a presigned URL's session token included) just to hash
        # a body verify() has already hashed.
        return request.context["payload_sha256"]

    def signature(self, string_to_sign: str, request: AWSRequest) -> str:
        # Same HMAC chain as SigV4Auth.signature, with the derived key cached: the key only
        # changes per (secret, day, region, service), and the benchmark sends thousands of
        # requests a second with the same few keys.
        key = _signing_key(
            self.credentials.secret_key, request.context["timestamp"][:8], *self._scope
        )
        return hmac_digest(key, string_to_sign.encode(), "sha256").hex()


# Only its canonical_query_string is used, which reads neither credentials nor scope.
_QUERY_CANONICALISER = SigV4Auth(ReadOnlyCredentials("", "", None), "execute-api", "us-east-1")


# Bounded, and a pure function of the decoded parameters: botocore re-encodes every name and
# value on each call, and a presigned URL (made to be used until it expires) carries a session
# token of hundreds of characters, most of which need percent-encoding.
@functools.lru_cache(maxsize=256)
def _canonical_query(params: tuple[tuple[str, str], ...]) -> str:
    if not params:
        return ""
    return _QUERY_CANONICALISER.canonical_query_string(_request("GET", "/", params))


def _request(method: str, path: str, params: tuple[tuple[str, str], ...]) -> AWSRequest:
    """An AWSRequest whose query is (name, value) pairs, as a name may repeat. botocore's
    canonicaliser reads pairs or a mapping (auth.py _canonical_query_string_params);
    botocore-stubs name only the mapping."""
    return AWSRequest(method=method, url=_URL_PREFIX + path, params=list(params))  # type: ignore[arg-type]


def _hmac(key: bytes, message: str) -> bytes:
    return hmac_digest(key, message.encode(), "sha256")


@functools.lru_cache(maxsize=1024)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    k_date = _hmac(f"AWS4{secret}".encode(), day)
    k_region = _hmac(k_date, region)
    k_service = _hmac(k_region, service)
    return _hmac(k_service, SCOPE_TERMINATOR)


# --------------------------------------------------------------------------------------------
# Recomputation
# --------------------------------------------------------------------------------------------
def _rebuild(
    req: Request,
    signed: Signed,
    params: tuple[tuple[str, str], ...],
    index: dict[str, list[str]],
    body_sha256: str,
) -> AWSRequest:
    """The request as the client signed it, for botocore: method, raw path and params; the
    received headers (by lower-case name) in the context, where `headers_to_sign` reads them."""
    content_sha = index.get("x-amz-content-sha256")
    if content_sha is not None and content_sha != [body_sha256]:
        # The client claims a body other than the one that arrived. Put the real hash in its
        # place so the canonical string we report is the one the client should have signed
        # for the bytes that actually arrived.
        index = {**index, "x-amz-content-sha256": [body_sha256]}
    path = _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", req.raw_path or "/")
    if not path.startswith("/"):
        path = "/" + path
    # No headers on the AWSRequest itself: botocore would otherwise take X-Amz-Content-Sha256
    # from them as the payload hash, where `payload()` answers the hash of the body received.
    request = _request(req.method.upper(), path, params)
    request.context["timestamp"] = signed.amz_date
    request.context["payload_sha256"] = body_sha256
    request.context["received_headers"] = index
    return request


def _recompute(signer: ReceivedRequestSigner, request: AWSRequest) -> tuple[str, str, str]:
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    return canonical, string_to_sign, signer.signature(string_to_sign, request)


def _mismatch(canonical: str, string_to_sign: str, reason: str) -> SigV4Error:
    return SigV4Error(
        SigV4ErrorKind.INVALID_SIGNATURE,
        f"{MISMATCH_PREFIX}\n\nThe Canonical String for this request should have been\n"
        f"'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n",
        reason,
    )


Caller = TypeVar("Caller")


def verify(
    req: Request,
    *,
    region: str,
    service: str = "execute-api",
    now: datetime,
    lookup: Callable[[str], KnownCredential | None],
    max_skew: timedelta = timedelta(minutes=5),
    honour_expires: bool = False,
) -> VerifiedCaller:
    """Verify a SigV4-signed request (Authorization header or presigned query) or raise SigV4Error.

    `now` must be timezone-aware. `lookup` maps an access key id to what the credential store
    knows about it (None when unknown). `honour_expires`: a presigned URL lives for its
    X-Amz-Expires (as S3 does) rather than the fixed `max_skew` window (as other services are
    reported to do).
    """
    if now.tzinfo is None:
        raise ValueError("verify(now=...) needs an aware datetime (UTC)")
    index = header_index(req.headers)
    query = split_query(req.raw_query) if req.raw_query else ()
    authorizations = [v for v in index.get("authorization", ()) if v.strip()]
    if len(authorizations) > 1:
        # Not in the reference table (AWS's wording is undocumented). Refused rather than
        # picking one: the router, the logs and the verifier must all see the same header.
        raise incomplete(
            "Only one Authorization header is allowed.", "several Authorization headers"
        )
    authorization = authorizations[0] if authorizations else None
    if authorization is not None:
        signed = parse_header_form(authorization, index, query)
    elif any(k in ("X-Amz-Signature", "X-Amz-Credential") for k, _ in query):
        signed = parse_query_form(query)
    else:
        raise SigV4Error(
            SigV4ErrorKind.MISSING_TOKEN, "Missing Authentication Token", "no SigV4 signature"
        )

    access_key, _ = check_scope(signed, region, service)
    check_time(signed, now, max_skew, honour_expires)
    if "host" not in signed.signed_headers:
        # Wording of AWS's answer when host is not signed (STS, Lambda URLs, ...).
        raise incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            "host header not signed",
        )
    credential = check_credential(signed, access_key, now, lookup)

    body_sha256 = hashlib.sha256(req.body).hexdigest() if req.body else EMPTY_SHA256
    signer = ReceivedRequestSigner(
        ReadOnlyCredentials(access_key, credential.secret_access_key, credential.session_token),
        service,
        region,
        frozenset(signed.signed_headers),
    )
    request = _rebuild(req, signed, signed.canonical_params, index, body_sha256)
    canonical, string_to_sign, expected = _recompute(signer, request)

    content_sha = single(index, "x-amz-content-sha256")
    if content_sha is not None and content_sha != body_sha256:
        # The header claims a body other than the one received. botocore would have trusted
        # it, so a signature over the claim could verify; the signed request is simply not
        # this request. Report it as the mismatch it is, with the honest canonical string.
        raise _mismatch(canonical, string_to_sign, "X-Amz-Content-Sha256 does not match body")

    given = signed.signature.encode()
    if hmac.compare_digest(expected.encode(), given):
        return VerifiedCaller(credential, signed.form, signed.signed_headers)
    if signed.params_without_token is not None:
        # Some presigners add X-Amz-Security-Token after signing, exactly as the header form
        # may leave the token header unsigned (official vectors post-sts-header-*). The token
        # was already matched to the key above, so leaving it out of the signature gives an
        # attacker nothing the header form does not.
        alt = _rebuild(req, signed, signed.params_without_token, index, body_sha256)
        if hmac.compare_digest(_recompute(signer, alt)[2].encode(), given):
            return VerifiedCaller(credential, signed.form, signed.signed_headers)
    raise _mismatch(canonical, string_to_sign, "signature does not match")


def verify_caller(
    req: Request,
    *,
    region: str,
    service: str,
    now: datetime,
    find: Callable[[str], Caller | None],
    credential: Callable[[Caller], KnownCredential],
    max_skew: timedelta = timedelta(minutes=5),
    honour_expires: bool = False,
) -> Caller:
    """`verify`, answering what `find` knows of the key that signed (an issued session, a
    front door's caller, ...) instead of the bare credential: every service needs that record
    next, and this is the one place that keeps it while the signature is checked."""
    found: dict[str, Caller] = {}

    def lookup(access_key_id: str) -> KnownCredential | None:
        caller = find(access_key_id)
        if caller is None:
            return None
        found[access_key_id] = caller
        return credential(caller)

    verified = verify(
        req,
        region=region,
        service=service,
        now=now,
        lookup=lookup,
        max_skew=max_skew,
        honour_expires=honour_expires,
    )
    return found[verified.credential.access_key_id]
