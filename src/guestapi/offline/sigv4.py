"""Server-side SigV4 verification for execute-api, as API Gateway does it for AWS_IAM methods.

The signature itself is always recomputed by **botocore**: `SigV4Auth.canonical_request`,
`string_to_sign` and the HMAC of `SigV4Auth._sign`, fed an `AWSRequest` rebuilt from the
request *as received*. botocore is a client-side signer, so what is written by hand here is
only what a client never has to do: parse the Authorization header or the presigned query,
check scope, clock skew and credentials, and rebuild the request the way the client saw it
(see the pitfalls in shared/reference/aws-behaviour.md):

- the raw path goes to botocore still percent-encoded; botocore quotes it again (the double
  encoding every service but S3 uses). Unquoting first would give a mismatch;
- the raw query is split, form-decoded (`+` is a space, as requests-aws4auth and botocore's
  own `urlencode` write it) and handed to botocore as params, which it re-encodes with the
  RFC 3986 unreserved set and sorts;
- only the headers named in SignedHeaders are given to botocore, through a subclass whose
  `headers_to_sign` keeps exactly those (botocore's own filter drops e.g. user-agent and
  expect, which some clients do sign). Subclassing, not patching: botocore is untouched.

Every refusal raises `SigV4Error` carrying the x-amzn-ErrorType, the body message AWS returns
and the API Gateway response type. Messages are copied from aws-behaviour.md. Cases the
reference does not list take their wording from elsewhere, marked where they are raised:
- AWS docs ("Troubleshoot signed requests"): scope date vs X-Amz-Date, scope terminator;
- other AWS services' answers to the same check: malformed Credential, host not signed,
  presigned parameters missing, X-Amz-Algorithm / X-Amz-Expires (S3's wording);
- this module's own (no AWS wording known): unsupported Authorization algorithm, several
  Authorization headers, presigned URL past X-Amz-Expires (shaped like the documented
  "Signature expired: <date> is now earlier than <date>").

Secrets: `SigV4Error.message` is the *response body* for the caller (AWS echoes the canonical
request, which can contain the caller's own signed session token). Never log it; log
`str(error)` (or `.reason`), which names the cause without any credential material. The
Authorization value echoed in IncompleteSignature messages has its Signature (and any
bare token such as a JWT) replaced by `<redacted>`: AWS echoes it verbatim, but a body that
ends up in a client's error log should not carry a bearer token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import unquote_plus

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import ReadOnlyCredentials

ALGORITHM = "AWS4-HMAC-SHA256"
SCOPE_TERMINATOR = "aws4_request"
# SigV4 presigned URLs cannot outlive the signing key's 7-day validity.
MAX_PRESIGN_EXPIRES = 604_800
_AMZ_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_SCHEME_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
# Characters urlsplit() would silently drop (tab, CR, LF) or treat as a delimiter ('#') are
# percent-encoded into the path (with the other control characters), so a path that differs
# from the signed one only by them can never canonicalize to the signed path.
_URL_UNSAFE = re.compile(r"[\x00-\x1f\x7f#]")
# The AWSRequest only needs *a* URL for botocore to split the path from; the Host header is
# taken from the signed headers, never from here.
_URL_PREFIX = "https://sigv4.invalid"
_REDACTED = "<redacted>"

# x-amzn-ErrorType values.
MISSING_TOKEN = "MissingAuthenticationTokenException"
INCOMPLETE = "IncompleteSignatureException"
INVALID_SIGNATURE = "InvalidSignatureException"
UNRECOGNIZED_CLIENT = "UnrecognizedClientException"
EXPIRED_TOKEN = "ExpiredTokenException"

# Gateway response types (docs: "Gateway response types for API Gateway"). Three are documented
# for IAM authentication: MISSING_AUTHENTICATION_TOKEN, INVALID_SIGNATURE ("an invalid AWS
# signature error") and EXPIRED_TOKEN. An incomplete Authorization header is an invalid
# signature, so it uses INVALID_SIGNATURE. No type is documented for an unknown access key:
# UNAUTHORIZED is for custom/Cognito authorizers and defaults to 401, while AWS answers 403,
# so it falls back to DEFAULT_4XX, the documented fallback for every unlisted 4xx.
GATEWAY_RESPONSE_TYPES: dict[str, str] = {
    MISSING_TOKEN: "MISSING_AUTHENTICATION_TOKEN",
    INCOMPLETE: "INVALID_SIGNATURE",
    INVALID_SIGNATURE: "INVALID_SIGNATURE",
    UNRECOGNIZED_CLIENT: "DEFAULT_4XX",
    EXPIRED_TOKEN: "EXPIRED_TOKEN",
}

_MISMATCH_PREFIX = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


# --------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncomingRequest:
    method: str
    raw_path: str  # exactly as received on the wire, still percent-encoded, without the query
    raw_query: str  # exactly as received, without '?', may be ""
    headers: tuple[tuple[str, str], ...]  # as received, original case, duplicates kept
    body: bytes
    host: str  # value of the Host header (convenience)


@dataclass(frozen=True)
class KnownCredential:
    """What the credential store knows about an access key."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    expiration: datetime | None  # aware UTC

    def __repr__(self) -> str:  # never print the secret or the token
        return (
            f"KnownCredential(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"
        )


