"""The attestation function in a fresh interpreter, as Lambda starts it: a refusal on the cheap
checks never imports the verifier libraries, and the environment names the metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from _attestation_harness import FUNCTION_DIR, emf
from guestapi.attestation.apple_evidence import AppAttestKey

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
    return {**json.loads(last), "emf": emf("\n".join(others))}


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
