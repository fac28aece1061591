"""Attested installs end to end on the offline stack, from template.yaml, through real SDKs:
the attestation function (pyattest in a warm sandbox), DynamoDB, SSM, Cognito's developer
identities and the attested role, for each AttestationMode."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from _template_variants import write_variant
from guestapi.cli.check import run_suite
from guestapi.cli.debug_token import token_hash
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.client.attested import (
    AttestationRefused,
    AttestedCredentialProvider,
    DebugTokenAttester,
)
from guestapi.client.attesters import attester_from_spec
from guestapi.offline import attestation_root, launch

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


def _serve(
    tmp: Path,
    mode: str,
    *,
    test_root: bool = True,
    template: Path = TEMPLATE,
    extra: dict[str, str] | None = None,
) -> Iterator[dict[str, str]]:
    overrides = {"AttestationMode": mode, **(extra or {})}
    setup = attestation_root.prepare(tmp / "root", overrides) if test_root else None
    if setup is not None:
        overrides = setup.overrides
    # One stack name per stack: two live stacks of one name would share the SSM parameter
    # name, which moto (and CloudFormation) refuse.
    offline = launch.build(template, overrides=overrides, stack_name=f"attest-{tmp.name}"[:60])
    if setup is not None:
        attestation_root.apply(offline, setup)
    with launch.running(offline) as outputs:
        if setup is not None:
            outputs["AttestationTestRoot"] = str(setup.directory)
        yield outputs


# The module's tests share each stack, and together they call the public /attest routes more
# often than the stage's default throttle (10 rps, burst 20) lets through in a second or two;
# throttling has tests of its own.
ROOMY_THROTTLE = {"ThrottlingRateLimit": "1000", "ThrottlingBurstLimit": "2000"}


@pytest.fixture(scope="module")
def enforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    yield from _serve(tmp_path_factory.mktemp("enforce"), "enforce", extra=ROOMY_THROTTLE)


@pytest.fixture(scope="module")
def monitor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    yield from _serve(tmp_path_factory.mktemp("monitor"), "monitor", extra=ROOMY_THROTTLE)


def _demo(provider: GuestCredentialProvider, outputs: dict[str, str]) -> requests.Response:
    return signed_session(provider, outputs["Region"]).get(outputs["ApiUrl"] + "/demo", timeout=15)


def _attested(outputs: dict[str, str], spec: str = "test-apple") -> AttestedCredentialProvider:
    return AttestedCredentialProvider.from_outputs(outputs, attester_from_spec(spec, outputs))


def test_enforce_admits_an_attested_install_and_refuses_guests(enforce) -> None:
    provider = _attested(enforce)
    answer = _demo(provider, enforce)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["authenticationType"] == "authenticated"
    assert body["identityId"] == provider.identity_id()
    cognito = boto3.client(
        "cognito-identity",
        region_name=enforce["Region"],
        endpoint_url=enforce["CognitoIdentityEndpoint"],
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError) as refused:
        cognito.get_id(IdentityPoolId=enforce["IdentityPoolId"])
    assert refused.value.response["Error"]["Message"] == (
        "Unauthenticated access is not supported for this identity pool."
    )


def test_refresh_by_assertion_keeps_the_identity(enforce) -> None:
    provider = _attested(enforce)
    first = provider.fetch()
    second = provider.fetch()
    assert (provider.attestations, provider.refreshes) == (1, 1)
    assert second.identity_id == first.identity_id
    assert second.access_key_id != first.access_key_id


def test_play_integrity_installs_get_in_too(enforce) -> None:
    answer = _demo(_attested(enforce, "test-android"), enforce)
    assert answer.status_code == 200, answer.text
    assert answer.json()["authenticationType"] == "authenticated"


def test_monitor_admits_both_and_the_answer_says_which(monitor) -> None:
    guest = _demo(GuestCredentialProvider.from_outputs(monitor), monitor)
    attested = _demo(_attested(monitor), monitor)
    assert (guest.status_code, attested.status_code) == (200, 200)
    assert guest.json()["authenticationType"] == "unauthenticated"
    assert attested.json()["authenticationType"] == "authenticated"
    # The greeting too: an attested install is not greeted as a guest.
    assert guest.json()["message"].startswith("Hello, guest: ")
    assert attested.json()["message"].startswith("Hello, attested install: ")


def test_the_check_suite_passes_in_enforce_mode(enforce, tmp_path, capsys) -> None:
    report = tmp_path / "results.json"
    code = run_suite(
        enforce,
        None,
        attester=attester_from_spec("test-apple", enforce),
        json_path=report,
    )
    out = capsys.readouterr().out
    assert code == 0, out
    names = {row["scenario"] for row in json.loads(report.read_text())["results"]}
    # the mode's own scenarios ran, and the guest ones that cannot pass in enforce did not
    assert {"attested-get", "attested-post", "guest-refused"} <= names
    assert "guest-get" not in names
    assert {"attest-challenge-replayed", "attest-forged-untrusted-root"} <= names


@pytest.mark.parametrize("stack", ["monitor", "enforce"])
def test_without_an_attester_the_run_fails_saying_what_it_did_not_prove(
    stack, tmp_path, capsys
) -> None:
    # Every row it can run passes (the guest rows in monitor, the refusals in enforce), yet the
    # attested path, which the stack exists for, went unchecked: not a green run. A stack of its
    # own: the shared ones' throttle buckets are for the tests that use them.
    report = tmp_path / "results.json"
    for outputs in _serve(tmp_path, stack):
        code = run_suite(outputs, None, json_path=report)
    out = capsys.readouterr().out
    document = json.loads(report.read_text())
    assert all(row["passed"] for row in document["results"]), out
    assert code == 1, out
    line = "NOT proven: attested installs (pass --attest debug:env"
    assert line in out
    assert any(p.startswith(line) and p.endswith(f"AttestationMode is {stack}")
               for p in document["proven"])  # fmt: skip


def test_without_the_flag_test_evidence_is_untrusted(tmp_path) -> None:
    # The default configuration trusts Apple's root only. The control is the enforce fixture,
    # where the same kind of evidence is admitted because the stack was told to trust the root.
    for outputs in _serve(tmp_path, "monitor", test_root=False):
        made = attestation_root.prepare(tmp_path / "elsewhere", {})
        outputs = {**outputs, "AttestationTestRoot": str(made.directory)}
        with pytest.raises(AttestationRefused) as refused:
            _attested(outputs).credentials()
        # Without the flag the test app ids are not set either: AppleAppId is empty, Apple off.
        assert refused.value.code == "provider_not_configured"
    # With an AppleAppId the evidence reaches the chain check, against Apple's root only.
    for outputs in _serve(
        tmp_path / "with-app", "monitor", test_root=False, template=_with_apple_app_id(tmp_path)
    ):
        made = attestation_root.prepare(tmp_path / "elsewhere2", {})
        outputs = {**outputs, "AttestationTestRoot": str(made.directory)}
        with pytest.raises(AttestationRefused) as refused:
            _attested(outputs).credentials()
        assert refused.value.code == "untrusted_root"


def _with_apple_app_id(tmp_path: Path) -> Path:
    app_id = attestation_root.TEST_APPS["AppleAppId"]
    return write_variant(
        TEMPLATE,
        tmp_path,
        (
            '  AppleAppId:\n    Type: String\n    Default: ""',
            f'  AppleAppId:\n    Type: String\n    Default: "{app_id}"',
        ),
        alongside=("functions",),
    )


def test_a_widened_attested_role_fails_the_suite(tmp_path, capsys) -> None:
    # Protection removed: the attested role may invoke any method. attested-post must catch it.
    widened = write_variant(
        TEMPLATE,
        tmp_path,
        (
            '"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${Stage}/GET/demo"',
            '"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${Stage}/*"',
        ),
        (
            "          /demo:\n            get:",
            "          /demo:\n            post:\n              x-amazon-apigateway-integration:\n"
            "                type: mock\n                requestTemplates:\n"
            "                  application/json: '{\"statusCode\": 200}'\n"
            "                responses:\n                  default:\n"
            '                    statusCode: "200"\n            get:',
        ),
        alongside=("functions",),
    )
    for outputs in _serve(tmp_path / "run", "enforce", template=widened):
        report = tmp_path / "results.json"
        code = run_suite(
            outputs, None, attester=attester_from_spec("test-apple", outputs), json_path=report
        )
        capsys.readouterr()
        rows = {r["scenario"]: r for r in json.loads(report.read_text())["results"]}
        assert code == 1
        assert rows["attested-post"]["passed"] is False


def test_off_serves_no_attestation_routes(tmp_path) -> None:
    for outputs in _serve(tmp_path, "off", test_root=False):
        answer = requests.post(outputs["ApiUrl"] + "/attest/challenge", json={}, timeout=10)
        assert answer.status_code == 403
        assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert "AttestedRoleArn" not in outputs


@pytest.mark.parametrize(
    ("environment", "allow_in_prod", "admitted"),
    [("dev", "false", True), ("prod", "false", False), ("prod", "true", True)],
)
def test_a_registered_debug_token_by_environment(
    tmp_path, environment, allow_in_prod, admitted
) -> None:
    token = secrets.token_urlsafe(32)  # as debug_token.py new makes them
    overrides = {
        "DebugTokenHashes": token_hash(token),
        "Environment": environment,
        "AllowDebugTokensInProd": allow_in_prod,
    }
    for outputs in _serve(tmp_path, "enforce", test_root=False, extra=overrides):
        provider = AttestedCredentialProvider.from_outputs(outputs, DebugTokenAttester(token))
        if admitted:
            assert _demo(provider, outputs).json()["authenticationType"] == "authenticated"
        else:
            with pytest.raises(AttestationRefused) as refused:
                provider.credentials()
            assert refused.value.code == "debug_token_not_allowed"
        # A token nobody registered is refused whatever the environment allows.
        stranger = AttestedCredentialProvider.from_outputs(
            outputs, DebugTokenAttester(secrets.token_urlsafe(32))
        )
        with pytest.raises(AttestationRefused) as unknown:
            stranger.credentials()
        assert unknown.value.code == (
            "debug_token_unknown" if admitted else "debug_token_not_allowed"
        )


def test_concurrent_refreshes_with_one_counter_admit_exactly_one(enforce) -> None:
    # Four threads race the same assertion counter through the real stack (API Gateway, the
    # function's sandboxes, DynamoDB's conditional update): one wins, the rest are refused.
    # (Four: the function's ReservedConcurrentExecutions is 5, and more would be throttled, 500.)
    from concurrent.futures import ThreadPoolExecutor

    from guestapi.attestation.attesters import TestAppAttester
    from guestapi.client.attested import AttestationService

    install = TestAppAttester.from_directory(Path(enforce["AttestationTestRoot"])).new_install()
    service = AttestationService(enforce["ApiUrl"])
    first = service.challenge()
    service.attest(first, install.evidence(first))
    bodies = []
    for _ in range(4):
        challenge = service.challenge()
        bodies.append((challenge, install.assertion_with_counter(challenge, 7)))

    def refresh(item: tuple[str, dict]) -> str:
        try:
            AttestationService(enforce["ApiUrl"]).refresh(*item)
        except AttestationRefused as refused:
            return refused.code
        return "admitted"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(refresh, bodies))
    assert outcomes == ["admitted"] + ["counter_not_increasing"] * 3


def test_the_suite_runs_as_a_debug_token_install_as_on_aws(tmp_path, capsys) -> None:
    # What a real stack gets from `check.py --attest debug:env`: no test root, no forging, only
    # the rows any attester can drive.
    token = secrets.token_urlsafe(32)
    extra = {"DebugTokenHashes": token_hash(token)}
    for outputs in _serve(tmp_path, "monitor", test_root=False, extra=extra):
        report = tmp_path / "results.json"
        code = run_suite(outputs, None, attester=DebugTokenAttester(token), json_path=report)
        out = capsys.readouterr().out
        rows = {r["scenario"]: r["passed"] for r in json.loads(report.read_text())["results"]}
        assert code == 0, out
        assert rows["attested-get"] and rows["guest-get"]
        assert {"attest-challenge-replayed", "attest-debug-token-unknown"} <= set(rows)
        assert not any(name.startswith("attest-forged") for name in rows)


def test_the_suite_as_a_play_integrity_install_refuses_its_forgeries(enforce, capsys) -> None:
    report = Path(enforce["AttestationTestRoot"]).parent / "android-results.json"
    code = run_suite(
        enforce, None, attester=attester_from_spec("test-android", enforce), json_path=report
    )
    out = capsys.readouterr().out
    rows = {r["scenario"]: r for r in json.loads(report.read_text())["results"]}
    assert code == 0, out
    assert rows["attest-forged-wrong-package"]["got"] == "403 app_id_mismatch"
    assert rows["attest-forged-other-challenge"]["got"] == "403 nonce_mismatch"
    assert rows["attest-forged-basic-integrity-only"]["got"] == "403 integrity_verdict_failed"
    assert "attest-refresh-counter-replayed" not in rows  # no key, no assertions
