"""What a failed scenario most likely means, and what to change: rules that read the scenario,
the observation and the failures' `Aspect`s (never a `Failure`'s wording) and name the template
setting or environment fact behind it, from API Gateway's and Cognito's answers as
docs/aws-behaviour.md lists them; a scenario may add its own `hint`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from guestapi import cognito_session_policy
from guestapi.aws_constants import ERROR_TYPE_HEADER
from guestapi.checks.failures import Aspect, Failure
from guestapi.checks.observation import Observation
from guestapi.checks.scenario import RequestSpec, Scenario, SigningMode

# API Gateway's messages for a signature outside its 5-minute window (docs/aws-behaviour.md).
SKEW_PREFIXES = ("Signature expired", "Signature not yet current")

CLASSIC_FLOW_ALLOWED = (
    "The pool handed out basic-flow (classic) credentials: AllowClassicFlow is true. "
    "Set it to false unless a client cannot use the enhanced flow; the basic flow "
    "skips Cognito's scope-down session policy."
)
LIFETIME_TOO_LONG = (
    "Guest credentials live longer than expected: Cognito's enhanced-flow keys last "
    "one hour, so these were not issued by GetCredentialsForIdentity as configured."
)
AUTH_OFF_UNSIGNED = (
    "The API answered an unsigned request: AWS_IAM auth is off on this method "
    "(Auth.DefaultAuthorizer: AWS_IAM missing from the Api?)."
)
AUTH_OFF_BAD_SIGNATURE = (
    "The API accepted a request whose signature is wrong: auth is off on this "
    "method (no AWS_IAM authorizer), so signatures are not checked at all."
)
FUNCTION_CALLER = (
    "The function answered but did not see this guest: it must read the caller from "
    "event.requestContext.identity.cognitoIdentityId (filled only on AWS_IAM methods)."
)
FUNCTION_REQUEST = (
    "The answer did not come from the function for this request: the method's integration is "
    "not the Lambda proxy (a MOCK?), or the function does not echo requestContext.requestId."
)
PREFLIGHT_NEEDS_AUTH = (
    "The CORS preflight needs auth: set Auth.AddDefaultAuthorizerToCorsPreflight: false "
    "(browsers never sign the preflight)."
)
SESSION_POLICY_DENIED = (
    "Denied by a session policy: Cognito scopes enhanced-flow guest credentials down with "
    f"the managed policy {cognito_session_policy.POLICY_NAME}, whose published version "
    f"({cognito_session_policy.VERSION}, {cognito_session_policy.EDITED}) lists no execute-api "
    "action, so guest keys from GetCredentialsForIdentity cannot call this API. See "
    'docs/check-suite.md, "Enhanced-flow scope-down"; the basic flow (AllowClassicFlow, '
    "GuestCredentialProvider(flow='basic')) is the documented way out."
)
NO_CALLER_IDENTITY = (
    "The API did not see the caller's Cognito identity: either the method has no "
    "AWS_IAM auth (API Gateway then knows no caller), or the GET response template "
    "does not use $context.identity.cognitoIdentityId."
)


def diagnose(scenario: Scenario, obs: Observation, failures: Sequence[Failure]) -> str:
    notes: list[str] = []
    for note in _notes(scenario, obs, failures):
        if note not in notes:
            notes.append(note)
    if scenario.hint:
        notes.append(scenario.hint)
    if not notes:  # no rule knows this one: say plainly what differed
        notes.append("; ".join(str(f) for f in failures))
    return " ".join(notes)


def _notes(scenario: Scenario, obs: Observation, failures: Sequence[Failure]) -> list[str]:
    aspects = {f.aspect for f in failures}
    if obs.status == 429:
        # The stage's throttle answered, not the method: nothing else about the call is known.
        return [_throttled_note(obs)]
    credential_notes = _credential_notes(obs, aspects)
    if credential_notes is not None:
        return credential_notes
    notes = [LIFETIME_TOO_LONG] if Aspect.LIFETIME_TOO_LONG in aspects else []
    request = scenario.request
    if request is None or obs.status is None:
        return notes
    if Aspect.STATUS in aspects:
        # A wrong status explains the headers and body that go with it; notes about them
        # (e.g. "the 200 lacks CORS" on a 200 that should have been a 403) would mislead.
        return notes + _status_notes(scenario, request, obs.status, obs)
    for failure in failures:
        note = _field_note(failure, request, obs.status, obs)
        # The error type alone is worth a note only when nothing else explains the failure.
        if note and (not notes or not failure.is_header(ERROR_TYPE_HEADER)):
            notes.append(note)
    return notes


def _credential_notes(obs: Observation, aspects: set[Aspect]) -> list[str] | None:
    """The whole diagnosis when the credential step went wrong, else None."""
    if Aspect.CREDENTIALS_ISSUED in aspects:
        return [CLASSIC_FLOW_ALLOWED]
    error = obs.credentials_error
    if error is None:
        return None
    if aspects & {Aspect.ERROR_CODE, Aspect.ERROR_MESSAGE}:
        return [
            f"The refusal was not the expected one; the service said "
            f"{error.code}: {error.service_message}"
        ]
    if Aspect.CREDENTIALS_REFUSED in aspects:
        return [
            f"Could not get guest credentials: {error.code} from {error.operation}; {error.hint}."
        ]
    return None


# -- a wrong status ---------------------------------------------------------------------------


def _status_notes(
    scenario: Scenario, request: RequestSpec, status: int, obs: Observation
) -> list[str]:
    mode = scenario.signing.mode
    expected_403 = 403 in scenario.expect.status
    notes: list[str] = []
    if expected_403 and 200 <= status < 300:
        notes.append(_accepted_note(scenario, request))
    if (
        not expected_403
        and status == 403
        and (mode.uses_guest_keys or mode is SigningMode.GUEST_PRESIGNED)
    ):
        notes += _guest_refused_notes(obs)
    if status >= 500:
        notes.append(
            f"The API failed with {status} ({obs.error_type or 'no error type'}): an "
            "integration or gateway error, not a refusal; see the API's execution logs."
        )
    if request.method == "OPTIONS" and status == 403:
        notes.append(PREFLIGHT_NEEDS_AUTH)
    return notes


def _throttled_note(obs: Observation) -> str:
    stage = f"stage {obs.stage}" if obs.stage else "the stage"
    retried = f", still after {obs.throttled} retries with backoff" if obs.throttled else ""
    return (
        f"Throttled (429 TooManyRequestsException) by {stage}{retried}: API Gateway's "
        "per-method limits (the template's ThrottlingRateLimit / ThrottlingBurstLimit) were "
        "hit; raise them, or run the suite again later (--throttle-retries)."
    )


def _accepted_note(scenario: Scenario, request: RequestSpec) -> str:
    """A request that should have been refused got through."""
    signing = scenario.signing
    if signing.mode is SigningMode.NONE:
        return AUTH_OFF_UNSIGNED
    if signing.mode.forges_signature or signing.clock_offset_seconds:
        return AUTH_OFF_BAD_SIGNATURE
    stage = f" on stage {request.stage}" if request.stage else ""
    return (
        f"A guest may call {request.method} {request.path}{stage}: the guest role's "
        "policy is too wide (its execute-api:Invoke Resource should name only "
        "${Api}/${StageName}/GET/demo, not ${Api}/*), or auth is off on the method."
    )


@dataclass(frozen=True)
class _RefusalRule:
    """A guest call refused with one of `error_types` (and, if given, a message `about`)."""

    error_types: tuple[str, ...]
    note: str
    about: Callable[[str], bool] = lambda message: True


# First match wins: the narrower rule of an error type comes before its catch-all.
_GUEST_REFUSALS = (
    _RefusalRule(
        ("MissingAuthenticationTokenException",),
        "Missing Authentication Token on a signed call means the stage has no such "
        "resource or method: check the path and method, or redeploy the stage.",
    ),
    _RefusalRule(
        ("ForbiddenException",),
        "403 Forbidden on a signed call means API Gateway has no such stage (stage names "
        "are case-sensitive): check the stage in ApiUrl, or the API is not deployed to it.",
    ),
    _RefusalRule(
        ("InvalidSignatureException",),
        "The signature's date is more than 5 minutes off the server's clock even after "
        "skew correction: check this machine's clock (NTP).",
        lambda message: message.startswith(SKEW_PREFIXES),
    ),
    _RefusalRule(
        ("InvalidSignatureException", "IncompleteSignatureException"),
        "InvalidSignature on a guest call: check the clock and the signing region (it "
        "must be the stack's Region output); a proxy that rewrites the path or headers "
        "also breaks the signature.",
    ),
    _RefusalRule(
        ("AccessDeniedException",),
        SESSION_POLICY_DENIED,
        # IAM names the policy type that denied only in the message (docs/aws-behaviour.md).
        lambda message: "session policy" in message.lower(),
    ),
    _RefusalRule(
        ("AccessDeniedException",),
        "AccessDenied: the guest role's policy does not allow execute-api:Invoke on this "
        "method's ARN (check the GuestRole policy Resource: API id, stage, method, path).",
    ),
    _RefusalRule(
        ("UnrecognizedClientException",),
        "The API does not recognise the guest keys: the Cognito endpoint and the API "
        "must belong to the same account and stack.",
    ),
    _RefusalRule(
        ("ExpiredTokenException",),
        "The guest keys had expired: the credential refresh did not happen.",
    ),
)


def _guest_refused_notes(obs: Observation) -> list[str]:
    """A guest call that should have worked was refused."""
    for rule in _GUEST_REFUSALS:
        if obs.error_type in rule.error_types and rule.about(obs.message):
            return [rule.note]
    return []


# -- a wrong header or body field, the status being right -------------------------------------


def _field_note(failure: Failure, request: RequestSpec, status: int, obs: Observation) -> str:
    if failure.is_header("Access-Control-Allow-Origin"):
        return _allow_origin_note(request, status)
    if failure.is_header("Access-Control-Allow-Headers"):
        return (
            "The preflight does not allow every SigV4 header: Cors.AllowHeaders must list "
            "Authorization, X-Amz-Date, X-Amz-Security-Token and X-Amz-Content-Sha256."
        )
    if failure.is_header("Access-Control-Allow-Methods"):
        return "The preflight does not allow the method: check Cors.AllowMethods."
    if failure.is_body_field("identityId") and status == 200:
        return NO_CALLER_IDENTITY
    if failure.aspect is Aspect.FUNCTION_CALLER:
        return FUNCTION_CALLER
    if failure.aspect is Aspect.FUNCTION_REQUEST:
        return FUNCTION_REQUEST
    if failure.is_header(ERROR_TYPE_HEADER):
        return (
            f"Refused with {obs.error_type or 'no error type'} instead: "
            f"{obs.message or 'no message'}."
        )
    return ""


def _allow_origin_note(request: RequestSpec, status: int) -> str:
    if status >= 500:
        return (
            "A 5xx answer lacks Access-Control-Allow-Origin: add the CORS headers to the "
            "DEFAULT_5XX gateway response too."
        )
    if status >= 400:
        return (
            "A 4xx answer lacks Access-Control-Allow-Origin: the DEFAULT_4XX gateway "
            "response has no CORS headers, so a browser reports every 403 as a CORS "
            "error. Add them under the Api's GatewayResponses."
        )
    if request.method == "OPTIONS":
        return (
            "The preflight's Access-Control-Allow-Origin does not allow this origin: "
            "check the AllowedOrigin parameter (and --origin)."
        )
    return (
        "The 200 lacks Access-Control-Allow-Origin: SAM's Cors only adds OPTIONS, so "
        "the GET integration response must map the header itself."
    )