@dataclass(frozen=True)
class VerifiedCaller:
    credential: KnownCredential
    form: str  # "header" or "query"
    signed_headers: tuple[str, ...]


class SigV4Error(Exception):
    """A request refused by signature verification.

    `message` is the exact body text AWS returns to the caller; it may echo the caller's own
    canonical request (including a signed session token), so it is for the response only.
    `reason` (also `str(error)`) is short, free of credential material, and safe to log.
    """

    def __init__(self, error_type: str, message: str, reason: str, status: int = 403) -> None:
        super().__init__(error_type, reason)
        self.error_type = error_type
        self.message = message
        self.reason = reason
        self.gateway_response = GATEWAY_RESPONSE_TYPES[error_type]
        self.status = status

    def __str__(self) -> str:
        return f"{self.error_type}: {self.reason}"


# --------------------------------------------------------------------------------------------
# botocore, with the header selection made explicit
# --------------------------------------------------------------------------------------------
class _ReceivedRequestSigner(SigV4Auth):
    """botocore's SigV4 signer, restricted to the headers the client says it signed.

    botocore's `headers_to_sign` signs every header except a fixed skip list and adds `host`
    itself; a verifier must instead use exactly the client's SignedHeaders, whatever they are.
    """

    def __init__(
        self, credentials: ReadOnlyCredentials, service: str, region: str, signed: frozenset[str]
    ) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        selected = HTTPHeaders()
        for name, value in request.headers.items():
            lname = name.lower()
            if lname in self._signed:
                selected[lname] = value  # HTTPHeaders appends: duplicates stay, in order
        # AWS builds the canonical request from SignedHeaders as given: a listed header that
        # did not arrive still takes its place (empty), so the client's signature cannot match.
        for name in sorted(self._signed - {k.lower() for k in selected}):
            selected[name] = ""
        return selected

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
            self.credentials.secret_key,
            request.context["timestamp"][:8],
            self._region_name,
            self._service_name,
        )
        return self._sign(key, string_to_sign, hex=True)


_KEY_HMAC = _ReceivedRequestSigner(ReadOnlyCredentials("", "", None), "", "", frozenset())._sign


@functools.lru_cache(maxsize=1024)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    k_date = _KEY_HMAC(f"AWS4{secret}".encode(), day)
    k_region = _KEY_HMAC(k_date, region)
    k_service = _KEY_HMAC(k_region, service)
    return _KEY_HMAC(k_service, SCOPE_TERMINATOR)


# --------------------------------------------------------------------------------------------
# Parsing (hand-written: botocore signs, it has no parser for what it produced)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Signed:
    """What the client claims it signed, from either form."""

    form: str
    credential: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str  # ISO 8601 basic, as used in the string to sign
    request_time: datetime
    session_token: str | None
    expires: int | None  # presigned only
    canonical_params: tuple[tuple[str, str], ...]  # decoded query params that are signed
    # Presigned URLs whose token was appended after signing (official vector
    # post-sts-header-after); None when there is no token in the query.
    params_without_token: tuple[tuple[str, str], ...] | None


