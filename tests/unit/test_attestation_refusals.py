"""The attestation function's challenge, Play Integrity, debug-token, configuration and Cognito
refusals, each with its exact contract code; and what its logs may never hold."""

from __future__ import annotations

from hashlib import sha256

import boto3
import pytest
from botocore.stub import Stubber

from _attestation_harness import DEBUG_TOKEN, INSTALL_SECRET, PACKAGE, REGION, Harness
from guestapi.attestation.apple_evidence import AppAttestKey
from guestapi.attestation.attesters import new_install_secret
from guestapi.attestation.play_evidence import verdict_payload
from guestapi.attestation.test_root import PlayIntegrityKeys


def _code(answer: tuple[int, dict]) -> tuple[int, str]:
    status, body = answer
    return status, body.get("code", "admitted" if "Token" in body else "?")


# ----- challenges ------------------------------------------------------------------------------
def test_a_challenge_never_issued_is_unknown(fn: Harness) -> None:
    body = fn.debug_body("x" * 43)
    assert _code(fn.post("/attest", body)) == (403, "challenge_unknown")


def test_a_challenge_is_accepted_once(fn: Harness) -> None:
    challenge = fn.challenge()
    assert _code(fn.post("/attest", fn.debug_body(challenge))) == (200, "admitted")
    again = fn.apple_body(AppAttestKey.generate(), challenge)
    assert _code(fn.post("/attest", again)) == (403, "challenge_replayed")


def test_a_challenge_is_spent_even_when_the_evidence_fails(fn: Harness) -> None:
    challenge = fn.challenge()
    forged = fn.apple_body(AppAttestKey.generate(), challenge, app_id="OTHERTEAM0.x.y")
    assert _code(fn.post("/attest", forged)) == (403, "app_id_mismatch")
    genuine = fn.apple_body(AppAttestKey.generate(), challenge)
    assert _code(fn.post("/attest", genuine)) == (403, "challenge_replayed")


def test_a_challenge_expires_after_its_lifetime(fn: Harness) -> None:
    on_time, late = fn.challenge(), fn.challenge()
    fn.clock.now += 299
    assert _code(fn.post("/attest", fn.debug_body(on_time))) == (200, "admitted")
    fn.clock.now += 1  # issued 300 s ago: expiresIn is over
    assert _code(fn.post("/attest", fn.debug_body(late))) == (403, "challenge_expired")


def test_a_challenge_is_spent_by_refresh_too(fn: Harness) -> None:
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    status, _ = fn.refresh(key, 1)
    assert status == 200
    assert fn.logs.codes() == []


# ----- malformed requests ----------------------------------------------------------------------
C = "C" * 43  # shaped like a challenge, so that each body below is malformed for its own reason
TOKEN = "a.b.c.d.e"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("{not json", "not JSON"),
        ([], "data: type"),
        ({"kind": "apple"}, "data: required"),
        ({"kind": "carrier-pigeon", "challenge": C}, "data.kind: enum"),
        ({"kind": "debug", "challenge": 5, "debugToken": DEBUG_TOKEN}, "data.challenge: type"),
        ({"kind": "debug", "challenge": "c", "debugToken": DEBUG_TOKEN}, "data.challenge: pattern"),
        ({"kind": "debug", "challenge": C}, "data: required"),
        ({"kind": "apple", "challenge": C, "keyId": "short", "attestation": "AA"}, "keyId"),
        (
            {
                "kind": "android",
                "challenge": C,
                "installSecret": "bad id!",
                "integrityToken": TOKEN,
            },
            "data.installSecret: pattern",
        ),
        (
            {"kind": "android", "challenge": C, "installSecret": "s" * 87, "integrityToken": TOKEN},
            "data.installSecret: maxLength",
        ),
        (
            {
                "kind": "android",
                "challenge": C,
                "installId": "install-0001",
                "installSecret": INSTALL_SECRET,
                "integrityToken": TOKEN,
            },
            "data: not",
        ),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-challenge",
        "unknown-kind",
        "wrong-type",
        "not-a-challenge",
        "no-debug-token",
        "bad-key-id",
        "bad-install-secret",
        "long-install-secret",
        "old-install-id",
    ],
)
def test_malformed_requests_are_400(fn: Harness, body, detail) -> None:
    assert _code(fn.post("/attest", body)) == (400, "malformed_request")
    (record,) = [r for r in fn.logs.records if r.getMessage() == "refused"]
    assert detail in record.detail  # type: ignore[attr-defined]  # refused for its own reason


