"""Run scenarios against a target and record what happened.

One `CheckRunner` per run: it holds one guest credential provider (so the whole run is one app
install: one GetId, one set of keys) and one signing clock (so a skew learned by one request
serves the next, as in the SDKs).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from botocore.credentials import Credentials
from requests.structures import CaseInsensitiveDict

from guestapi.checks.diagnoses import diagnose
from guestapi.checks.matching import json_field, matches, resolved, substitute
from guestapi.checks.scenario import Matcher, Scenario
from guestapi.checks.target import Target, TargetError
from guestapi.client import (
    GuestCredentialProvider,
    GuestCredentials,
    GuestCredentialsError,
    GuestSigV4Auth,
    SigningClock,
)

DEFAULT_ORIGIN = "https://app.example.com"
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
# A credential lifetime is Expiration minus the service's Date header; both are whole seconds
# taken a moment apart, so allow this much on top of a scenario's maximum.
LIFETIME_TOLERANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class Failure:
    """One unmet expectation of a scenario."""

    aspect: str  # "status", "header Access-Control-Allow-Origin", "body identityId", ...
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.aspect}: expected {self.expected}, got {self.got}"


@dataclass
class Observation:
    """What the target answered (HTTP response and/or the credential step)."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=CaseInsensitiveDict)
    text: str = ""
    document: Any = None
    credentials: GuestCredentials | None = None
    credentials_error: GuestCredentialsError | None = None

    @property
    def error_type(self) -> str | None:
        # AWS may append ":<url>" to the type; the name is what matters.
        value = self.headers.get("x-amzn-ErrorType")
        return value.split(":", 1)[0] if value else None

    @property
    def message(self) -> str:
        if isinstance(self.document, dict):
            return str(self.document.get("message") or self.document.get("Message") or "")
        return ""

    def summary(self) -> str:
        if self.credentials_error is not None:
            e = self.credentials_error
            return f"refused: {e.operation} {e.code}: {e.service_message}"
        parts: list[str] = []
        if self.status is not None:
            parts.append(str(self.status))
            if self.error_type:
                parts.append(self.error_type)
            if self.message:
                parts.append(_one_line(self.message))
        elif self.credentials is not None:
            parts.append(
                f"credentials valid {int(self.credentials.lifetime.total_seconds())} s "
                f"(expire {self.credentials.expiration:%Y-%m-%dT%H:%M:%SZ})"
            )
        return " ".join(parts) or "nothing"


@dataclass(frozen=True)
class CheckResult:
    scenario: str
    title: str
    expected: str
    got: str
    passed: bool
    diagnosis: str | None = None
    failures: tuple[str, ...] = ()
    seconds: float = 0.0


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _other_region(region: str) -> str:
    return "us-west-2" if region == "us-east-1" else "us-east-1"


def expected_summary(scenario: Scenario) -> str:
    e = scenario.expect
    parts: list[str] = []
    if e.status:
        parts.append("/".join(map(str, e.status)))
        error_type = e.headers.get("x-amzn-ErrorType")
        if error_type is not None and error_type.kind in ("equals", "one_of"):
            value = error_type.value
            parts.append(value if isinstance(value, str) else " or ".join(value))
    if e.credentials is not None:
        limits = []
        if e.credentials.min_lifetime_seconds is not None:
            limits.append(f"≥ {e.credentials.min_lifetime_seconds} s")
        if e.credentials.max_lifetime_seconds is not None:
            limits.append(f"≤ {e.credentials.max_lifetime_seconds} s")
        parts.append(f"credentials valid {' and '.join(limits)}")
    if e.credentials_error is not None:
        code = e.credentials_error.code
        parts.append(f"refused ({code.describe()})" if code else "refused")
    return " ".join(parts)