def _header_index(headers: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for name, value in headers:
        index.setdefault(name.lower(), []).append(value)
    return index


def _single(index: dict[str, list[str]], name: str) -> str | None:
    # A repeated single-valued header is combined as HTTP combines it (comma-joined): the
    # result never equals a valid value, so a duplicate cannot smuggle a second one in.
    values = index.get(name)
    return ",".join(values) if values else None


def _split_query(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def _query_names(raw_query: str) -> set[str]:
    return {unquote_plus(p.partition("=")[0]) for p in raw_query.split("&") if p}


def has_signature(req: IncomingRequest) -> bool:
    """True when the request carries SigV4 material in either form (it may still be invalid)."""
    for name, value in req.headers:
        if name.lower() == "authorization" and value.strip():
            return True
    names = _query_names(req.raw_query) if req.raw_query else set()
    return "X-Amz-Signature" in names or "X-Amz-Credential" in names


def _format_amz(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_AMZ_DATE_FORMAT)


def _parse_amz_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    match = _AMZ_DATE.match(value.strip())
    if not match:
        return None
    try:
        return datetime(*(int(g) for g in match.groups()), tzinfo=UTC)  # type: ignore[misc]
    except ValueError:
        return None


def _parse_http_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _redact_authorization(value: str) -> str:
    """The Authorization value as echoed in error bodies: Signature and bare tokens redacted."""
    head, _, rest = value.strip().partition(" ")
    if not rest.strip():
        return _REDACTED  # a lone token (a JWT, an API key) is a credential: never echo it
    shown_head = head if _SCHEME_WORD.match(head) else _REDACTED
    parts = []
    for component in rest.split(","):
        component = component.strip()
        if not component:
            continue
        key, eq, _ = component.partition("=")
        if eq and key.strip() in ("Credential", "SignedHeaders"):
            parts.append(component)
        elif eq:
            parts.append(f"{key.strip()}={_REDACTED}")
        else:
            parts.append(_REDACTED)
    return f"{shown_head} {', '.join(parts)}"


def _incomplete(message: str, reason: str) -> SigV4Error:
    return SigV4Error(INCOMPLETE, message, reason)


def _parse_header_form(
    authorization: str, index: dict[str, list[str]], query: list[tuple[str, str]]
) -> _Signed:
    redacted = _redact_authorization(authorization)
    head, _, rest = authorization.strip().partition(" ")
    params: dict[str, str] = {}
    for component in rest.split(","):
        component = component.strip()
        if not component:
            continue
        key, eq, value = component.partition("=")
        if not eq:
            raise _incomplete(
                f"'{_REDACTED}' not a valid key=value pair (missing equal-sign) in "
                f"Authorization header: '{redacted}'.",
                "Authorization header component without '='",
            )
        params.setdefault(key.strip(), value.strip())

    amz_date_header = _single(index, "x-amz-date")
    if amz_date_header is not None:
        moment = _parse_amz_date(amz_date_header)
    else:
        moment = _parse_http_date(_single(index, "date"))

    missing = [
        name for name in ("Credential", "Signature", "SignedHeaders") if not params.get(name)
    ]
    sentences = [f"Authorization header requires '{name}' parameter." for name in missing]
    if moment is None:
        # An unparsable X-Amz-Date counts as absent: the date AWS requires is not usable.
        missing.append("date")
        sentences.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing:
        raise _incomplete(
            " ".join(sentences) + f" Authorization={redacted}",
            "incomplete Authorization header, missing " + ", ".join(missing),
        )
    if head != ALGORITHM:
        # Not in the reference table; AWS's wording for this case is not documented.
        raise _incomplete(
            f"Unsupported Authorization algorithm '{head if _SCHEME_WORD.match(head) else _REDACTED}'"
            f": only {ALGORITHM} is accepted. Authorization={redacted}",
            "unsupported Authorization algorithm",
        )
    assert moment is not None
    return _Signed(
        form="header",
        credential=params["Credential"],
        signed_headers=tuple(params["SignedHeaders"].split(";")),
        signature=params["Signature"],
        amz_date=_format_amz(moment),
        request_time=moment,
        session_token=_single(index, "x-amz-security-token"),
        expires=None,
        canonical_params=tuple(query),
        params_without_token=None,
    )


# Wording of AWS's IncompleteSignature answer for presigned requests (one sentence per missing
# parameter, then "Re-examine the query-string parameters.").
_QUERY_REQUIRED = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)


def _parse_query_form(query: list[tuple[str, str]]) -> _Signed:
    auth: dict[str, str] = {}
    for key, value in query:
        if key.startswith("X-Amz-"):
            auth.setdefault(key, value)
    missing = [name for name in _QUERY_REQUIRED if not auth.get(name)]
    if missing:
        raise _incomplete(
            "".join(f"AWS query-string parameters must include '{n}'. " for n in missing)
            + "Re-examine the query-string parameters.",
            "presigned URL lacks " + ", ".join(missing),
        )
    # The three X-Amz-Algorithm / X-Amz-Expires messages are S3's wording for the same checks
    # (the reference does not list execute-api's).
    if auth["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete(
            f'X-Amz-Algorithm only supports "{ALGORITHM}"', "unsupported X-Amz-Algorithm"
        )
    expires: int | None = None
    if "X-Amz-Expires" in auth:
        raw = auth["X-Amz-Expires"]
        if not raw.isascii() or not raw.lstrip("-").isdigit():
            raise _incomplete("X-Amz-Expires should be a number", "X-Amz-Expires not a number")
        expires = int(raw)
        if expires < 0:
            raise _incomplete("X-Amz-Expires must be non-negative", "negative X-Amz-Expires")
        if expires > MAX_PRESIGN_EXPIRES:
            raise _incomplete(
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
                "X-Amz-Expires over a week",
            )
    moment = _parse_amz_date(auth["X-Amz-Date"])
    if moment is None:
        raise _incomplete(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            "malformed X-Amz-Date",
        )
    # Every parameter but the signature itself is part of the canonical query.
    params = tuple((k, v) for k, v in query if k != "X-Amz-Signature")
    token = auth.get("X-Amz-Security-Token")
    without_token = (
        tuple((k, v) for k, v in params if k != "X-Amz-Security-Token") if token else None
    )
    return _Signed(
        form="query",
        credential=auth["X-Amz-Credential"],
        signed_headers=tuple(auth["X-Amz-SignedHeaders"].split(";")),
        signature=auth["X-Amz-Signature"],
        amz_date=auth["X-Amz-Date"],
        request_time=moment,
        session_token=token,
        expires=expires,
        canonical_params=params,
        params_without_token=without_token,
    )


# --------------------------------------------------------------------------------------------
# Checks, in the order the reference table lists them
# --------------------------------------------------------------------------------------------
def _check_scope(signed: _Signed, region: str, service: str) -> tuple[str, str]:
    parts = signed.credential.split("/")
    if len(parts) != 5:
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{signed.credential}'",
            "malformed Credential",
        )
    access_key, day, scope_region, scope_service, terminator = parts
    # AWS reports every wrong scope element at once, each sentence ending in ". ".
    problems = []
    if scope_region != region:
        problems.append("Credential should be scoped to a valid region. ")
    if scope_service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'. ")
    if terminator != SCOPE_TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{SCOPE_TERMINATOR}', "
            f"not '{terminator}'. "
        )
    if day != signed.amz_date[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{day}' != '{signed.amz_date[:8]}', from '{signed.amz_date}'. "
        )
    if problems:
        raise SigV4Error(
            INVALID_SIGNATURE,
            "".join(problems),
            f"credential scope {day}/{scope_region}/{scope_service}/{terminator} "
            f"does not match {signed.amz_date[:8]}/{region}/{service}/{SCOPE_TERMINATOR}",
        )
    return access_key, day


