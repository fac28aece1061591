"""Run scenarios against a target and record what happened.

One `CheckRunner` per run: it holds one guest credential provider (so the whole run is one app
install: one GetId, one set of keys) and one signing clock (so a skew learned by one request
serves the next, as in the SDKs).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from botocore.credentials import Credentials

from guestapi.checks.diagnoses import diagnose
from guestapi.checks.evaluation import evaluate, expected_summary
from guestapi.checks.matching import substitute
from guestapi.checks.observation import Observation
from guestapi.checks.scenario import Scenario, Signing, SigningMode
from guestapi.checks.target import Target, TargetError
from guestapi.client import (
    GuestCredentialProvider,
    GuestCredentialsError,
    GuestSigV4Auth,
    SigningClock,
)
from guestapi.client.attested import AttestedCredentialProvider, Attester
from guestapi.client.presigning import presign_url
from guestapi.client.retry import DEFAULT_RETRIES, send_paced

DEFAULT_ORIGIN = "https://app.example.com"
DEFAULT_PRESIGNED_EXPIRES = 300  # the fixed window non-S3 services are reported to keep
# A 429 is the stage's throttle, not a verdict on the scenario: it is sent again with backoff,
# so a run paces itself under the stage's limits.
DEFAULT_THROTTLE_RETRIES = DEFAULT_RETRIES
# Error codes the client raises when the Cognito/STS endpoint cannot be reached at all: that is
# a bad target (exit 2), not a failed check.
_UNREACHABLE = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
        "SSLError",
    }
)


@dataclass(frozen=True)
class CheckResult:
    """One scenario's verdict as the reporters print it (plain text, ready for JSON)."""

    scenario: str
    title: str
    expected: str
    got: str
    passed: bool
    diagnosis: str | None = None
    failures: tuple[str, ...] = ()
    seconds: float = 0.0


def _other_region(region: str) -> str:
    return "us-west-2" if region == "us-east-1" else "us-east-1"


