"""Each security check, shown to bite: with the protection removed (through the function's own
seams, never by patching a library), the forged request its refusal test sends is ADMITTED. So
the refusal tests fail for the right reason, not because of some other accident of the setup.

(a) nonce check, (b) counter check, (c) the default trust (no test root), (d) debug tokens in prod.
"""

from __future__ import annotations

import importlib
import sys

import pytest

from _attestation_harness import APP_ID, HASHES_PARAMETER, Harness
from guestapi.attestation.apple_evidence import AppAttestKey
from guestapi.attestation.test_root import TestRoot


def _status_code(answer: tuple[int, dict]) -> tuple[int, str]:
    status, body = answer
    return status, body.get("code", "admitted")


# ----- (a) nonce ------------------------------------------------------------------------------
def test_a_nonce_check_bites(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    attest_apple = importlib.import_module("attest_apple")  # imported lazily by the function

    class NoNonceVerifier(attest_apple.PinnedRootAttestationVerifier):
        def verify_nonce(self, auth_data, nonce, cert) -> None:
            pass  # protection removed

    class NoNonceConfig(attest_apple.PinnedAppleConfig):
        attestation_verifier_class = NoNonceVerifier

    forge = {"signed_challenge": "a-challenge-this-service-never-issued"}
    assert _status_code(fn.attest_apple(**forge)) == (403, "nonce_mismatch")
    monkeypatch.setattr(attest_apple, "PinnedAppleConfig", NoNonceConfig)
    assert _status_code(fn.attest_apple(**forge)) == (200, "admitted")


def test_a_play_integrity_nonce_check_bites(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    attest_android = importlib.import_module("attest_android")

    class NoNonceVerifier(attest_android.PlayIntegrityVerifier):
        def verify_nonce(self, nonce) -> None:
            pass

    class NoNonceConfig(attest_android.PlayIntegrityConfig):
        attestation_verifier_class = NoNonceVerifier

    def forged() -> tuple[int, dict]:
        return fn.post("/attest", fn.android_body(fn.challenge(), nonce=b"\x00" * 32))

    assert _status_code(forged()) == (403, "nonce_mismatch")
    monkeypatch.setattr(attest_android, "PlayIntegrityConfig", NoNonceConfig)
    assert _status_code(forged()) == (200, "admitted")


# ----- (b) counter ----------------------------------------------------------------------------
def test_b_counter_check_bites(fn: Harness) -> None:
    attest_keys = sys.modules["attest_keys"]

    class UnconditionalKeyStore(attest_keys.KeyStore):
        def advance_counter(self, key_id: bytes, counter: int) -> None:
            self.table.update_item(  # protection removed: no ConditionExpression
                Key={"pk": attest_keys.key_item_key(key_id)},
                UpdateExpression="SET #c = :c",
                ExpressionAttributeNames={"#c": "counter"},
                ExpressionAttributeValues={":c": counter},
            )

    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    assert fn.refresh(key, 5)[0] == 200
    assert _status_code(fn.refresh(key, 5)) == (403, "counter_not_increasing")
    fn.reconfigure(keys=UnconditionalKeyStore(fn.module._get_service().keys.table, fn.clock))
    assert _status_code(fn.refresh(key, 5)) == (200, "admitted")


def test_b_rp_id_check_bites(fn: Harness) -> None:
    # Our own RP ID check (pyattest has none for assertions): with the App ID the assertion
    # names configured, the same assertion's key and counter are admitted.
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    other = "OTHERTEAM0.dev.guestapi.unit"
    assert _status_code(fn.refresh(key, 1, app_id=other)) == (403, "app_id_mismatch")
    fn.reconfigure(apple_app_id=other)
    assert _status_code(fn.refresh(key, 2, app_id=other)) == (200, "admitted")


# ----- (c) trust ------------------------------------------------------------------------------
def test_c_default_configuration_refuses_the_test_root_and_trusting_it_admits(
    fn: Harness, root: TestRoot
) -> None:
    env = {
        "ATTESTATION_TABLE": fn.settings.table_name,
        "IDENTITY_POOL_ID": fn.settings.identity_pool_id,
        "DEVELOPER_PROVIDER_NAME": "attested.unit",
        "APPLE_APP_ID": APP_ID,
        "APPLE_ENVIRONMENT": "production",
    }
    default = fn.module.Settings.from_environ(env, clock=fn.clock)
    assert default.test_root_pem is None
    fn.reconfigure(test_root_pem=default.test_root_pem)
    assert _status_code(fn.attest_apple()) == (403, "untrusted_root")

    told = fn.module.Settings.from_environ(
        {**env, "ATTESTATION_TEST_ROOT_PEM": root.root_pem.decode()}, clock=fn.clock
    )
    fn.reconfigure(test_root_pem=told.test_root_pem)  # protection removed: test root trusted
    assert _status_code(fn.attest_apple()) == (200, "admitted")


def test_c_configure_from_the_environment_warns_once_when_a_test_root_is_trusted(
    fn: Harness, monkeypatch: pytest.MonkeyPatch, root: TestRoot
) -> None:
    for name, value in {
        "ATTESTATION_TABLE": fn.settings.table_name,
        "IDENTITY_POOL_ID": fn.settings.identity_pool_id,
        "DEVELOPER_PROVIDER_NAME": "attested.unit",
        "APPLE_APP_ID": APP_ID,
        "DEBUG_TOKENS": "refused",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ATTESTATION_TEST_ROOT_PEM", raising=False)
    fn.logs.records.clear()
    fn.module.configure()  # the real wiring: boto3 clients, pyattest's bundled Apple root
    assert _status_code(fn.attest_apple()) == (403, "untrusted_root")
    assert not [r for r in fn.logs.records if "TEST root" in r.getMessage()]

    monkeypatch.setenv("ATTESTATION_TEST_ROOT_PEM", root.root_pem.decode())
    fn.module.configure()
    assert _status_code(fn.attest_apple()) == (200, "admitted")
    assert _status_code(fn.attest_apple()) == (200, "admitted")
    warnings = [r for r in fn.logs.records if "TEST root" in r.getMessage()]
    assert [w.levelname for w in warnings] == ["WARNING"]  # at configuration, not per request


# ----- (d) debug tokens in prod ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"), [("refused", False), ("allowed", True), ("", False)]
)
def test_d_debug_tokens_setting_fails_closed(fn: Harness, value: str, expected: bool) -> None:
    env = {"ATTESTATION_TABLE": "t", "IDENTITY_POOL_ID": "p", "DEVELOPER_PROVIDER_NAME": "d"}
    settings = fn.module.Settings.from_environ({**env, "DEBUG_TOKENS": value})
    assert settings.debug_tokens_allowed is expected


def test_d_debug_token_refusal_in_prod_bites(fn: Harness) -> None:
    env = {
        "ATTESTATION_TABLE": fn.settings.table_name,
        "IDENTITY_POOL_ID": fn.settings.identity_pool_id,
        "DEVELOPER_PROVIDER_NAME": "attested.unit",
        "DEBUG_TOKEN_HASHES_PARAMETER": HASHES_PARAMETER,
    }
    prod = fn.module.Settings.from_environ({**env, "DEBUG_TOKENS": "refused"})
    fn.reconfigure(debug_tokens_allowed=prod.debug_tokens_allowed)
    answer = fn.post("/attest", fn.debug_body(fn.challenge()))
    assert _status_code(answer) == (403, "debug_token_not_allowed")

    allowed = fn.module.Settings.from_environ({**env, "DEBUG_TOKENS": "allowed"})
    fn.reconfigure(debug_tokens_allowed=allowed.debug_tokens_allowed)  # protection removed
    assert _status_code(fn.post("/attest", fn.debug_body(fn.challenge()))) == (200, "admitted")