def test_malformed_refresh_and_challenge_requests_are_400(fn: Harness) -> None:
    assert _code(fn.post("/attest/refresh", {"keyId": "x", "challenge": C})) == (
        400,
        "malformed_request",
    )
    assert _code(fn.post("/attest/challenge", "[1, 2]")) == (400, "malformed_request")


def test_a_malformed_request_does_not_spend_the_challenge(fn: Harness) -> None:
    challenge = fn.challenge()
    assert fn.post("/attest", {"kind": "debug", "challenge": challenge})[0] == 400
    assert _code(fn.post("/attest", fn.debug_body(challenge))) == (200, "admitted")


# ----- configuration ---------------------------------------------------------------------------
def test_apple_off_when_no_app_id(fn: Harness) -> None:
    fn.reconfigure(apple_app_id="")
    assert _code(fn.attest_apple()) == (403, "provider_not_configured")
    assert _code(fn.refresh(AppAttestKey.generate(), 1)) == (403, "provider_not_configured")


def test_android_off_when_no_package_name(fn: Harness) -> None:
    fn.reconfigure(android_package_name="")
    assert _code(fn.post("/attest", fn.android_body(fn.challenge()))) == (
        403,
        "provider_not_configured",
    )


@pytest.mark.parametrize("value", [None, "not json", '{"decryptionKey": "AA=="}'])
def test_android_off_when_the_keys_are_missing_or_unusable(fn: Harness, value) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    name = "/unit/attestation/other-keys"
    if value is not None:
        ssm.put_parameter(Name=name, Type="SecureString", Value=value)
    fn.reconfigure(play_integrity_keys_parameter=name)
    answer = fn.post("/attest", fn.android_body(fn.challenge()))
    assert _code(answer) == (403, "provider_not_configured")
    assert value is None or value not in fn.logs.text()


# ----- Play Integrity --------------------------------------------------------------------------
def test_android_admits_a_genuine_install(fn: Harness) -> None:
    status, body = fn.post("/attest", fn.android_body(fn.challenge(), new_install_secret()))
    assert (status, body["Kind"]) == (200, "android")


def test_android_admits_an_unpadded_nonce(fn: Harness) -> None:
    # Android's Base64.NO_PADDING; pyattest alone would fail to decode it.
    challenge, install = fn.challenge(), new_install_secret()
    nonce = sha256(challenge.encode() + install.encode()).digest()
    payload = verdict_payload(
        package_name=PACKAGE, nonce=nonce, timestamp_ms=int(fn.clock.now * 1000)
    )
    payload["requestDetails"]["nonce"] = payload["requestDetails"]["nonce"].rstrip("=")
    body = fn.android_body(challenge, install, payload=payload)
    assert _code(fn.post("/attest", body)) == (200, "admitted")


@pytest.mark.parametrize(
    ("forge", "code"),
    [
        ({"package_name": "com.example.repackaged"}, "app_id_mismatch"),
        ({"nonce": b"\x00" * 32}, "nonce_mismatch"),
        ({"app_verdict": "UNRECOGNIZED_VERSION"}, "integrity_verdict_failed"),
        ({"device_verdicts": ("MEETS_BASIC_INTEGRITY",)}, "integrity_verdict_failed"),
        ({"device_verdicts": ()}, "integrity_verdict_failed"),
        ({"keys": PlayIntegrityKeys.generate()}, "evidence_invalid"),
    ],
    ids=["package", "nonce", "app-verdict", "basic-only", "no-verdict", "other-keys"],
)
def test_android_refusals(fn: Harness, forge, code) -> None:
    assert _code(fn.post("/attest", fn.android_body(fn.challenge(), **forge))) == (403, code)
    assert fn.logs.codes() == [code]


