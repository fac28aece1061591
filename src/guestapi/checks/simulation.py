"""Least-privilege probes: what iam:SimulatePrincipalPolicy says the guest role may do anywhere
(a signed call only shows what one method answers). Every signed method of the API must be
allowed; another stage, method, path or API, the other execute-api actions and a few high-value
actions of other services must be denied; each row names the statement that decided. The same
calls serve AWS and the offline stack (its IamEndpoint and ApiGatewayEndpoint outputs).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from guestapi import deployer
from guestapi.checks.methods import ApiMethod, methods_from_apigateway, stage_throttles
from guestapi.checks.runner import CheckResult
from guestapi.checks.target import TargetError
from guestapi.template.openapi import PUBLIC_MARK

# A stage, path, API id and pool no template makes: what a guest must never reach.
OTHER_STAGE = "guestapi-probe-stage"
OTHER_PATH = "/guestapi-probe-path"
OTHER_API_ID = "zz00probe0"
_OTHER_METHODS = ("DELETE", "PUT", "POST", "PATCH", "GET")


@dataclass(frozen=True)
class ArnScope:
    """Where the stack's ARNs live: from GuestRoleArn (partition, account) and the outputs."""

    partition: str
    region: str
    account: str
    api_id: str
    stage: str

    def method_arn(self, tail: str, *, stage: str | None = None, api_id: str | None = None) -> str:
        where = f"{self.region}:{self.account}:{api_id or self.api_id}/{stage or self.stage}"
        return f"arn:{self.partition}:execute-api:{where}/{tail}"


@dataclass(frozen=True)
class Probe:
    name: str
    title: str
    action: str
    resource: str
    allowed: bool  # what least privilege demands
    method: ApiMethod | None = None  # the API method an "allowed" probe stands for


def scope_from(role_arn: str, region: str, api_id: str, stage: str) -> ArnScope:
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[4]:
        raise TargetError(f"GuestRoleArn {role_arn!r} is not an IAM role ARN")
    return ArnScope(parts[1], region, parts[4], api_id, stage)


def probes_for(scope: ArnScope, methods: Sequence[ApiMethod]) -> list[Probe]:
    """One allowed probe per signed method of the API, then every probe that must be denied."""
    invoke = "execute-api:Invoke"
    probes = [
        Probe(
            f"iam-allows-{m.method}-{m.path}",
            f"guest role may invoke {m.label}",
            invoke,
            scope.method_arn(m.arn_tail()),
            True,
            m,
        )
        for m in methods
        if not m.public
    ]
    served = {(m.method, m.path) for m in methods}
    first = next((m for m in methods if not m.public), ApiMethod("GET", "/"))
    other_method = next(v for v in _OTHER_METHODS if (v, first.path) not in served)
    region, account, p = scope.region, scope.account, scope.partition
    denied = [
        ("other-stage", f"{first.label} on another stage", invoke,
         scope.method_arn(first.arn_tail(), stage=OTHER_STAGE)),
        ("other-method", f"{other_method} {first.path} (not served)", invoke,
         scope.method_arn(ApiMethod(other_method, first.path).arn_tail())),
        ("other-path", f"GET {OTHER_PATH} (not served)", invoke,
         scope.method_arn(ApiMethod("GET", OTHER_PATH).arn_tail())),
        ("other-api", f"{first.label} on another API of the account", invoke,
         scope.method_arn(first.arn_tail(), api_id=OTHER_API_ID)),
        ("manage-connections", "execute-api:ManageConnections", "execute-api:ManageConnections",
         scope.method_arn("POST/@connections/probe")),
        ("invalidate-cache", "execute-api:InvalidateCache", "execute-api:InvalidateCache",
         scope.method_arn(first.arn_tail())),
        ("s3-get-object", "s3:GetObject", "s3:GetObject", f"arn:{p}:s3:::guestapi-probe/key"),
        ("dynamodb-scan", "dynamodb:Scan", "dynamodb:Scan",
         f"arn:{p}:dynamodb:{region}:{account}:table/guestapi-probe"),
        ("iam-pass-role", "iam:PassRole", "iam:PassRole", f"arn:{p}:iam::{account}:role/probe"),
        ("sts-assume-role", "sts:AssumeRole", "sts:AssumeRole",
         f"arn:{p}:iam::{account}:role/probe"),
        ("cognito-other-pool", "cognito-identity:* on another identity pool",
         "cognito-identity:GetCredentialsForIdentity",
         f"arn:{p}:cognito-identity:{region}:{account}:identitypool/"
         f"{region}:00000000-0000-4000-8000-000000000000"),
        ("lambda-invoke", "lambda:InvokeFunction", "lambda:InvokeFunction",
         f"arn:{p}:lambda:{region}:{account}:function:guestapi-probe"),
    ]  # fmt: skip
    probes += [
        Probe(f"iam-denies-{n}", f"guest role may not: {t}", a, r, False) for n, t, a, r in denied
    ]
    return probes