def _check_time(signed: _Signed, now: datetime, max_skew: timedelta) -> None:
    minutes = f"{int(max_skew.total_seconds() // 60)} min."
    if signed.request_time > now + max_skew:
        raise SigV4Error(
            INVALID_SIGNATURE,
            f"Signature not yet current: {signed.amz_date} is still later than "
            f"{_format_amz(now + max_skew)} ({_format_amz(now)} + {minutes})",
            "request date is in the future beyond the allowed skew",
        )
    if signed.expires is None:
        if signed.request_time < now - max_skew:
            raise SigV4Error(
                INVALID_SIGNATURE,
                f"Signature expired: {signed.amz_date} is now earlier than "
                f"{_format_amz(now - max_skew)} ({_format_amz(now)} - {minutes})",
                "request date is older than the allowed skew",
            )
    elif signed.request_time < now - timedelta(seconds=signed.expires):
        # Presigned URL past X-Amz-Expires: same sentence shape as the documented skew answer
        # ("Signature expired: <date> is now earlier than <date>"), window in seconds.
        raise SigV4Error(
            INVALID_SIGNATURE,
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{_format_amz(now - timedelta(seconds=signed.expires))} "
            f"({_format_amz(now)} - {signed.expires} sec.)",
            "presigned URL past X-Amz-Expires",
        )


def _same_secret(given: str | None, known: str | None) -> bool:
    if given is None or known is None:
        return given is None and known is None
    return hmac.compare_digest(given.encode(), known.encode())


def _check_credential(
    signed: _Signed,
    access_key: str,
    now: datetime,
    lookup: Callable[[str], KnownCredential | None],
) -> KnownCredential:
    invalid = "The security token included in the request is invalid."
    credential = lookup(access_key)
    if credential is None:
        raise SigV4Error(UNRECOGNIZED_CLIENT, invalid, f"unknown access key {access_key}")
    if not _same_secret(signed.session_token, credential.session_token):
        raise SigV4Error(
            UNRECOGNIZED_CLIENT, invalid, f"session token does not belong to {access_key}"
        )
    if credential.expiration is not None and now >= credential.expiration:
        raise SigV4Error(
            EXPIRED_TOKEN,
            "The security token included in the request is expired",
            f"credentials of {access_key} expired at {credential.expiration.isoformat()}",
        )
    return credential


