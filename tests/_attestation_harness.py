"""The attestation function (functions/attestation) run in-process with proxy events, against
moto's DynamoDB, SSM and Cognito Identity, with a TEST root trusted unless a test says otherwise.

The function's modules are loaded from its CodeUri as Lambda would (the directory on sys.path);
its `app` module under a unique name, as other functions have an `app` module too.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import json
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from guestapi.attestation.apple_evidence import AppAttestKey
from guestapi.attestation.play_evidence import integrity_token
from guestapi.attestation.test_root import TestRoot

FUNCTION_DIR = Path(__file__).resolve().parents[1] / "functions" / "attestation"
REGION = "us-east-1"
TABLE = "attestation-table"
APP_ID = "TESTTEAM01.dev.guestapi.unit"
PACKAGE = "dev.guestapi.unit"
KEYS_PARAMETER = "/unit/attestation/play-integrity-keys"
HASHES_PARAMETER = "/unit/attestation/debug-token-hashes"
PROVIDER = "attested.unit"
DEBUG_TOKEN = (
    "uNiT7eSt-d3bUg_t0KeN-Qx9Zr2LmW8vKp4Hs6Jc1Ya"  # 43 characters, as debug_token.py makes
)
INSTALL_SECRET = "aNdR0iD-1nStaLL_s3cReT-kP7wQ2zX9mV4bN6cR8t"
T0 = 1_800_000_000.0
SERVICE = "attestation"  # POWERTOOLS_SERVICE_NAME, the metrics' and logs' service


def load_function() -> ModuleType:
    """functions/attestation/app.py as `attestation_function_app` (loaded once per session).

    Imported with the service name in the environment, as Lambda imports it: Powertools' Logger
    and Metrics read it once, at import, whichever test happens to load the function first.
    """
    name = "attestation_function_app"
    if name in sys.modules:
        return sys.modules[name]
    if str(FUNCTION_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTION_DIR))  # its attest_* modules, as Lambda's task root
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("POWERTOOLS_SERVICE_NAME", SERVICE)
        spec.loader.exec_module(module)
    return module


@dataclass
class Clock:
    now: float = T0

    def __call__(self) -> float:
        return self.now


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def codes(self) -> list[str]:
        return [r.code for r in self.records if r.getMessage() == "refused"]  # type: ignore[attr-defined]

    def text(self) -> str:
        return "\n".join(f"{r.getMessage()} {r.__dict__}" for r in self.records)


def proxy_event(route: str, body: Any) -> dict[str, Any]:
    """A REST API proxy event (format 1.0) for POST `route`."""
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    return {
        "resource": route,
        "path": route,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "dev",
            "resourcePath": route,
            "httpMethod": "POST",
            "path": "/dev" + route,
            "identity": {"sourceIp": "192.0.2.1"},
        },
        "body": text,
        "isBase64Encoded": False,
    }


def emf(out: str) -> list[dict[str, Any]]:
    """The EMF documents printed (one JSON object a line, with an `_aws` member)."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [doc for doc in lines if "_aws" in doc]


def b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode()