class CheckRunner:
    def __init__(
        self,
        target: Target,
        *,
        origin: str = DEFAULT_ORIGIN,
        cache_path: Path | None = None,
        timeout: float = 10.0,
        attester: Attester | None = None,
        throttle_retries: int = DEFAULT_THROTTLE_RETRIES,
    ) -> None:
        self.target = target
        self.throttle_retries = throttle_retries
        self.attester = attester
        self.origin = origin
        self.timeout = timeout
        self._http = requests.Session()
        self._clock = SigningClock()
        self._cache_path = cache_path
        self._guest = self._provider(SigningMode.GUEST)
        # One attested install per run too, made on first use: attesting costs a challenge.
        self._attested: AttestedCredentialProvider | None = None

    def run(self, scenarios: Iterable[Scenario]) -> list[CheckResult]:
        return [self.run_scenario(s) for s in scenarios]

    def run_scenario(self, scenario: Scenario) -> CheckResult:
        started = time.monotonic()
        variables = self._variables(scenario)
        observation = self._observe(scenario, variables)
        failures = evaluate(scenario, observation, variables)
        return CheckResult(
            scenario=scenario.name,
            title=scenario.title,
            expected=expected_summary(scenario),
            got=observation.summary(),
            passed=not failures,
            diagnosis=diagnose(scenario, observation, failures) if failures else None,
            failures=tuple(str(f) for f in failures),
            seconds=time.monotonic() - started,
        )

    # -- observing ------------------------------------------------------------------------------

    def _provider(self, mode: SigningMode) -> GuestCredentialProvider:
        basic = mode is SigningMode.BASIC_FLOW
        return GuestCredentialProvider(
            self.target.identity_pool_id,
            self.target.region,
            endpoint_url=self.target.cognito_endpoint,
            cache_path=self._cache_path,
            flow="basic" if basic else "enhanced",
            role_arn=self.target.guest_role_arn if basic else None,
        )

    def _variables(self, scenario: Scenario) -> dict[str, str]:
        variables = {
            "origin": self.origin,
            "region": self.target.region,
            "stage": self.target.stage,
        }
        if "$identityId" in repr(scenario.expect) or "$identityId" in repr(scenario.request):
            variables["identityId"] = self._guarded(self._guest.identity_id)
        if "$attestedIdentityId" in repr(scenario.expect):
            variables["attestedIdentityId"] = self._guarded(self.attested().identity_id)
        return variables

    def attested(self) -> AttestedCredentialProvider:
        """The run's attested install (TargetError when no --attest was given)."""
        if self.attester is None:
            raise TargetError("an attested scenario needs an attester (--attest)")
        if self._attested is None:
            self._attested = AttestedCredentialProvider(
                self.target.identity_pool_id,
                self.target.region,
                self.target.api_url,
                self.attester,
                endpoint_url=self.target.cognito_endpoint,
            )
        return self._attested

    def _guarded(self, call: Any) -> Any:
        """Run a credential step; an unreachable endpoint is a bad target, not a failed check."""
        try:
            return call()
        except GuestCredentialsError as exc:
            if exc.code in _UNREACHABLE or exc.operation == "create client":
                where = self.target.cognito_endpoint or f"Cognito Identity in {self.target.region}"
                raise TargetError(
                    f"cannot reach {where} ({exc.code}); is the stack up, and is the "
                    "Cognito endpoint (--cognito-endpoint / CognitoIdentityEndpoint) right?"
                ) from None
            raise

    def _credentials(self, scenario: Scenario, observation: Observation) -> Credentials | None:
        mode = scenario.signing.mode
        if mode is SigningMode.NONE:
            return None
        if mode is SigningMode.UNKNOWN_KEY:
            # Well-formed temporary keys that no account issued.
            return Credentials(
                "ASIA" + secrets.token_hex(8).upper(),
                secrets.token_urlsafe(30),
                secrets.token_urlsafe(64),
            )
        basic = mode is SigningMode.BASIC_FLOW
        if basic and not self.target.guest_role_arn:
            raise TargetError("the basic-flow scenario needs the GuestRoleArn output")
        provider: GuestCredentialProvider
        if mode is SigningMode.ATTESTED:
            provider = self.attested()
        else:
            provider = self._provider(mode) if basic else self._guest
        try:
            creds = self._guarded(provider.credentials)
        except GuestCredentialsError as exc:
            observation.credentials_error = exc
            return None
        observation.credentials = provider.last_fetched
        return creds

    def _auth(self, signing: Signing, credentials: Credentials) -> GuestSigV4Auth:
        region = self.target.region
        if signing.mode is SigningMode.WRONG_REGION:
            region = signing.region or _other_region(region)
        elif signing.region:
            region = signing.region
        return GuestSigV4Auth(
            credentials,
            region,
            clock=self._clock_for(signing),
            # Only the plain guest call behaves like an SDK; the negative scenarios must
            # reach the API exactly as built.
            correct_skew=signing.mode.uses_guest_keys and not signing.clock_offset_seconds,
        )

    def _clock_for(self, signing: Signing) -> SigningClock:
        """The suite's shared clock, or one set off by the scenario's clock_offset_seconds."""
        if signing.clock_offset_seconds:
            return SigningClock(offset=timedelta(seconds=signing.clock_offset_seconds))
        return self._clock

    def _presigned(self, signing: Signing, method: str, url: str, credentials: Credentials) -> str:
        return presign_url(
            method,
            url,
            credentials,
            signing.region or self.target.region,
            expires=signing.expires_seconds or DEFAULT_PRESIGNED_EXPIRES,
            clock=self._clock_for(signing),
        )

    def _observe(self, scenario: Scenario, variables: Mapping[str, str]) -> Observation:
        observation = Observation()
        credentials = self._credentials(scenario, observation)
        if credentials is not None:
            observation.secrets = (credentials.secret_key, credentials.token or "")
        if observation.credentials_error is not None or scenario.request is None:
            return observation
        spec = scenario.request
        signing = scenario.signing
        presigned = signing.mode is SigningMode.GUEST_PRESIGNED
        request = requests.Request(
            spec.method,
            self.target.url(spec.path, substitute(spec.stage, variables) if spec.stage else None),
            headers={k: substitute(v, variables) for k, v in spec.headers.items()},
            data=substitute(spec.body, variables).encode() if spec.body is not None else None,
            auth=self._auth(signing, credentials) if credentials and not presigned else None,
        )
        observation.stage = substitute(spec.stage, variables) if spec.stage else self.target.stage
        prepared = self._http.prepare_request(request)
        if presigned and credentials is not None and prepared.url:
            prepared.url = self._presigned(signing, prepared.method or spec.method, prepared.url,
                                           credentials)  # fmt: skip
        if signing.mode is SigningMode.GUEST_TAMPERED:
            prepared.headers["Authorization"] = _tampered(prepared.headers["Authorization"])
        response, observation.throttled = send_paced(
            lambda: self._send(prepared), retries=self.throttle_retries
        )
        observation.status = response.status_code
        observation.headers = response.headers
        observation.text = response.text
        try:
            observation.document = response.json()
        except ValueError:
            observation.document = None
        return observation

    def _send(self, prepared: requests.PreparedRequest) -> requests.Response:
        try:
            return self._http.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise TargetError(
                f"cannot reach {self.target.api_url} ({type(exc).__name__}); "
                "is the stack up, and is ApiUrl right?"
            ) from None


def _tampered(authorization: str | bytes) -> str:
    """Flip the last hex digit of the signature: the same request, a signature that cannot match."""
    text = authorization.decode() if isinstance(authorization, bytes) else authorization
    head, _, signature = text.rpartition("Signature=")
    last = signature[-1]
    return f"{head}Signature={signature[:-1]}{'0' if last != '0' else '1'}"