def _decided_by(result: dict[str, Any]) -> str:
    statements = result.get("MatchedStatements") or []
    if not statements:
        return "no statement matched"
    first = statements[0]
    start, end = first.get("StartPosition") or {}, first.get("EndPosition") or {}
    where = f"lines {start.get('Line')}-{end.get('Line')}" if start else "a statement"
    return f"{first.get('SourcePolicyId', 'a policy')} {where}"


def _diagnosis(probe: Probe, decision: str, decided_by: str) -> str:
    if probe.allowed:
        return (
            f"{probe.method.label if probe.method else probe.resource} is served by the API, but "
            f"the guest role does not allow execute-api:Invoke on {probe.resource} ({decision}): "
            "grant that method ARN in the guest role's policy, or mark the operation "
            f"`{PUBLIC_MARK}: true` if it is meant to be called unsigned"
        )
    return (
        f"the guest role allows {probe.action} on {probe.resource} ({decided_by}): its policy is "
        "wider than the API's methods. Name each method ARN (…/STAGE/METHOD/path): no wildcard, "
        "no execute-api:*, no NotAction/NotResource"
    )


def run_probes(iam: Any, role_arn: str, probes: Sequence[Probe]) -> list[CheckResult]:
    """One SimulatePrincipalPolicy call per probe; a refused call is a bad target (exit 2)."""
    results = []
    for probe in probes:
        started = time.monotonic()
        try:
            answer = iam.simulate_principal_policy(
                PolicySourceArn=role_arn, ActionNames=[probe.action], ResourceArns=[probe.resource]
            )
        except (BotoCoreError, ClientError) as exc:
            raise TargetError(
                f"iam:SimulatePrincipalPolicy on {role_arn} failed ({exc}); the caller needs "
                "iam:SimulatePrincipalPolicy on the guest role"
            ) from None
        [result] = answer["EvaluationResults"]
        decision = result["EvalDecision"]
        decided_by = _decided_by(result)
        passed = (decision == "allowed") == probe.allowed
        expected = "allowed" if probe.allowed else "denied"
        results.append(
            CheckResult(
                scenario=probe.name,
                title=probe.title,
                expected=expected,
                got=f"{decision} ({decided_by})",
                passed=passed,
                diagnosis=None if passed else _diagnosis(probe, decision, decided_by),
                failures=() if passed else (f"decision: expected {expected}, got {decision}",),
                seconds=time.monotonic() - started,
            )
        )
    return results


_AWS_API_HOST = re.compile(r"^([a-z0-9]{10})\.execute-api\.")


def api_id_of(outputs: Mapping[str, str]) -> str | None:
    """The API id: from an AWS ApiUrl's host name, else the ApiId output (offline)."""
    host = urlsplit(outputs.get("ApiUrl", "")).hostname or ""
    found = _AWS_API_HOST.match(host)
    return found.group(1) if found else outputs.get("ApiId") or None