@dataclass
class Harness:
    module: ModuleType
    settings: Any
    root: TestRoot
    clock: Clock
    logs: Records
    service_options: dict[str, Any] = field(default_factory=dict)

    def reconfigure(self, **changes: Any) -> None:
        """New settings (and service collaborators), as a new sandbox with that environment."""
        options = {k: changes.pop(k) for k in list(changes) if k in _SERVICE_OPTIONS}
        self.service_options.update(options)
        self.settings = dataclasses.replace(self.settings, **changes)
        collaborators = {
            "table": boto3.resource("dynamodb", region_name=REGION).Table(TABLE),
            "cognito": boto3.client("cognito-identity", region_name=REGION),
            **self.service_options,
        }
        service = self.module.AttestationService(self.settings, **collaborators)
        self.module.configure(service)

    def post(self, route: str, body: Any) -> tuple[int, dict[str, Any]]:
        context = SimpleNamespace(
            function_name="attestation",
            memory_limit_in_mb=512,
            invoked_function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:attestation",
            aws_request_id=str(uuid.uuid4()),
        )
        answer = self.module.handler(proxy_event(route, body), context)
        return answer["statusCode"], json.loads(answer["body"])

    def challenge(self) -> str:
        status, body = self.post("/attest/challenge", {})
        assert status == 200, body
        return body["challenge"]

    # ----- evidence -----------------------------------------------------------------------
    def apple_body(self, key: AppAttestKey, challenge: str, **forge: Any) -> dict[str, Any]:
        signed = forge.pop("signed_challenge", challenge)
        app_id = forge.pop("app_id", APP_ID)
        root = forge.pop("root", self.root)
        environment = forge.pop("environment", "production")
        made = key.attestation(signed, app_id, root, environment, **forge)
        return {
            "kind": "apple",
            "challenge": challenge,
            "keyId": key.key_id_b64,
            "attestation": b64(made),
        }

    def attest_apple(self, key: AppAttestKey | None = None, **forge: Any) -> tuple[int, dict]:
        return self.post(
            "/attest", self.apple_body(key or AppAttestKey.generate(), self.challenge(), **forge)
        )

    def refresh(
        self, key: AppAttestKey, counter: int, *, app_id: str = APP_ID, signed: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        challenge = self.challenge()
        made = key.assertion((signed or challenge).encode(), app_id, counter)
        return self.post(
            "/attest/refresh",
            {"keyId": key.key_id_b64, "challenge": challenge, "assertion": b64(made)},
        )

    def android_body(
        self, challenge: str, install_secret: str = INSTALL_SECRET, **forge: Any
    ) -> dict[str, Any]:
        nonce = forge.pop("nonce", sha256(challenge.encode() + install_secret.encode()).digest())
        package = forge.pop("package_name", PACKAGE)
        keys = forge.pop("keys", self.root.play)
        forge.setdefault("timestamp_ms", int(self.clock.now * 1000))
        token = integrity_token(keys, package_name=package, nonce=nonce, **forge)
        return {
            "kind": "android",
            "challenge": challenge,
            "installSecret": install_secret,
            "integrityToken": token,
        }

    def debug_body(self, challenge: str, token: str = DEBUG_TOKEN) -> dict[str, Any]:
        return {"kind": "debug", "challenge": challenge, "debugToken": token}


_SERVICE_OPTIONS = ("keys", "read_parameter", "cognito")


@contextmanager
def running(monkeypatch: pytest.MonkeyPatch, root: TestRoot) -> Iterator[Harness]:
    """moto for DynamoDB, SSM and Cognito Identity; the function configured for them."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": SERVICE,
    }.items():
        monkeypatch.setenv(name, value)
    module = load_function()
    logs = Records()
    module.logger.addHandler(logs)
    parameters.clear_caches()  # powertools caches values across the tests' separate moto worlds
    with mock_aws():
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(
            Name=KEYS_PARAMETER, Type="SecureString", Value=root.play_integrity_keys_json()
        )
        token_hash = sha256(DEBUG_TOKEN.encode()).hexdigest()
        ssm.put_parameter(
            Name=HASHES_PARAMETER, Type="StringList", Value=f"{'0' * 64},{token_hash}"
        )
        clock = Clock()
        settings = module.Settings(
            table_name=TABLE,
            identity_pool_id=f"{REGION}:00000000-0000-0000-0000-000000000000",
            developer_provider_name=PROVIDER,
            apple_app_id=APP_ID,
            apple_production=True,
            android_package_name=PACKAGE,
            play_integrity_keys_parameter=KEYS_PARAMETER,
            debug_token_hashes_parameter=HASHES_PARAMETER,
            debug_tokens_allowed=True,
            test_root_pem=root.root_pem,
            clock=clock,
        )
        harness = Harness(module, settings, root, clock, logs)
        harness.reconfigure()
        try:
            yield harness
        finally:
            module.logger.removeHandler(logs)
            parameters.clear_caches()
