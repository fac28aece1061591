"""guestapi.attestation: the TEST CA and the evidence it signs, checked against pyattest itself
(the library the attestation function verifies with), and the test attesters the client uses."""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import stat
from hashlib import sha256
from pathlib import Path

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyattest import exceptions as pa
from pyattest.assertion import Assertion
from pyattest.attestation import Attestation
from pyattest.configs.apple import AppleConfig
from pyattest.configs.google_play_integrity_api import GooglePlayIntegrityApiConfig

from guestapi.attestation.apple_evidence import NONCE_EXTENSION_OID, AppAttestKey
from guestapi.attestation.attesters import TestAppAttester, TestPlayIntegrityAttester
from guestapi.attestation.play_evidence import integrity_token
from guestapi.attestation.test_root import TestRoot

APP_ID = "TESTTEAM01.dev.guestapi.evidence"
# These tests call stock pyattest, which adds its root to the OS trust list (deprecated in
# pyhanko-certvalidator); the function pins the root instead (attest_apple), so it does not warn.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Relying on the operating system:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:'extra_trust_roots' is deprecated:DeprecationWarning"),
]


def _verify(raw: bytes, challenge: str, key: AppAttestKey, root: TestRoot | None, **kw) -> None:
    config = AppleConfig(
        key_id=key.key_id,
        app_id=kw.get("app_id", APP_ID),
        production=kw.get("production", False),
        root_ca=root.root_pem if root else None,
    )
    asyncio.run(Attestation(raw, challenge.encode(), config).verify())


def test_create_and_load_round_trip_with_private_keys_private(tmp_path: Path) -> None:
    made = TestRoot.create(tmp_path / "root")
    loaded = TestRoot.load(tmp_path / "root")
    assert loaded.root_pem == made.root_pem
    assert loaded.intermediate_der == made.intermediate_der
    assert loaded.play_integrity_keys_json() == made.play_integrity_keys_json()
    for name in ("root-key.pem", "intermediate-key.pem", "play-integrity.json"):
        assert stat.S_IMODE((tmp_path / "root" / name).stat().st_mode) == 0o600
    # what the offline stack checks for to decide between create and load
    assert (tmp_path / "root" / "root.pem").is_file()


def test_load_of_an_incomplete_directory_fails(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        TestRoot.load(tmp_path)


def test_the_root_is_long_lived_and_already_valid(root: TestRoot) -> None:
    now = datetime.datetime.now(datetime.UTC)
    for cert in (root.root, root.intermediate):
        assert cert.not_valid_before_utc < now
        assert cert.not_valid_after_utc > now + datetime.timedelta(days=3000)
    assert root.intermediate.issuer == root.root.subject
    constraints = root.root.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca
    assert "TEST" in root.root.subject.rfc4514_string()


def test_play_keys_are_what_the_function_reads(root: TestRoot) -> None:
    keys = json.loads(root.play_integrity_keys_json())
    assert set(keys) == {"decryptionKey", "verificationKey"}  # never the signing key
    config = GooglePlayIntegrityApiConfig(
        keys["decryptionKey"], keys["verificationKey"], "p", production=True
    )
    assert len(config.decryption_key) == 32


def test_key_id_is_sha256_of_the_uncompressed_point() -> None:
    key = AppAttestKey.generate()
    assert key.public_point[0] == 4 and len(key.public_point) == 65
    assert key.key_id == sha256(key.public_point).digest()
    assert len(key.key_id_b64) == 44


def test_attestation_has_apples_layout(root: TestRoot) -> None:
    key = AppAttestKey.generate()
    decoded = cbor2.loads(key.attestation("challenge", APP_ID, root, "production"))
    auth = decoded["authData"]
    assert decoded["fmt"] == "apple-appattest"
    assert auth[:32] == sha256(APP_ID.encode()).digest()
    assert auth[33:37] == b"\x00\x00\x00\x00"
    assert auth[37:53] == b"appattest" + b"\x00" * 7
    assert auth[53:55] == b"\x00\x20"  # credentialIdLength 32
    assert auth[55:87] == key.key_id
    assert cbor2.loads(auth[87:]) == {
        1: 2,
        3: -7,
        -1: 1,
        -2: key.public_point[1:33],
        -3: key.public_point[33:],
    }
    assert decoded["attStmt"]["receipt"]  # Apple always sends one; the service stores it
    leaf = x509.load_der_x509_certificate(decoded["attStmt"]["x5c"][0])
    nonce = sha256(auth + sha256(b"challenge").digest()).digest()
    extension = leaf.extensions.get_extension_for_oid(NONCE_EXTENSION_OID).value
    assert extension.value == bytes.fromhex("3024a1220420") + nonce


@pytest.mark.parametrize("environment", ["development", "production"])
def test_pyattest_verifies_the_attestation(root: TestRoot, environment) -> None:
    key = AppAttestKey.generate()
    raw = key.attestation("c-1", APP_ID, root, environment)
    _verify(raw, "c-1", key, root, production=environment == "production")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"challenge": "c-2"}, pa.InvalidNonceException),
        ({"app_id": "OTHER00000.x"}, pa.InvalidAppIdException),
        ({"production": True}, pa.InvalidAaguidException),
        ({"root": None}, pa.InvalidCertificateChainException),  # pyattest's bundled Apple root
    ],
)
def test_pyattest_refuses_what_differs(root: TestRoot, change, error) -> None:
    key = AppAttestKey.generate()
    raw = key.attestation("c-1", APP_ID, root, "development")
    with pytest.raises(error):
        _verify(raw, change.pop("challenge", "c-1"), key, change.pop("root", root), **change)


