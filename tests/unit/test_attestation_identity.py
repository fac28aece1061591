"""An identity belongs to the install that made it: the Android installSecret scheme, the secret
rule for installSecret and debug tokens, Play Integrity's timestamp, and Apple's receipt.

Each protection is shown to bite: with it removed through the function's own seam, the attack of
its test succeeds.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from typing import Any

import boto3
import pytest

from _attestation_harness import (
    DEBUG_TOKEN,
    INSTALL_SECRET,
    PROVIDER,
    REGION,
    TABLE,
    Harness,
    load_function,
)
from guestapi.attestation.apple_evidence import TEST_RECEIPT, AppAttestKey
from guestapi.attestation.attesters import new_install_secret


class Cognito:
    """Records the developer user id each admitted request was given."""

    def __init__(self) -> None:
        self.user_ids: list[str] = []

    def get_open_id_token_for_developer_identity(self, **kwargs: Any) -> dict[str, str]:
        user_id = kwargs["Logins"][PROVIDER]
        self.user_ids.append(user_id)
        return {
            "IdentityId": f"{REGION}:{hashlib.sha256(user_id.encode()).hexdigest()}",
            "Token": "t",
        }


def _code(answer: tuple[int, dict]) -> tuple[int, str]:
    status, body = answer
    return status, body.get("code", "admitted" if "Token" in body else "?")


def _android(fn: Harness, secret: str, **forge: Any) -> tuple[int, str]:
    return _code(fn.post("/attest", fn.android_body(fn.challenge(), secret, **forge)))


# ----- Android identities ----------------------------------------------------------------------
def test_the_android_identity_is_a_hash_of_the_secret(fn: Harness) -> None:
    cognito = Cognito()
    fn.reconfigure(cognito=cognito)
    other = new_install_secret()
    for secret in (INSTALL_SECRET, INSTALL_SECRET, other):
        assert _android(fn, secret) == (200, "admitted")
    first, again, third = cognito.user_ids
    assert first == again != third  # one identity per install, kept across attestations
    label = b"guestapi/android-install-id/v1\x00"
    digest = hashlib.sha256(label + INSTALL_SECRET.encode()).digest()
    assert first == "android." + base64.urlsafe_b64encode(digest).decode()[:32]
    assert INSTALL_SECRET not in first


def test_an_identity_cannot_be_claimed_with_what_its_install_reveals(
    fn: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Install A attests; install B (a genuine device, which can get a genuine token over any
    # nonce it likes) learns A's developer user id, as one could from logs, and presents it.
    cognito = Cognito()
    fn.reconfigure(cognito=cognito)
    victim = new_install_secret()
    assert _android(fn, victim) == (200, "admitted")
    learned = cognito.user_ids[-1].removeprefix("android.")
    assert _android(fn, learned) == (200, "admitted")
    assert cognito.user_ids[-1] != cognito.user_ids[0]  # B got an identity of its own

    # Protection removed: the user id is the value the client sends, as installId once was.
    service = importlib.import_module("attest_service")
    monkeypatch.setattr(service, "android_user_id", lambda secret: "android." + secret)
    cognito.user_ids.clear()
    assert _android(fn, victim) == (200, "admitted")
    learned = cognito.user_ids[-1].removeprefix("android.")
    assert _android(fn, learned) == (200, "admitted")
    assert cognito.user_ids[-1] == cognito.user_ids[0]  # B now holds A's identity


def test_the_secret_never_reaches_logs(fn: Harness, capfd: pytest.CaptureFixture) -> None:
    assert _android(fn, INSTALL_SECRET) == (200, "admitted")
    assert _android(fn, "short-Secret-123") == (400, "weak_secret")
    logged = fn.logs.text() + capfd.readouterr().out
    assert "attested" in logged and "weak_secret" in logged
    assert INSTALL_SECRET not in logged and "short-Secret-123" not in logged


# ----- the secret rule -------------------------------------------------------------------------
WEAK = {
    "short": "Ab3-x9Qz_7Lm",  # 12 characters
    "21-characters": "aB3dE5gH7jK9mN1pQ3sT5",
    "repeated": "A" * 43,
    "few-distinct": "012345678" * 5,  # 9 distinct characters
    "one-fills-half": "ci-debug-token-" + "x" * 32,
    "placeholder": "install-0001-install-0001",
}


@pytest.mark.parametrize("name", list(WEAK))
def test_weak_install_secrets_are_refused_before_any_lookup(fn: Harness, name: str) -> None:
    reads: list[str] = []
    fn.reconfigure(read_parameter=lambda parameter, decrypt: reads.append(parameter) or "")
    challenge = fn.challenge()
    body = fn.android_body(challenge, WEAK[name])
    assert _code(fn.post("/attest", body)) == (400, "weak_secret")
    assert reads == []  # not even the Play Integrity keys were read
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
    assert [i for i in items if i.get("used", {}).get("BOOL")] == []  # the challenge unspent


@pytest.mark.parametrize("name", list(WEAK))
def test_weak_debug_tokens_are_refused_before_any_lookup(fn: Harness, name: str) -> None:
    reads: list[str] = []
    fn.reconfigure(read_parameter=lambda parameter, decrypt: reads.append(parameter) or "")
    assert _code(fn.post("/attest", fn.debug_body(fn.challenge(), WEAK[name]))) == (
        400,
        "weak_secret",
    )
    assert reads == []


def test_strong_values_pass_the_rule() -> None:
    secrets_module = importlib.import_module("attest_secrets")
    for value in (INSTALL_SECRET, DEBUG_TOKEN, new_install_secret(), "aB3dE5gH7jK9mN1pQ3sT5v"):
        assert secrets_module.weakness(value) is None, value


def test_the_secret_rule_bites(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    # Protection removed: a weak installSecret with a genuine token over it is admitted, and a
    # weak debug token whose hash was registered (as the CLI now refuses to do) gets in.
    weak = WEAK["placeholder"]
    registered = ",".join(hashlib.sha256(t.encode()).hexdigest() for t in (DEBUG_TOKEN, weak))
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/unit/weak-too", Type="StringList", Value=registered)
    fn.reconfigure(debug_token_hashes_parameter="/unit/weak-too")
    assert _android(fn, weak) == (400, "weak_secret")
    assert _code(fn.post("/attest", fn.debug_body(fn.challenge(), weak))) == (400, "weak_secret")
    service = importlib.import_module("attest_service")
    monkeypatch.setattr(service, "require_strong", lambda value, member: None)
    assert _android(fn, weak) == (200, "admitted")
    assert _code(fn.post("/attest", fn.debug_body(fn.challenge(), weak))) == (200, "admitted")


# ----- Play Integrity's timestamp --------------------------------------------------------------
@pytest.mark.parametrize(
    ("offset_s", "expected"),
    [
        (0, "admitted"),
        (-300 - 59, "admitted"),  # made at the challenge's lifetime, Google's clock a bit behind
        (59, "admitted"),  # Google's clock a little ahead
        (-300 - 61, "evidence_expired"),
        (-3600, "evidence_expired"),
        (61, "evidence_expired"),
        (86_400, "evidence_expired"),
    ],
)
def test_the_token_must_be_made_during_the_challenges_lifetime(
    fn: Harness, offset_s: int, expected: str
) -> None:
    made = int((fn.clock.now + offset_s) * 1000)
    assert _android(fn, INSTALL_SECRET, timestamp_ms=made)[1] == expected


def test_the_timestamp_check_bites(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = int((fn.clock.now - 3600) * 1000)
    assert _android(fn, INSTALL_SECRET, timestamp_ms=stale) == (403, "evidence_expired")
    android = importlib.import_module("attest_android")
    monkeypatch.setattr(android, "check_timestamp", lambda details, now, lifetime_s: None)
    assert _android(fn, INSTALL_SECRET, timestamp_ms=stale) == (200, "admitted")


def test_a_token_without_a_timestamp_is_evidence_invalid(fn: Harness) -> None:
    from guestapi.attestation.play_evidence import verdict_payload

    challenge = fn.challenge()
    nonce = hashlib.sha256(challenge.encode() + INSTALL_SECRET.encode()).digest()
    payload = verdict_payload(package_name=fn.settings.android_package_name, nonce=nonce)
    del payload["requestDetails"]["timestampMillis"]
    body = fn.android_body(challenge, payload=payload)
    assert _code(fn.post("/attest", body)) == (403, "evidence_invalid")


# ----- Apple's receipt -------------------------------------------------------------------------
def test_the_receipt_is_stored_with_the_key(fn: Harness) -> None:
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    item = table.get_item(Key={"pk": "key#" + key.key_id_b64})["Item"]
    assert bytes(item["receipt"].value) == TEST_RECEIPT
    assert set(item) == {"pk", "publicKey", "counter", "appId", "receipt", "createdAt"}


@pytest.mark.parametrize(
    "value", [None, "soon", float("inf"), [1], "9" * 5000, {"ms": 1}], ids=repr
)
def test_a_timestamp_that_is_not_a_number_is_evidence_invalid(value: Any) -> None:
    # Only a token signed with Google's key reaches this check; still, no value of it crashes.
    load_function()  # the function's modules on sys.path
    android = importlib.import_module("attest_android")
    refusal = importlib.import_module("attest_errors").Refusal
    with pytest.raises(refusal) as refused:
        android.check_timestamp({"timestampMillis": value}, 1_800_000_000, 300)
    assert refused.value.code == "evidence_invalid"