def test_android_token_bound_to_another_install_is_nonce_mismatch(fn: Harness) -> None:
    body = fn.android_body(fn.challenge(), new_install_secret())
    assert _code(fn.post("/attest", {**body, "installSecret": new_install_secret()})) == (
        403,
        "nonce_mismatch",
    )


def test_android_garbage_token_is_evidence_invalid(fn: Harness) -> None:
    body = {**fn.android_body(fn.challenge()), "integrityToken": "a.b.c.d.e"}
    assert _code(fn.post("/attest", body)) == (403, "evidence_invalid")


# ----- debug tokens ----------------------------------------------------------------------------
def test_a_registered_debug_token_is_admitted(fn: Harness) -> None:
    status, body = fn.post("/attest", fn.debug_body(fn.challenge()))
    assert (status, body["Kind"]) == (200, "debug")


def test_an_unregistered_debug_token_is_unknown(fn: Harness) -> None:
    answer = fn.post("/attest", fn.debug_body(fn.challenge(), new_install_secret()))
    assert _code(answer) == (403, "debug_token_unknown")


def test_none_registers_no_token(fn: Harness) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/unit/none", Type="StringList", Value="none"
    )
    fn.reconfigure(debug_token_hashes_parameter="/unit/none")
    assert _code(fn.post("/attest", fn.debug_body(fn.challenge()))) == (403, "debug_token_unknown")


def test_debug_tokens_refused_before_any_lookup(fn: Harness) -> None:
    fn.reconfigure(debug_tokens_allowed=False, debug_token_hashes_parameter="/does/not/exist")
    challenge = fn.challenge()
    assert _code(fn.post("/attest", fn.debug_body(challenge))) == (403, "debug_token_not_allowed")
    # Neither the parameter (missing here) nor the challenge was looked at.
    assert _code(fn.post("/attest", fn.apple_body(AppAttestKey.generate(), challenge))) == (
        200,
        "admitted",
    )


# ----- Cognito and logs ------------------------------------------------------------------------
def test_cognito_failure_is_503_with_the_error_code_logged(fn: Harness) -> None:
    cognito = boto3.client("cognito-identity", region_name=REGION)
    stubber = Stubber(cognito)
    stubber.add_client_error(
        "get_open_id_token_for_developer_identity",
        service_error_code="ResourceNotFoundException",
        http_status_code=400,
    )
    fn.reconfigure(cognito=cognito)
    with stubber:
        answer = fn.post("/attest", fn.debug_body(fn.challenge()))
    assert _code(answer) == (503, "identity_service_unavailable")
    (record,) = [r for r in fn.logs.records if r.getMessage() == "refused"]
    assert record.detail == "ResourceNotFoundException"  # type: ignore[attr-defined]
    stubber.assert_no_pending_responses()


def test_logs_never_hold_tokens_or_evidence(fn: Harness, capfd: pytest.CaptureFixture) -> None:
    secrets_seen: list[str] = [DEBUG_TOKEN]
    status, body = fn.post("/attest", fn.debug_body(fn.challenge()))
    assert status == 200
    secrets_seen.append(body["Token"])
    apple = fn.apple_body(AppAttestKey.generate(), fn.challenge())
    status, body = fn.post("/attest", apple)
    assert status == 200
    secrets_seen += [apple["attestation"], body["Token"]]
    android = fn.android_body(fn.challenge(), package_name="com.other")
    assert fn.post("/attest", android)[0] == 403
    secrets_seen.append(android["integrityToken"])
    assert fn.post("/attest", fn.debug_body(fn.challenge(), "x" * 600))[0] == 400  # schema error
    secrets_seen.append("x" * 600)
    logged = fn.logs.text() + capfd.readouterr().out
    assert "refused" in logged and "attested" in logged  # the logs are there, and...
    for secret in secrets_seen:
        assert secret not in logged  # ...none of them holds a secret