def test_pyattest_verifies_the_assertion_with_the_private_keys_signature() -> None:
    key = AppAttestKey.generate()
    config = AppleConfig(key_id=key.key_id, app_id=APP_ID, production=True)
    raw = key.assertion(b"c-3", APP_ID, 9)
    assertion = Assertion(raw, sha256(b"c-3").digest(), key.private_key.public_key(), config)
    assertion.verify()
    assert assertion.data["counter"] == 9
    assert assertion.data["rp_id"] == sha256(APP_ID.encode()).digest()


def test_pyattest_verifies_the_integrity_token(root: TestRoot) -> None:
    keys = json.loads(root.play_integrity_keys_json())
    config = GooglePlayIntegrityApiConfig(
        keys["decryptionKey"], keys["verificationKey"], "dev.pkg", production=True
    )
    nonce = sha256(b"challenge" + b"install").digest()
    token = integrity_token(root.play, package_name="dev.pkg", nonce=nonce)
    assert token.count(".") == 4  # compact JWE
    attestation = Attestation(token, nonce, config)
    asyncio.run(attestation.verify())
    assert attestation.data["data"]["requestDetails"]["requestPackageName"] == "dev.pkg"
    bad = integrity_token(root.play, package_name="dev.pkg", nonce=nonce, app_verdict="UNEVALUATED")
    with pytest.raises(pa.InvalidAppIntegrity):
        asyncio.run(Attestation(bad, nonce, config).verify())


def _directory(tmp_path: Path) -> Path:
    TestRoot.create(tmp_path)
    apps = {
        "appleAppId": APP_ID,
        "appAttestEnvironment": "production",
        "androidPackageName": "dev.pkg",
    }
    (tmp_path / "apps.json").write_text(json.dumps(apps))
    return tmp_path


def test_the_app_attester_attests_then_asserts(tmp_path: Path) -> None:
    attester = TestAppAttester.from_directory(_directory(tmp_path))
    body = attester.evidence("c-4")
    assert (body["kind"], body["keyId"]) == ("apple", attester.key.key_id_b64)
    first = attester.assertion("c-5")
    second = attester.assertion("c-6")
    counters = [
        cbor2.loads(base64.b64decode(b["assertion"]))["authenticatorData"][33:37]
        for b in (first, second)
    ]
    assert counters == [b"\x00\x00\x00\x01", b"\x00\x00\x00\x02"]
    again = attester.evidence("c-7")
    assert again["keyId"] != body["keyId"]  # a key is attested once: re-attesting needs a new one
    assert attester.new_install().key.key_id != attester.key.key_id


@pytest.mark.parametrize("attester_class", [TestAppAttester, TestPlayIntegrityAttester])
def test_the_test_attesters_forge_on_request(tmp_path: Path, attester_class) -> None:
    attester = attester_class.from_directory(_directory(tmp_path))
    genuine = attester.evidence("c-8")
    for how in attester.FORGERIES:  # what the check suite's rows send (tested end to end offline)
        forged = attester.forged("c-8", how)
        assert forged["kind"] == attester.kind and forged.keys() == genuine.keys()
        assert forged != genuine
    with pytest.raises(ValueError, match="unknown forgery"):
        attester.forged("c-8", "something-else")


def test_the_play_attester_binds_the_token_to_its_install(tmp_path: Path) -> None:
    attester = TestPlayIntegrityAttester.from_directory(_directory(tmp_path))
    body = attester.evidence("c-9")
    assert body["kind"] == "android" and attester.assertion("c-9") is None
    assert "installId" not in body
    assert len(body["installSecret"]) == 43  # 256 random bits, base64url unpadded
    assert attester.new_install().install_secret != attester.install_secret
    assert attester.install_secret not in repr(attester)
    root = TestRoot.load(tmp_path)
    keys = json.loads(root.play_integrity_keys_json())
    config = GooglePlayIntegrityApiConfig(
        keys["decryptionKey"], keys["verificationKey"], "dev.pkg", production=True
    )
    nonce = sha256(b"c-9" + body["installSecret"].encode()).digest()
    asyncio.run(Attestation(body["integrityToken"], nonce, config).verify())


def test_the_intermediate_key_matches_its_certificate(root: TestRoot) -> None:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = serialization.Encoding.PEM
    assert root.intermediate.public_key().public_bytes(pem, spki) == (
        root.intermediate_key.public_key().public_bytes(pem, spki)
    )
