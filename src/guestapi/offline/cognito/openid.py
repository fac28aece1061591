"""OpenID tokens of the basic (classic) flow: GetOpenIdToken signs them, STS verifies them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from guestapi.aws_constants import COGNITO_IDENTITY
from guestapi.errors import GuestApiError

OPENID_ISSUER = f"https://{COGNITO_IDENTITY}"
# GetOpenIdToken API reference: "The OpenID token is valid for 10 minutes."
OPENID_TOKEN_TTL = timedelta(minutes=10)


class OpenIdTokenError(GuestApiError):
    """A web identity token the twin did not issue, or no longer accepts."""


class MalformedTokenError(OpenIdTokenError):
    """Not a JWT at all (wrong shape, bad base64, bad JSON, missing claims)."""


class TokenSignatureError(OpenIdTokenError):
    """A JWT, but not signed by this twin (or signed with another algorithm), or wrong issuer."""


class TokenExpiredError(OpenIdTokenError):
    def __init__(self, message: str, *, now: int, expires: int) -> None:
        super().__init__(message)
        self.now = now
        self.expires = expires


@dataclass(frozen=True)
class OpenIdClaims:
    issuer: str
    audience: str  # identity pool id
    subject: str  # identity id
    amr: tuple[str, ...]
    expires: int  # epoch seconds


class OpenIdTokenSigner:
    """HS256 JWTs with a per-process random key.

    Why HS256 and not RS256 like the real service: the only verifier is this same process (sts/),
    so there is no JWKS to publish and no key pair to manage; a fresh random key per process also
    means a token from an earlier run can never be replayed. Why by hand: no JWT library is in
    requirements.lock, and this is one fixed header, one HMAC and a pinned algorithm on verify
    (so "alg": "none" and algorithm confusion are refused by construction).
    """

    _HEADER: ClassVar[dict[str, str]] = {"alg": "HS256", "typ": "JWT", "kid": "guestapi-offline"}
    _SEGMENT_RE = re.compile(r"^[A-Za-z0-9_-]+$")

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def sign(self, claims: Mapping[str, Any]) -> str:
        head = _b64url(json.dumps(self._HEADER, separators=(",", ":")).encode())
        body = _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
        signing_input = f"{head}.{body}".encode()
        return f"{head}.{body}.{_b64url(self._mac(signing_input))}"

    def verify(self, token: str, *, now: datetime) -> OpenIdClaims:
        parts = token.split(".")
        if len(parts) != 3 or not all(self._SEGMENT_RE.match(p) for p in parts):
            raise MalformedTokenError("not a compact JWS (three base64url segments)")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            payload = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, RecursionError) as exc:
            raise MalformedTokenError("JWT segments are not base64url JSON") from exc
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise MalformedTokenError("JWT header and payload must be JSON objects")
        if header.get("alg") != "HS256":
            raise TokenSignatureError("JWT algorithm is not the one this twin signs with")
        expected = self._mac(f"{parts[0]}.{parts[1]}".encode())
        if not hmac.compare_digest(expected, signature):
            raise TokenSignatureError("JWT signature does not match")
        claims = _claims_from_payload(payload)
        if claims.issuer != OPENID_ISSUER:
            raise TokenSignatureError("JWT issuer is not Cognito Identity")
        now_s = int(now.timestamp())
        if now_s >= claims.expires:
            raise TokenExpiredError("token expired", now=now_s, expires=claims.expires)
        return claims

    def _mac(self, data: bytes) -> bytes:
        return hmac.new(self._key, data, hashlib.sha256).digest()


def _claims_from_payload(payload: Mapping[str, Any]) -> OpenIdClaims:
    iss, aud, sub, amr, exp = (payload.get(k) for k in ("iss", "aud", "sub", "amr", "exp"))
    if not (isinstance(iss, str) and isinstance(aud, str) and isinstance(sub, str)):
        raise MalformedTokenError("JWT lacks iss/aud/sub")
    if not (isinstance(amr, list) and all(isinstance(a, str) for a in amr)):
        raise MalformedTokenError("JWT amr must be a list of strings")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise MalformedTokenError("JWT exp must be an integer")
    return OpenIdClaims(issuer=iss, audience=aud, subject=sub, amr=tuple(amr), expires=exp)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
