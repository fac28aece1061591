"""Credentials for an attested install: prove the app is genuine, then get the attested role.

    provider = AttestedCredentialProvider.from_outputs(outputs, DebugTokenAttester(token))
    session = signed_session(provider, outputs["Region"])

The flow is docs/attestation.md's; a renewal asserts with the install's key where the attester
holds one (App Attest) and attests again otherwise. The credentials live in the same botocore
`RefreshableCredentials` as the guest's. Neither evidence nor tokens are logged or kept on disk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from guestapi.aws_constants import COGNITO_IDENTITY
from guestapi.client.cognito_calls import GuestCredentials, GuestCredentialsError, enhanced_flow
from guestapi.client.credentials import GuestCredentialProvider

logger = logging.getLogger(__name__)

_TIMEOUT_S = 15.0


class AttestationRefused(GuestCredentialsError):
    """The attestation service said no: `code` is one of docs/attestation.md's refusal codes.

    A GuestCredentialsError, since no credentials come of it: callers that handle a refused
    GetCredentialsForIdentity handle this the same way.
    """

    def __init__(self, route: str, status: int, code: str, message: str) -> None:
        self.route = route
        self.status = status
        super().__init__(f"POST {route}", code, message, _hint(code, status))


def _hint(code: str, status: int) -> str:
    if status == 0:
        return "check the network and the ApiUrl output"
    if code.startswith("debug_token"):
        return "register the token's hash (scripts/debug_token.py) or use another attester"
    if code == "weak_secret":
        return "use 128+ random bits, base64url (scripts/debug_token.py new makes a token)"
    return "see docs/attestation.md for what each refusal code means"


class Attester(Protocol):
    """Makes the evidence an install sends; see DebugTokenAttester and guestapi.attestation."""

    kind: str

    def evidence(self, challenge: str) -> dict[str, Any]:
        """The POST /attest body (without "challenge") for this challenge."""
        ...

    def assertion(self, challenge: str) -> dict[str, Any] | None:
        """The POST /attest/refresh body (without "challenge"), or None to attest again."""
        ...


@dataclass
class DebugTokenAttester:
    """A registered debug token (simulators, CI): refused in prod unless the stack allows it."""

    token: str = field(repr=False)
    kind: str = "debug"

    def evidence(self, challenge: str) -> dict[str, Any]:
        return {"kind": "debug", "debugToken": self.token}

    def assertion(self, challenge: str) -> dict[str, Any] | None:
        return None  # no key to assert with: every renewal attests again


@dataclass(frozen=True)
class AttestedLogin:
    identity_id: str
    token: str = field(repr=False)
    kind: str


class AttestationService:
    """The three /attest routes of a stack's API (unsigned JSON POSTs)."""

    def __init__(self, api_url: str, *, session: requests.Session | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self._http = session or requests.Session()

    def challenge(self) -> str:
        answer = self._post("/attest/challenge", {})
        challenge = answer.get("challenge")
        if not isinstance(challenge, str):
            raise AttestationRefused("/attest/challenge", 200, "bad_answer", "no challenge")
        return challenge

    def attest(self, challenge: str, evidence: Mapping[str, Any]) -> AttestedLogin:
        return self._login("/attest", {**evidence, "challenge": challenge})

    def refresh(self, challenge: str, assertion: Mapping[str, Any]) -> AttestedLogin:
        return self._login("/attest/refresh", {**assertion, "challenge": challenge})

    def _login(self, route: str, body: Mapping[str, Any]) -> AttestedLogin:
        answer = self._post(route, body)
        identity_id, token = answer.get("IdentityId"), answer.get("Token")
        if not isinstance(identity_id, str) or not isinstance(token, str):
            raise AttestationRefused(route, 200, "bad_answer", "no IdentityId and Token")
        return AttestedLogin(identity_id, token, str(answer.get("Kind", "")))

    def _post(self, route: str, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(self.api_url + route, json=dict(body), timeout=_TIMEOUT_S)
        except requests.RequestException as exc:
            raise AttestationRefused(route, 0, "unreachable", type(exc).__name__) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if response.status_code != 200:
            code = answer.get("code") or answer.get("message") or "unknown"
            raise AttestationRefused(
                route, response.status_code, str(code), str(answer.get("message", ""))
            )
        return answer


class AttestedCredentialProvider(GuestCredentialProvider):
    """Like GuestCredentialProvider, but every fetch first proves the install is genuine.

    The attested identity id comes from the attestation service (Cognito's developer identity for
    this install), so no GetId is made and nothing is cached on disk.
    """

    def __init__(
        self,
        identity_pool_id: str,
        region: str,
        api_url: str,
        attester: Attester,
        *,
        http: requests.Session | None = None,
        **options: Any,
    ) -> None:
        super().__init__(identity_pool_id, region, **options)
        self.attester = attester
        self.service = AttestationService(api_url, session=http)
        self._attested_identity: str | None = None
        self.refreshes = 0  # renewals by assertion, for the checks and the benchmark
        self.attestations = 0
        self.last_timings: dict[str, float] = {}

    @classmethod
    def from_outputs(  # type: ignore[override]
        cls, outputs: Mapping[str, str], attester: Attester, **options: Any
    ) -> AttestedCredentialProvider:
        options.setdefault("endpoint_url", outputs.get("CognitoIdentityEndpoint") or None)
        return cls(
            outputs["IdentityPoolId"], outputs["Region"], outputs["ApiUrl"], attester, **options
        )

    def identity_id(self) -> str:
        with self._lock:
            if self._attested_identity is None:
                self.fetch()
            assert self._attested_identity is not None
            return self._attested_identity

    def fetch(self) -> GuestCredentials:
        with self._lock:
            login = self.login()
            started = time.perf_counter()
            creds = enhanced_flow(
                self._cognito_client(),
                login.identity_id,
                self._clock,
                logins={COGNITO_IDENTITY: login.token},
            )
            self.last_timings["cognito"] = _ms(started)
            self._last = creds
            return creds

    def login(self) -> AttestedLogin:
        """A fresh Cognito token: by assertion once attested (if the attester can), else attest.

        `last_timings` then holds milliseconds per step ("challenge", "evidence" for the
        attester's own work, "attest" or "refresh"; fetch() adds "cognito").
        """
        with self._lock:
            self.last_timings = {}
            started = time.perf_counter()
            challenge = self.service.challenge()
            self.last_timings["challenge"] = _ms(started)
            started = time.perf_counter()
            body = self.attester.assertion(challenge) if self._attested_identity else None
            route = "refresh" if body is not None else "attest"
            if body is None:
                body = self.attester.evidence(challenge)
            self.last_timings["evidence"] = _ms(started)
            started = time.perf_counter()
            if route == "refresh":
                login = self.service.refresh(challenge, body)
                self.refreshes += 1
            else:
                login = self.service.attest(challenge, body)
                self.attestations += 1
            self.last_timings[route] = _ms(started)
            self._attested_identity = login.identity_id
            logger.info("attested install: identity %s (%s)", login.identity_id, login.kind)
            return login


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000
