"""Reading what a client claims it signed, from the Authorization header or a presigned query.

Hand-written: botocore signs requests, it has no parser for what it produced. Nothing here
checks a signature; `verifier.py` does that, with botocore.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote_plus

from guestapi.offline.sigv4.errors import SigV4Error, SigV4ErrorKind, incomplete
from guestapi.offline.wire import Request

ALGORITHM = "AWS4-HMAC-SHA256"
# SigV4 presigned URLs cannot outlive the signing key's 7-day validity.
MAX_PRESIGN_EXPIRES = 604_800
_AMZ_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_SCHEME_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
REDACTED = "<redacted>"


@dataclass(frozen=True)
class Signed:
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


def header_index(headers: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for name, value in headers:
        index.setdefault(name.lower(), []).append(value)
    return index


def single(index: dict[str, list[str]], name: str) -> str | None:
    # A repeated single-valued header is combined as HTTP combines it (comma-joined): the
    # result never equals a valid value, so a duplicate cannot smuggle a second one in.
    values = index.get(name)
    return ",".join(values) if values else None


# Bounded; a pure function of the query text. A presigned URL is made to be used again and
# again until it expires, and the gateway reads the query twice (has_signature, then verify):
# decoding its session token (hundreds of characters) once per URL instead of twice per request.
@functools.lru_cache(maxsize=256)
def split_query(raw_query: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return tuple(pairs)


def has_signature(req: Request) -> bool:
    """True when the request carries SigV4 material in either form (it may still be invalid)."""
    for name, value in req.headers:
        if name.lower() == "authorization" and value.strip():
            return True
    if not req.raw_query:
        return False
    return any(k in ("X-Amz-Signature", "X-Amz-Credential") for k, _ in split_query(req.raw_query))


# The service element of a header's credential scope: Credential=KEY/YYYYMMDD/REGION/SERVICE/...
_SCOPE_SERVICE = re.compile(r"Credential=[^/,\s]*/[^/,\s]*/[^/,\s]*/([^/,\s]+)/")


def scope_service(authorization: str | None) -> str | None:
    """The service an Authorization header's credential scope names, nothing else checked.

    For routing only: several services share the offline stack's port, and a signed request
    says which one it is for. Verification (`verify`) still checks the whole signature.
    """
    text = authorization or ""
    # One anchored attempt at the first Credential=, so a header of many is read once (linear).
    start = text.find("Credential=")
    found = _SCOPE_SERVICE.match(text, start) if start >= 0 else None
    return found.group(1) if found else None


def format_amz(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_AMZ_DATE_FORMAT)


# Bounded and pure: X-Amz-Date has a one-second resolution, so the requests of a busy second
# (every client's) carry the same few values.
@functools.lru_cache(maxsize=64)
def _parse_amz_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    match = _AMZ_DATE.match(value.strip())
    if not match:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
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


def redact_authorization(value: str) -> str:
    """The Authorization value as echoed in error bodies: Signature and bare tokens redacted."""
    head, _, rest = value.strip().partition(" ")
    if not rest.strip():
        return REDACTED  # a lone token (a JWT, an API key) is a credential: never echo it
    shown_head = head if _SCHEME_WORD.match(head) else REDACTED
    parts = []
    for component in rest.split(","):
        component = component.strip()
        if not component:
            continue
        key, eq, _ = component.partition("=")
        if eq and key.strip() in ("Credential", "SignedHeaders"):
            parts.append(component)
        elif eq:
            parts.append(f"{key.strip()}={REDACTED}")
        else:
            parts.append(REDACTED)
    return f"{shown_head} {', '.join(parts)}"


# No SDK signs more than a few dozen headers; the server accepts at most 200 headers anyway.
MAX_SIGNED_HEADERS = 100


def signed_header_names(value: str) -> tuple[str, ...]:
    """SignedHeaders as names, checked in linear time before botocore sees them.

    botocore's canonicalisation costs grow with the square of the number of signed names, so
    an unbounded list would let one request stall the server (not AWS's wording: no capture).
    """
    if value.count(";") >= MAX_SIGNED_HEADERS:
        raise incomplete(
            f"SignedHeaders names more than {MAX_SIGNED_HEADERS} headers.",
            "too many SignedHeaders",
        )
    return tuple(value.split(";"))


def malformed_authorization(req: Request) -> SigV4Error | None:
    """The IncompleteSignature refusal of an Authorization header that cannot be parsed, if any.

    API Gateway reads the header even where no method exists: a malformed one there is an
    IncompleteSignature, a well-formed one a Missing Authentication Token
    (docs/aws-behaviour.md#sigv4-refusals).
    """
    index = header_index(req.headers)
    values = [v for v in index.get("authorization", ()) if v.strip()]
    if len(values) != 1:
        return None
    try:
        parse_header_form(values[0], index, ())
    except SigV4Error as error:
        return error if error.kind is SigV4ErrorKind.INCOMPLETE else None
    return None


def _hashed(value: str) -> str:
    return base64.b64encode(
        hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()
    ).decode()


def parse_header_form(
    authorization: str, index: dict[str, list[str]], query: tuple[tuple[str, str], ...]
) -> Signed:
    head, _, rest = authorization.strip().partition(" ")
    params: dict[str, str] = {}
    for component in rest.split(","):
        component = component.strip()
        if not component:
            continue
        key, eq, value = component.partition("=")
        if not eq:
            # AWS's current wording names the header only by its hash (captures in
            # docs/aws-behaviour.md#sigv4-refusals), so no bearer token is ever echoed.
            raise incomplete(
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed "
                f"with SHA-256 and encoded with Base64): '{_hashed(authorization)}'.",
                "Authorization header component without '='",
            )
        if key.strip() in params:
            # Not AWS's wording (no capture): a second Signature= (or Credential=) must not
            # be ignored, or the header could say two things to two readers.
            raise incomplete(
                f"Authorization header has more than one '{key.strip()}' parameter. "
                f"Authorization={redact_authorization(authorization)}",
                f"Authorization header repeats {key.strip()}",
            )
        params[key.strip()] = value.strip()

    if len(index.get("x-amz-date", ())) > 1:
        # Not AWS's wording (no capture); the header is not missing, there are two of them.
        raise incomplete("Only one X-Amz-Date header is allowed.", "several X-Amz-Date headers")

    amz_date_header = single(index, "x-amz-date")
    amz_date = None
    if amz_date_header is not None:
        moment = _parse_amz_date(amz_date_header)
        if moment is not None:
            # The pattern only lets through the basic format itself: no need to print it again.
            amz_date = amz_date_header.strip()
    else:
        moment = _parse_http_date(single(index, "date"))

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
        raise incomplete(
            " ".join(sentences) + f" Authorization={redact_authorization(authorization)}",
            "incomplete Authorization header, missing " + ", ".join(missing),
        )
    if head != ALGORITHM:
        # Not in the reference table; AWS's wording for this case is not documented.
        raise incomplete(
            f"Unsupported Authorization algorithm '{head if _SCHEME_WORD.match(head) else REDACTED}'"
            f": only {ALGORITHM} is accepted. Authorization={redact_authorization(authorization)}",
            "unsupported Authorization algorithm",
        )
    assert moment is not None
    return Signed(
        form="header",
        credential=params["Credential"],
        signed_headers=signed_header_names(params["SignedHeaders"]),
        signature=params["Signature"],
        amz_date=amz_date or format_amz(moment),
        request_time=moment,
        session_token=single(index, "x-amz-security-token"),
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


# Bounded and pure (a refusal raises, and is not kept): a presigned URL used again is read once.
@functools.lru_cache(maxsize=256)
def parse_query_form(query: tuple[tuple[str, str], ...]) -> Signed:
    auth: dict[str, str] = {}
    for key, value in query:
        if key.startswith("X-Amz-"):
            auth.setdefault(key, value)
    missing = [name for name in _QUERY_REQUIRED if not auth.get(name)]
    if missing:
        raise incomplete(
            "".join(f"AWS query-string parameters must include '{n}'. " for n in missing)
            + "Re-examine the query-string parameters.",
            "presigned URL lacks " + ", ".join(missing),
        )
    # The three X-Amz-Algorithm / X-Amz-Expires messages are S3's wording for the same checks
    # (the reference does not list execute-api's).
    if auth["X-Amz-Algorithm"] != ALGORITHM:
        raise incomplete(
            f'X-Amz-Algorithm only supports "{ALGORITHM}"', "unsupported X-Amz-Algorithm"
        )
    expires: int | None = None
    if "X-Amz-Expires" in auth:
        raw = auth["X-Amz-Expires"]
        if not raw.isascii() or not raw.lstrip("-").isdigit():
            raise incomplete("X-Amz-Expires should be a number", "X-Amz-Expires not a number")
        expires = int(raw)
        if expires < 0:
            raise incomplete("X-Amz-Expires must be non-negative", "negative X-Amz-Expires")
        if expires > MAX_PRESIGN_EXPIRES:
            raise incomplete(
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
                "X-Amz-Expires over a week",
            )
    moment = _parse_amz_date(auth["X-Amz-Date"])
    if moment is None:
        raise incomplete(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            "malformed X-Amz-Date",
        )
    # Every parameter but the signature itself is part of the canonical query.
    params = tuple((k, v) for k, v in query if k != "X-Amz-Signature")
    token = auth.get("X-Amz-Security-Token")
    without_token = (
        tuple((k, v) for k, v in params if k != "X-Amz-Security-Token") if token else None
    )
    return Signed(
        form="query",
        credential=auth["X-Amz-Credential"],
        signed_headers=signed_header_names(auth["X-Amz-SignedHeaders"]),
        signature=auth["X-Amz-Signature"],
        amz_date=auth["X-Amz-Date"],
        request_time=moment,
        session_token=token,
        expires=expires,
        canonical_params=params,
        params_without_token=without_token,
    )