def control_plane_client(service: str, outputs: Mapping[str, str], region: str) -> Any:
    """A botocore client for `service` ("iam", "apigateway") of the stack `outputs` name.

    With an endpoint output (IamEndpoint, ApiGatewayEndpoint: the offline stack), the client
    calls it and signs as the offline deployer (guestapi.deployer), the identity that stack
    knows; without one, it calls AWS with the caller's own credentials, as any SDK would.
    """
    session = botocore.session.get_session()
    endpoint = outputs.get(_ENDPOINT_OUTPUTS[service])
    if endpoint:
        return session.create_client(
            service,
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=deployer.ACCESS_KEY_ID,
            aws_secret_access_key=deployer.SECRET_ACCESS_KEY,
        )
    return session.create_client(service, region_name=region)


_ENDPOINT_OUTPUTS = {"iam": "IamEndpoint", "apigateway": "ApiGatewayEndpoint"}


@dataclass(frozen=True)
class Probing:
    """What the probes found: their rows, the API's methods and which the role may invoke."""

    results: list[CheckResult] = field(default_factory=list)
    skipped: str | None = None  # why no probe ran
    methods: list[ApiMethod] = field(default_factory=list)
    allowed: dict[ApiMethod, bool] = field(default_factory=dict)


def probe_stack(
    outputs: Mapping[str, str],
    *,
    apigateway: Any = None,
    iam: Any = None,
) -> Probing:
    """Run the probes on the stack `outputs` name (or say why they cannot run)."""
    role_arn, region = outputs.get("GuestRoleArn"), outputs.get("Region", "")
    if not role_arn:
        return Probing(skipped="no GuestRoleArn output")
    api_id = api_id_of(outputs)
    if api_id is None:
        return Probing(skipped="no API id (an AWS ApiUrl or an ApiId output)")
    methods = methods_from_apigateway(
        apigateway or control_plane_client("apigateway", outputs, region), api_id
    )
    iam = iam or control_plane_client("iam", outputs, region)
    stage = urlsplit(outputs["ApiUrl"]).path.strip("/")
    probes = probes_for(scope_from(role_arn, region, api_id, stage), methods)
    results = run_probes(iam, role_arn, probes)
    allowed = {
        probe.method: result.got.startswith("allowed")
        for probe, result in zip(probes, results, strict=True)
        if probe.method is not None
    }
    attested_arn = outputs.get("AttestedRoleArn")
    if attested_arn:
        # The attested role must be able to do exactly what the guest role may, nothing more:
        # attestation decides who gets in, not what they may do.
        same = [
            replace(
                p,
                name=p.name.replace("iam-", "iam-attested-", 1),
                title=f"attested role: {p.title}",
            )
            for p in probes_for(scope_from(attested_arn, region, api_id, stage), methods)
        ]
        results += run_probes(iam, attested_arn, same)
    return Probing(results, None, methods, allowed)


def with_throttle_limits(
    results: list[CheckResult], outputs: Mapping[str, str], apigateway: Any = None
) -> list[CheckResult]:
    """Rows that stayed throttled, their diagnosis naming the stage's limits (GetStage)."""
    if not any(r.got.startswith("429") and not r.passed for r in results):
        return results
    api_id, region = api_id_of(outputs), outputs.get("Region", "")
    if api_id is None:
        return results
    stage = urlsplit(outputs["ApiUrl"]).path.strip("/")
    client = apigateway or control_plane_client("apigateway", outputs, region)
    limits = stage_throttles(client, api_id, stage)
    if not limits:
        return results
    note = f" Stage {stage}'s throttle settings: {limits}."
    return [
        replace(r, diagnosis=(r.diagnosis or "") + note)
        if r.got.startswith("429") and not r.passed
        else r
        for r in results
    ]