class CheckRunner:
    def __init__(
        self,
        target: Target,
        *,
        origin: str = DEFAULT_ORIGIN,
        cache_path: Path | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.target = target
        self.origin = origin
        self.timeout = timeout
        self._http = requests.Session()
        self._clock = SigningClock()
        self._cache_path = cache_path
        self._guest = self._provider("enhanced")

    def run(self, scenarios: Iterable[Scenario]) -> list[CheckResult]:
        return [self.run_scenario(s) for s in scenarios]

    def run_scenario(self, scenario: Scenario) -> CheckResult:
        started = time.monotonic()
        observation = self._observe(scenario)
        failures = self._evaluate(scenario, observation)
        return CheckResult(
            scenario=scenario.name,
            title=scenario.title,
            expected=expected_summary(scenario),
            got=_one_line(observation.summary(), 160),
            passed=not failures,
            diagnosis=diagnose(scenario, observation, failures) if failures else None,
            failures=tuple(str(f) for f in failures),
            seconds=time.monotonic() - started,
        )

    # -- observing ------------------------------------------------------------------------------

    def _provider(self, flow: str) -> GuestCredentialProvider:
        return GuestCredentialProvider(
            self.target.identity_pool_id,
            self.target.region,
            endpoint_url=self.target.cognito_endpoint,
            cache_path=self._cache_path,
            flow="basic" if flow == "basic" else "enhanced",
            role_arn=self.target.guest_role_arn if flow == "basic" else None,
        )

    def _variables(self, scenario: Scenario) -> dict[str, str]:
        variables = {
            "origin": self.origin,
            "region": self.target.region,
            "stage": self.target.stage,
        }
        if "$identityId" in repr(scenario.expect) or "$identityId" in repr(scenario.request):
            variables["identityId"] = self._guarded(self._guest.identity_id)
        return variables

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
        if mode == "none":
            return None
        if mode == "unknown-key":
            # Well-formed temporary keys that no account issued.
            return Credentials(
                "ASIA" + secrets.token_hex(8).upper(),
                secrets.token_urlsafe(30),
                secrets.token_urlsafe(64),
            )
        provider = self._provider("basic") if mode == "basic-flow" else self._guest
        if mode == "basic-flow" and not self.target.guest_role_arn:
            raise TargetError("the basic-flow scenario needs the GuestRoleArn output")
        try:
            creds = self._guarded(provider.credentials)
        except GuestCredentialsError as exc:
            observation.credentials_error = exc
            return None
        observation.credentials = provider.last_fetched
        return creds

    def _observe(self, scenario: Scenario) -> Observation:
        observation = Observation()
        variables = self._variables(scenario)
        credentials = self._credentials(scenario, observation)
        if observation.credentials_error is not None or scenario.request is None:
            return observation
        spec = scenario.request
        signing = scenario.signing
        auth: GuestSigV4Auth | None = None
        if credentials is not None:
            region = self.target.region
            if signing.mode == "wrong-region":
                region = signing.region or _other_region(region)
            elif signing.region:
                region = signing.region
            clock = self._clock
            if signing.clock_offset_seconds:
                clock = SigningClock(offset=timedelta(seconds=signing.clock_offset_seconds))
            auth = GuestSigV4Auth(
                credentials,
                region,
                clock=clock,
                # Only the plain guest call behaves like an SDK; the negative scenarios must
                # reach the API exactly as built.
                correct_skew=signing.mode in ("guest", "basic-flow")
                and not signing.clock_offset_seconds,
            )
        request = requests.Request(
            spec.method,
            self.target.url(spec.path, substitute(spec.stage, variables) if spec.stage else None),
            headers={k: substitute(v, variables) for k, v in spec.headers.items()},
            data=substitute(spec.body, variables).encode() if spec.body is not None else None,
            auth=auth,
        )
        prepared = self._http.prepare_request(request)
        if signing.mode == "guest-tampered":
            prepared.headers["Authorization"] = _tampered(prepared.headers["Authorization"])
        try:
            response = self._http.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise TargetError(
                f"cannot reach {self.target.api_url} ({type(exc).__name__}); "
                "is the stack up, and is ApiUrl right?"
            ) from None
        observation.status = response.status_code
        observation.headers = response.headers
        observation.text = response.text
        try:
            observation.document = response.json()
        except ValueError:
            observation.document = None
        return observation

    # -- evaluating -----------------------------------------------------------------------------

    def _evaluate(self, scenario: Scenario, obs: Observation) -> list[Failure]:
        expect = scenario.expect
        variables = self._variables(scenario)
        failures: list[Failure] = []
        if expect.credentials_error is not None:
            return self._evaluate_refusal(scenario, obs, variables)
        if obs.credentials_error is not None:
            e = obs.credentials_error
            return [
                Failure(
                    "guest credentials", "issued", f"{e.operation} {e.code}: {e.service_message}"
                )
            ]
        if expect.credentials is not None:
            failures += self._evaluate_lifetime(expect.credentials, obs)
        if expect.status:
            if obs.status not in expect.status:
                failures.append(
                    Failure("status", "/".join(map(str, expect.status)), _status_text(obs))
                )
            for name, matcher in expect.headers.items():
                failures += _check(
                    f"header {name}", resolved(matcher, variables), obs.headers.get(name)
                )
            for path, matcher in expect.body.items():
                actual = json_field(obs.document, path) if obs.document is not None else None
                failures += _check(f"body {path}", resolved(matcher, variables), actual)
        return failures

    def _evaluate_lifetime(self, expect: Any, obs: Observation) -> list[Failure]:
        creds = obs.credentials
        if creds is None:
            return [Failure("credentials", "issued", "none")]
        lifetime = creds.lifetime
        failures = []
        if (
            expect.max_lifetime_seconds is not None
            and lifetime > timedelta(seconds=expect.max_lifetime_seconds) + LIFETIME_TOLERANCE
        ):
            failures.append(
                Failure(
                    "credentials lifetime",
                    f"≤ {expect.max_lifetime_seconds} s",
                    f"{int(lifetime.total_seconds())} s",
                )
            )
        if expect.min_lifetime_seconds is not None and lifetime < timedelta(
            seconds=expect.min_lifetime_seconds
        ):
            failures.append(
                Failure(
                    "credentials lifetime",
                    f"≥ {expect.min_lifetime_seconds} s",
                    f"{int(lifetime.total_seconds())} s",
                )
            )
        return failures

    def _evaluate_refusal(
        self, scenario: Scenario, obs: Observation, variables: Mapping[str, str]
    ) -> list[Failure]:
        expect = scenario.expect.credentials_error
        assert expect is not None
        error = obs.credentials_error
        if error is None:
            return [Failure("credentials", "refused", "issued")]
        failures: list[Failure] = []
        if expect.code is not None:
            failures += _check("error code", resolved(expect.code, variables), error.code)
        if expect.message is not None:
            failures += _check(
                "error message", resolved(expect.message, variables), error.service_message
            )
        return failures


def _check(aspect: str, matcher: Matcher, actual: str | None) -> list[Failure]:
    if matches(matcher, actual):
        return []
    got = "absent" if actual is None else json.dumps(_one_line(actual, 100))
    return [Failure(aspect, matcher.describe(), got)]


def _status_text(obs: Observation) -> str:
    return " ".join(str(p) for p in (obs.status, obs.error_type) if p)


def _tampered(authorization: str) -> str:
    """Flip the last hex digit of the signature: the same request, a signature that cannot match."""
    head, _, signature = authorization.rpartition("Signature=")
    last = signature[-1]
    return f"{head}Signature={signature[:-1]}{'0' if last != '0' else '1'}"