# --------------------------------------------------------------------------------------------
# Recomputation
# --------------------------------------------------------------------------------------------
def _rebuild(
    req: IncomingRequest,
    signed: _Signed,
    params: tuple[tuple[str, str], ...],
    index: dict[str, list[str]],
    body_sha256: str,
) -> AWSRequest:
    wanted = set(signed.signed_headers)
    headers = HTTPHeaders()
    for name, value in req.headers:
        if name.lower() in wanted:
            headers[name] = value
    content_sha = _single(index, "x-amz-content-sha256")
    if content_sha is not None and content_sha != body_sha256:
        # botocore takes X-Amz-Content-Sha256 as the payload hash without looking at the body.
        # Put the real hash in its place so the canonical string we report is the one the
        # client should have signed for the bytes that actually arrived.
        del headers["x-amz-content-sha256"]
        headers["x-amz-content-sha256"] = body_sha256
    path = _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", req.raw_path or "/")
    if not path.startswith("/"):
        path = "/" + path
    request = AWSRequest(
        method=req.method.upper(),
        url=_URL_PREFIX + path,
        headers=headers,
        data=req.body,
        params=list(params),
    )
    request.context["timestamp"] = signed.amz_date
    request.context["payload_sha256"] = body_sha256
    return request


def _recompute(signer: _ReceivedRequestSigner, request: AWSRequest) -> tuple[str, str, str]:
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    return canonical, string_to_sign, signer.signature(string_to_sign, request)


def _mismatch(canonical: str, string_to_sign: str, reason: str) -> SigV4Error:
    return SigV4Error(
        INVALID_SIGNATURE,
        f"{_MISMATCH_PREFIX}\n\nThe Canonical String for this request should have been\n"
        f"'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n",
        reason,
    )


def verify(
    req: IncomingRequest,
    *,
    region: str,
    service: str = "execute-api",
    now: datetime,
    lookup: Callable[[str], KnownCredential | None],
    max_skew: timedelta = timedelta(minutes=5),
) -> VerifiedCaller:
    """Verify a SigV4-signed request (Authorization header or presigned query) or raise SigV4Error.

    `now` must be timezone-aware. `lookup` maps an access key id to what the credential store
    knows about it (None when unknown).
    """
    if now.tzinfo is None:
        raise ValueError("verify(now=...) needs an aware datetime (UTC)")
    index = _header_index(req.headers)
    query = _split_query(req.raw_query) if req.raw_query else []
    authorizations = [v for v in index.get("authorization", ()) if v.strip()]
    if len(authorizations) > 1:
        # Not in the reference table (AWS's wording is undocumented). Refused rather than
        # picking one: the router, the logs and the verifier must all see the same header.
        raise _incomplete(
            "Only one Authorization header is allowed.", "several Authorization headers"
        )
    authorization = authorizations[0] if authorizations else None
    if authorization is not None:
        signed = _parse_header_form(authorization, index, query)
    elif any(k in ("X-Amz-Signature", "X-Amz-Credential") for k, _ in query):
        signed = _parse_query_form(query)
    else:
        raise SigV4Error(MISSING_TOKEN, "Missing Authentication Token", "no SigV4 signature")

    access_key, _ = _check_scope(signed, region, service)
    _check_time(signed, now, max_skew)
    if "host" not in signed.signed_headers:
        # Wording of AWS's answer when host is not signed (STS, Lambda URLs, ...).
        raise _incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            "host header not signed",
        )
    credential = _check_credential(signed, access_key, now, lookup)

    body_sha256 = hashlib.sha256(req.body).hexdigest()
    signer = _ReceivedRequestSigner(
        ReadOnlyCredentials(access_key, credential.secret_access_key, credential.session_token),
        service,
        region,
        frozenset(signed.signed_headers),
    )
    request = _rebuild(req, signed, signed.canonical_params, index, body_sha256)
    canonical, string_to_sign, expected = _recompute(signer, request)

    content_sha = _single(index, "x-amz-content-sha256")
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


__all__ = [
    "GATEWAY_RESPONSE_TYPES",
    "IncomingRequest",
    "KnownCredential",
    "SigV4Error",
    "VerifiedCaller",
    "has_signature",
    "verify",
]
