"""What a failed scenario most likely means, and what to change.

Each rule reads the scenario (what was sent, what was expected) and the observation (what came
back) and names the template setting or the environment fact behind the failure. The rules
encode API Gateway's and Cognito's answers as listed in aws-behaviour.md; a scenario may add its
own `hint`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guestapi.checks.runner import Failure, Observation
    from guestapi.checks.scenario import Scenario

SKEW_PREFIXES = ("Signature expired", "Signature not yet current")
SIGNED_AS_GUEST = ("guest", "basic-flow")
BAD_SIGNATURES = ("guest-tampered", "unknown-key", "wrong-region")


def diagnose(scenario: Scenario, obs: Observation, failures: list[Failure]) -> str:
    notes: list[str] = []
    for note in _notes(scenario, obs, failures):
        if note not in notes:
            notes.append(note)
    if scenario.hint:
        notes.append(scenario.hint)
    if not notes:  # no rule knows this one: say plainly what differed
        notes.append("; ".join(str(f) for f in failures))
    return " ".join(notes)


def _notes(scenario: Scenario, obs: Observation, failures: list[Failure]) -> list[str]:
    mode = scenario.signing.mode
    request = scenario.request
    notes: list[str] = []

    # -- the credential step ----------------------------------------------------------------
    if scenario.expect.credentials_error is not None:
        if obs.credentials_error is None:
            return [
                "The pool handed out basic-flow (classic) credentials: AllowClassicFlow is true. "
                "Set it to false unless a client cannot use the enhanced flow; the basic flow "
                "skips Cognito's scope-down session policy."
            ]
        return [
            f"The refusal was not the expected one; the service said "
            f"{obs.credentials_error.code}: {obs.credentials_error.service_message}"
        ]
    if obs.credentials_error is not None:
        e = obs.credentials_error
        return [f"Could not get guest credentials: {e.code} from {e.operation}; {e.hint}."]
    for failure in failures:
        if failure.aspect == "credentials lifetime" and failure.expected.startswith("≤"):
            notes.append(
                "Guest credentials live longer than expected: Cognito's enhanced-flow keys last "
                "one hour, so these were not issued by GetCredentialsForIdentity as configured."
            )

    if request is None or obs.status is None:
        return notes

    error_type = obs.error_type or ""
    message = obs.message
    status_failed = any(f.aspect == "status" for f in failures)
    expected_403 = 403 in scenario.expect.status

    # -- a request that should have been refused got through --------------------------------
    if status_failed and expected_403 and 200 <= obs.status < 300:
        if mode == "none":
            notes.append(
                "The API answered an unsigned request: AWS_IAM auth is off on this method "
                "(Auth.DefaultAuthorizer: AWS_IAM missing from the Api?)."
            )
        elif mode in BAD_SIGNATURES or scenario.signing.clock_offset_seconds:
            notes.append(
                "The API accepted a request whose signature is wrong: auth is off on this "
                "method (no AWS_IAM authorizer), so signatures are not checked at all."
            )
        else:
            notes.append(
                f"A guest may call {request.method} {request.path}"
                f"{' on stage ' + request.stage if request.stage else ''}: the guest role's "
                "policy is too wide (its execute-api:Invoke Resource should name only "
                "${Api}/${StageName}/GET/demo, not ${Api}/*), or auth is off on the method."
            )

    # -- a guest call that should have worked was refused ------------------------------------
    if status_failed and not expected_403 and obs.status == 403 and mode in SIGNED_AS_GUEST:
        if error_type == "MissingAuthenticationTokenException":
            notes.append(
                "Missing Authentication Token on a signed call means API Gateway has no such "
                "stage, resource or method: check the stage in ApiUrl and the path, or the API "
                "is not deployed to this stage."
            )
        elif error_type == "InvalidSignatureException" and message.startswith(SKEW_PREFIXES):
            notes.append(
                "The signature's date is more than 5 minutes off the server's clock even after "
                "skew correction: check this machine's clock (NTP)."
            )
        elif error_type in ("InvalidSignatureException", "IncompleteSignatureException"):
            notes.append(
                "InvalidSignature on a guest call: check the clock and the signing region (it "
                "must be the stack's Region output); a proxy that rewrites the path or headers "
                "also breaks the signature."
            )
        elif error_type == "AccessDeniedException" and "session policy" in message.lower():
            notes.append(
                "Denied by a session policy: the enhanced flow's Cognito scope-down policy does "
                "not let guest credentials call this API. See the README's section on the "
                "enhanced-flow scope-down; the basic flow (AllowClassicFlow) is the documented "
                "way out."
            )
        elif error_type == "AccessDeniedException":
            notes.append(
                "AccessDenied: the guest role's policy does not allow execute-api:Invoke on this "
                "method's ARN (check the GuestRole policy Resource: API id, stage, method, path)."
            )
        elif error_type == "UnrecognizedClientException":
            notes.append(
                "The API does not recognise the guest keys: the Cognito endpoint and the API "
                "must belong to the same account and stack."
            )
        elif error_type == "ExpiredTokenException":
            notes.append("The guest keys had expired: the credential refresh did not happen.")
    if status_failed and obs.status == 429:
        notes.append(
            "Throttled (429): the stage's ThrottlingRateLimit/ThrottlingBurstLimit were hit; "
            "run the suite again or raise the limits."
        )
    if status_failed and obs.status >= 500:
        notes.append(
            f"The API failed with {obs.status} ({error_type or 'no error type'}): an integration "
            "or gateway error, not a refusal; see the API's execution logs."
        )
    if status_failed and request.method == "OPTIONS" and obs.status == 403:
        notes.append(
            "The CORS preflight needs auth: set Auth.AddDefaultAuthorizerToCorsPreflight: false "
            "(browsers never sign the preflight)."
        )
    # -- headers and body ------------------------------------------------------------------------
    if status_failed:
        # A wrong status explains the headers and body that go with it; notes about them
        # (e.g. "the 200 lacks CORS" on a 200 that should have been a 403) would mislead.
        return notes
    for failure in failures:
        aspect = failure.aspect.lower()
        if aspect == "header access-control-allow-origin":
            if obs.status >= 500:
                notes.append(
                    "A 5xx answer lacks Access-Control-Allow-Origin: add the CORS headers to the "
                    "DEFAULT_5XX gateway response too."
                )
            elif obs.status >= 400:
                notes.append(
                    "A 4xx answer lacks Access-Control-Allow-Origin: the DEFAULT_4XX gateway "
                    "response has no CORS headers, so a browser reports every 403 as a CORS "
                    "error. Add them under the Api's GatewayResponses."
                )
            elif request.method == "OPTIONS":
                notes.append(
                    "The preflight's Access-Control-Allow-Origin does not allow this origin: "
                    "check the AllowedOrigin parameter (and --origin)."
                )
            else:
                notes.append(
                    "The 200 lacks Access-Control-Allow-Origin: SAM's Cors only adds OPTIONS, so "
                    "the GET integration response must map the header itself."
                )
        elif aspect == "header access-control-allow-headers":
            notes.append(
                "The preflight does not allow every SigV4 header: Cors.AllowHeaders must list "
                "Authorization, X-Amz-Date, X-Amz-Security-Token and X-Amz-Content-Sha256."
            )
        elif aspect == "header access-control-allow-methods":
            notes.append("The preflight does not allow the method: check Cors.AllowMethods.")
        elif aspect == "body identityid" and obs.status == 200:
            notes.append(
                "The API did not see the caller's Cognito identity: either the method has no "
                "AWS_IAM auth (API Gateway then knows no caller), or the GET response template "
                "does not use $context.identity.cognitoIdentityId."
            )
        elif aspect == "header x-amzn-errortype" and not status_failed and not notes:
            notes.append(
                f"Refused with {error_type or 'no error type'} instead: {message or 'no message'}."
            )
    return notes
