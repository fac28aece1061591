"""attest_shapes, the cheap structural checks, against Apple's own sample attestation and the test
evidence the other tests use: what genuine evidence looks like passes, each departure does not.

tests/unit/data/apple-app-attest-2026.b64 is the attestation object of Apple's "Attestation Object
Validation Guide" (developer.apple.com/documentation/devicecheck/attestation-object-validation-
guide: App ID 1234567890.com.example.myapp, keyId zgSY9YSD…). It is from an iOS 27 device: its
authData carries the COSE key and extension data after the credential id. The first test checks
that the file is Apple's, byte for byte where it matters: its leaf verifies under its
intermediate, which verifies under Apple's App Attest root (the one pyattest bundles).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

import cbor2
import pyattest
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from _attestation_harness import load_function
from guestapi.attestation.apple_evidence import AppAttestKey, impostor_cas, reshaped
from guestapi.attestation.play_evidence import integrity_token
from guestapi.attestation.test_root import TestRoot

APPLE_SAMPLE = Path(__file__).parent / "data" / "apple-app-attest-2026.b64"
APPLE_SAMPLE_KEY_ID = "zgSY9YSD+7TaDXssY6WlOPVS1K3Lmk+pFhlcSWE+ZV0="
APPLE_ROOT = Path(pyattest.__file__).parent / "certificates" / "Apple_App_Attestation_Root_CA.pem"

load_function()  # puts the function's modules on sys.path
shapes: Any = importlib.import_module("attest_shapes")
Refusal: Any = importlib.import_module("attest_errors").Refusal


@pytest.fixture(scope="module")
def sample() -> bytes:
    return base64.b64decode(APPLE_SAMPLE.read_text().strip(), validate=True)


def _refused(check: Any, value: Any) -> str:
    with pytest.raises(Refusal) as refused:
        check(value)
    assert refused.value.code == "evidence_invalid"
    return refused.value.detail


def test_the_sample_is_apples(sample: bytes) -> None:
    leaf_der, intermediate_der = cbor2.loads(sample)["attStmt"]["x5c"]
    leaf = x509.load_der_x509_certificate(leaf_der)
    intermediate = x509.load_der_x509_certificate(intermediate_der)
    intermediate.verify_directly_issued_by(x509.load_pem_x509_certificate(APPLE_ROOT.read_bytes()))
    leaf.verify_directly_issued_by(intermediate)
    point = leaf.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert base64.b64encode(hashlib.sha256(point).digest()).decode() == APPLE_SAMPLE_KEY_ID


def test_apples_sample_has_the_shape_the_service_expects(sample: bytes) -> None:
    shape = shapes.check_attestation(sample)
    assert len(shape.receipt) == 3977  # Apple's PKCS#7 receipt, kept for the fraud metric
    auth_data = cbor2.loads(sample)["authData"]
    assert len(auth_data) > shapes.AUTH_DATA_MIN_BYTES  # COSE key and extensions follow


def test_the_test_evidence_has_apples_shape(root: TestRoot) -> None:
    made = AppAttestKey.generate().attestation("c", "TEAM000000.a.b", root, "production")
    ours, apples = cbor2.loads(made), cbor2.loads(base64.b64decode(APPLE_SAMPLE.read_text()))
    assert set(ours) == set(apples) and set(ours["attStmt"]) == set(apples["attStmt"])
    assert ours["authData"][32] == apples["authData"][32]  # flags
    assert ours["authData"][53:55] == apples["authData"][53:55]  # credentialIdLength
    shapes.check_attestation(made)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (lambda raw: reshaped(raw, fmt="packed"), "fmt"),
        (lambda raw: reshaped(raw, fmt=""), "fmt"),
        (lambda raw: reshaped(raw, fmt=5), "fmt"),
        (lambda raw: reshaped(raw, x5c=[*cbor2.loads(raw)["attStmt"]["x5c"]] * 2), "x5c of 4"),
        (lambda raw: reshaped(raw, x5c=cbor2.loads(raw)["attStmt"]["x5c"][:1]), "x5c of 1"),
        (lambda raw: reshaped(raw, receipt=None), "receipt"),
        (lambda raw: reshaped(raw, authData=cbor2.loads(raw)["authData"][:86]), "authData"),
        (lambda raw: raw[:-1], "CBOR"),
        (lambda raw: raw + b"\x00", "bytes after"),
        (lambda raw: raw * 3, "over 16384 bytes"),
    ],
    ids=[
        "packed",
        "empty-fmt",
        "number-fmt",
        "4-certificates",
        "1-certificate",
        "no-receipt",
        "short-authData",
        "truncated",
        "trailing",
        "oversized",
    ],
)
def test_each_departure_from_apples_sample_is_refused(sample: bytes, change, detail) -> None:
    assert detail in _refused(shapes.check_attestation, change(sample))


def test_a_padded_sample_is_refused_on_its_count(sample: bytes) -> None:
    leaf, intermediate = cbor2.loads(sample)["attStmt"]["x5c"]
    name = x509.load_der_x509_certificate(leaf).issuer
    padded = reshaped(sample, x5c=[leaf, *impostor_cas(name, 8), intermediate])
    assert _refused(shapes.check_attestation, padded) == "shape: x5c of 10 certificates"


def test_an_assertion_may_carry_extension_data(root: TestRoot) -> None:
    key = AppAttestKey.generate()
    made = cbor2.loads(key.assertion(b"c", "TEAM000000.a.b", 3))
    shapes.check_assertion(cbor2.dumps(made))
    # iOS 27 devices append extension data to the authenticator data, as to authData.
    extended = {**made, "authenticatorData": made["authenticatorData"] + cbor2.dumps({"a": 1})}
    shapes.check_assertion(cbor2.dumps(extended))
    for forged in (
        {**made, "signature": b"\x02" * 70},
        {**made, "signature": b"\x30" * 73},
        {**made, "authenticatorData": made["authenticatorData"][:36]},
        {"signature": made["signature"]},
        [made["signature"], made["authenticatorData"]],
    ):
        _refused(shapes.check_assertion, cbor2.dumps(forged))


def _header(token: str, **members: Any) -> str:
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    encoded = base64.urlsafe_b64encode(json.dumps({**header, **members}).encode()).rstrip(b"=")
    return encoded.decode() + token[token.index(".") :]


def test_a_play_integrity_token_has_googles_jwe_shape(root: TestRoot) -> None:
    token = integrity_token(root.play, package_name="p.q", nonce=b"n" * 32)
    shapes.check_integrity_token(token)
    parts = token.split(".")
    for forged, detail in (
        (_header(token, alg="dir"), "algorithms"),
        (_header(token, enc="A128GCM"), "algorithms"),
        (_header(token, zip="DEF"), "zip"),
        (".".join([parts[0], parts[1][:-4], *parts[2:]]), "size"),
        (".".join([*parts[:4], parts[4] + "AAAA"]), "size"),
        (".".join(parts[:4]), "parts"),
        ("!" + token[1:], "encoding"),
        (base64.urlsafe_b64encode(b"[" * 600).decode() + token[token.index(".") :], "encoding"),
    ):
        assert detail in _refused(shapes.check_integrity_token, forged), forged[:40]
