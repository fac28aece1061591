"""The attestation function's metrics: the EMF it prints per the contract of docs/attestation.md
(the template's dashboard and alarm read these names and dimensions), and nothing secret in them.
Also: a refusal on the cheap checks never imports the verifier libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from _attestation_harness import DEBUG_TOKEN, FUNCTION_DIR, INSTALL_SECRET, Harness, running

from guestapi.attestation.apple_evidence import AppAttestKey
from guestapi.attestation.test_root import TestRoot

NAMESPACE = "GuestApi/Attestation"


@pytest.fixture(scope="module")
def root() -> TestRoot:
    return TestRoot.generate()


@pytest.fixture
def fn(monkeypatch: pytest.MonkeyPatch, root: TestRoot) -> Iterator[Harness]:
    with running(monkeypatch, root) as harness:
        yield harness


def _emf(out: str) -> list[dict[str, Any]]:
    """The EMF documents printed (one JSON object a line, with an `_aws` member)."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [doc for doc in lines if "_aws" in doc]


def _metrics(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """(metric name, {dimension: value}) for every metric of every document."""
    found = []
    for doc in docs:
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        (dimensions,) = directive["Dimensions"]
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count" and doc[metric["Name"]] == [1.0]
            found.append((metric["Name"], {name: doc[name] for name in dimensions}))
    return found


def test_an_admitted_attestation_counts_admitted_by_kind(fn: Harness, capsys) -> None:
    capsys.readouterr()
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    assert fn.post("/attest", fn.android_body(fn.challenge()))[0] == 200
    assert fn.post("/attest", fn.debug_body(fn.challenge()))[0] == 200
    assert fn.refresh(key, 1)[0] == 200
    service = {"service": "attestation"}
    challenge = ("ChallengesIssued", service)
    assert _metrics(_emf(capsys.readouterr().out)) == [
        challenge,
        ("Admitted", {**service, "kind": "apple"}),
        challenge,
        ("Admitted", {**service, "kind": "android"}),
        challenge,
        ("Admitted", {**service, "kind": "debug"}),
        challenge,
        ("Admitted", {**service, "kind": "apple"}),  # a refresh counts as apple
    ]


def test_a_refusal_counts_refused_and_refused_by_code(fn: Harness, capsys) -> None:
    capsys.readouterr()
    assert fn.post("/attest", fn.debug_body("C" * 43))[0] == 403  # never issued
    assert fn.post("/attest/refresh", "[" * 100)[0] == 400
    assert fn.post("/attest/challenge", "[1]")[0] == 400  # a challenge request: not counted
    service = {"service": "attestation"}
    assert _metrics(_emf(capsys.readouterr().out)) == [
        ("RefusedByCode", {**service, "code": "challenge_unknown"}),
        ("Refused", service),
        ("RefusedByCode", {**service, "code": "malformed_request"}),
        ("Refused", service),
    ]


def test_the_emf_is_powertools_own_and_names_the_service(fn: Harness, capsys) -> None:
    capsys.readouterr()
    fn.post("/attest", fn.debug_body("C" * 43))
    docs = _emf(capsys.readouterr().out)
    refused = next(d for d in docs if "Refused" in d)
    assert refused["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert isinstance(refused["_aws"]["Timestamp"], int)


def test_no_metric_or_log_carries_evidence_tokens_or_secrets(
    fn: Harness, capfd: pytest.CaptureFixture
) -> None:
    seen: list[str] = [DEBUG_TOKEN, INSTALL_SECRET]
    apple = fn.apple_body(AppAttestKey.generate(), fn.challenge())
    android = fn.android_body(fn.challenge())
    for body in (apple, android, fn.debug_body(fn.challenge())):
        status, answer = fn.post("/attest", body)
        assert status == 200
        seen.append(answer["Token"])
    seen += [apple["attestation"], android["integrityToken"]]
    refused = fn.android_body(fn.challenge(), package_name="com.other")
    assert fn.post("/attest", refused)[0] == 403
    seen.append(refused["integrityToken"])
    out = capfd.readouterr().out
    logged = fn.logs.text() + out
    assert len(_emf(out)) >= 7 and "refused" in logged  # metrics and logs were printed...
    for secret in seen:
        assert secret not in logged  # ...and none holds a secret
        assert secret[:24] not in logged


LAZY_PROBE = """
import json, sys
sys.path.insert(0, {function_dir!r})
import app
from types import SimpleNamespace
def post(body):
    event = {{"resource": "/attest", "path": "/attest", "httpMethod": "POST", "headers": {{}},
             "requestContext": {{"requestId": "r", "resourcePath": "/attest"}},
             "body": json.dumps(body), "isBase64Encoded": False}}
    context = SimpleNamespace(function_name="f", memory_limit_in_mb=512, aws_request_id="r",
                              invoked_function_arn="arn:aws:lambda:us-east-1:1:function:f")
    return app.handler(event, context)["statusCode"]
loaded = lambda: sorted(m for m in ("pyattest", "pyhanko_certvalidator", "jose", "aiohttp")
                        if m in sys.modules)
statuses = [post(body) for body in {bodies!r}]
before = loaded()
import attest_apple, attest_android  # what the function imported eagerly before: the control
print(json.dumps({{"statuses": statuses, "loaded": before, "after_eager_import": loaded()}}))
"""


def _probe(bodies: list[Any]) -> dict[str, Any]:
    env = {
        **os.environ,
        "ATTESTATION_TABLE": "t",
        "IDENTITY_POOL_ID": "us-east-1:00000000-0000-0000-0000-000000000000",
        "DEVELOPER_PROVIDER_NAME": "d",
        "APPLE_APP_ID": "TEAM000000.a.b",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_METRICS_NAMESPACE": "Custom/Probe",
        "POWERTOOLS_SERVICE_NAME": "probe-attestation",
    }
    code = LAZY_PROBE.format(function_dir=str(FUNCTION_DIR), bodies=bodies)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    *others, last = done.stdout.strip().splitlines()
    return {**json.loads(last), "emf": _emf("\n".join(others))}


def test_cheap_refusals_never_import_the_verifiers_and_the_env_names_the_metrics() -> None:
    key = AppAttestKey.generate()
    malformed = [
        {"kind": "apple", "challenge": "C" * 43, "keyId": key.key_id_b64, "attestation": "oA"},
        {"kind": "android", "challenge": "C" * 43, "installSecret": "weak", "integrityToken": "a"},
        {"kind": "carrier-pigeon"},
    ]
    probe = _probe(malformed)
    assert probe["statuses"] == [403, 400, 400]
    assert probe["loaded"] == []  # none of pyattest, pyhanko, jose, aiohttp
    # The control: importing the verifier modules, as app.py once did at start, loads them all.
    assert probe["after_eager_import"] == ["jose", "pyattest", "pyhanko_certvalidator"]
    refused = [d for d in probe["emf"] if "Refused" in d]
    assert len(refused) == 3
    assert refused[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Custom/Probe"
    assert refused[0]["service"] == "probe-attestation"
