"""The attestation function's three routes (docs/attestation.md), in-process on moto: each
route's success, and App Attest's refusals, each with its exact code."""

from __future__ import annotations

import base64

import pytest

from _attestation_harness import APP_ID, PROVIDER, Harness, b64
from guestapi.attestation.apple_evidence import AppAttestKey
from guestapi.attestation.test_root import TestRoot


def test_challenge_is_32_random_bytes_with_its_lifetime(fn: Harness) -> None:
    status, body = fn.post("/attest/challenge", None)  # an empty body is allowed
    assert status == 200
    assert len(base64.urlsafe_b64decode(body["challenge"] + "=")) == 32
    assert "=" not in body["challenge"]
    assert body["expiresIn"] == 300
    assert body["expiresAt"] == int(fn.clock.now) + 300
    assert fn.challenge() != body["challenge"]


def test_apple_attestation_admits_and_answers_per_contract(fn: Harness) -> None:
    key = AppAttestKey.generate()
    status, body = fn.attest_apple(key)
    assert status == 200, body
    assert set(body) == {"IdentityId", "Token", "TokenDuration", "Kind"}
    assert (body["Kind"], body["TokenDuration"]) == ("apple", 300)
    assert body["IdentityId"].startswith("us-east-1:")
    assert body["Token"]


def test_refresh_by_assertion_admits_increasing_counters(fn: Harness) -> None:
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    for counter in (1, 2, 7):
        status, body = fn.refresh(key, counter)
        assert (status, body["Kind"]) == (200, "apple"), body


@pytest.mark.parametrize(
    ("forge", "code"),
    [
        ({"app_id": "OTHERTEAM0.dev.guestapi.unit"}, "app_id_mismatch"),
        ({"signed_challenge": "a-challenge-this-service-never-issued"}, "nonce_mismatch"),
        ({"environment": "development"}, "environment_mismatch"),
        ({"counter": 1}, "evidence_invalid"),
        ({"credential_id": b"\x01" * 32}, "key_id_mismatch"),
    ],
    ids=["wrong-app-id", "other-challenge", "development-key", "counter-not-0", "credential-id"],
)
def test_forged_apple_attestations_are_refused_with_their_code(fn: Harness, forge, code) -> None:
    status, body = fn.attest_apple(**forge)
    assert (status, body["code"]) == (403, code)
    assert body["message"]
    assert fn.logs.codes() == [code]


def test_a_chain_to_another_root_is_untrusted(fn: Harness) -> None:
    status, body = fn.attest_apple(root=TestRoot.generate())
    assert (status, body["code"]) == (403, "untrusted_root")


def test_the_default_configuration_trusts_apple_only(fn: Harness) -> None:
    # No ATTESTATION_TEST_ROOT_PEM: the same genuine-looking evidence ends at an untrusted root.
    fn.reconfigure(test_root_pem=None)
    status, body = fn.attest_apple()
    assert (status, body["code"]) == (403, "untrusted_root")


def test_the_chain_is_checked_against_the_configured_root_only(fn: Harness, recwarn) -> None:
    # Stock pyattest adds its root to the OS trust list, where any public CA would anchor the
    # chain; pyhanko-certvalidator warns when that list is used. The function pins the root.
    assert fn.attest_apple()[0] == 200
    assert fn.attest_apple(root=TestRoot.generate())[1]["code"] == "untrusted_root"
    assert not [w for w in recwarn if "trust" in str(w.message)]


def test_the_key_id_must_be_the_attested_keys(fn: Harness) -> None:
    key, other = AppAttestKey.generate(), AppAttestKey.generate()
    body = fn.apple_body(key, fn.challenge())
    status, answer = fn.post("/attest", {**body, "keyId": other.key_id_b64})
    assert (status, answer["code"]) == (403, "key_id_mismatch")


def test_a_key_is_attested_once(fn: Harness) -> None:
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    status, body = fn.attest_apple(key)
    assert (status, body["code"]) == (403, "key_already_attested")


def test_development_keys_are_admitted_by_a_development_stack(fn: Harness) -> None:
    fn.reconfigure(apple_production=False)
    assert fn.attest_apple(environment="development")[0] == 200


def test_undecodable_attestation_is_evidence_invalid(fn: Harness) -> None:
    body = fn.apple_body(AppAttestKey.generate(), fn.challenge())
    for garbage in ("not base64!", b64(b"\x00not cbor")):
        status, answer = fn.post(
            "/attest", {**body, "challenge": fn.challenge(), "attestation": garbage}
        )
        assert (status, answer["code"]) == (403, "evidence_invalid")


def test_refresh_counter_must_increase(fn: Harness) -> None:
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    assert fn.refresh(key, 5)[0] == 200
    for counter in (5, 4, 0):  # equal (a replayed assertion's counter) and lower
        status, body = fn.refresh(key, counter)
        assert (status, body["code"]) == (403, "counter_not_increasing")
    assert fn.refresh(key, 6)[0] == 200


def test_two_refreshes_with_one_counter_pass_once(fn: Harness) -> None:
    # Both verify (signature, RP ID) before either stores its counter, as two concurrent
    # requests would; the conditional update lets exactly one through.
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    store = fn.module._get_service().keys
    store.advance_counter(key.key_id, 3)
    with pytest.raises(fn.module.Refusal) as second:
        store.advance_counter(key.key_id, 3)
    assert second.value.code == "counter_not_increasing"
    assert store.load(key.key_id).counter == 3


def test_refresh_for_an_unknown_key(fn: Harness) -> None:
    status, body = fn.refresh(AppAttestKey.generate(), 1)
    assert (status, body["code"]) == (403, "unknown_key")


def test_refresh_signed_by_another_key_is_assertion_invalid(fn: Harness) -> None:
    key, impostor = AppAttestKey.generate(), AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    challenge = fn.challenge()
    forged = impostor.assertion(challenge.encode(), APP_ID, 1)
    status, body = fn.post(
        "/attest/refresh",
        {"keyId": key.key_id_b64, "challenge": challenge, "assertion": b64(forged)},
    )
    assert (status, body["code"]) == (403, "assertion_invalid")


def test_refresh_over_another_challenge_is_assertion_invalid(fn: Harness) -> None:
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    status, body = fn.refresh(key, 1, signed="another-challenge")
    assert (status, body["code"]) == (403, "assertion_invalid")


def test_refresh_checks_the_rp_id_itself(fn: Harness) -> None:
    # pyattest's assertion verifier does not: a validly signed assertion for another App ID.
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    status, body = fn.refresh(key, 1, app_id="OTHERTEAM0.dev.guestapi.unit")
    assert (status, body["code"]) == (403, "app_id_mismatch")


def test_cognito_gets_the_developer_user_id_and_duration(fn: Harness) -> None:
    calls: list[dict] = []

    class Cognito:
        def get_open_id_token_for_developer_identity(self, **kwargs):
            calls.append(kwargs)
            return {"IdentityId": "us-east-1:same", "Token": "t"}

    fn.reconfigure(cognito=Cognito())
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    assert fn.refresh(key, 1)[0] == 200
    user = "apple." + base64.urlsafe_b64encode(key.key_id).rstrip(b"=").decode()
    expected = {
        "IdentityPoolId": fn.settings.identity_pool_id,
        "Logins": {PROVIDER: user},
        "TokenDuration": 300,
    }
    assert calls == [expected, expected]  # refresh keeps the install's identity
