"""TEST App Attest evidence: what `DCAppAttestService.attestKey` and `generateAssertion` return,
signed by a TestRoot instead of Apple. Never for production. The formats are Apple's
(docs/aws-behaviour.md#app-attest-and-play-integrity-what-the-attestation-function-verifies).

Forged evidence comes from the same code with other arguments (another App ID, challenge, root,
environment, counter), so a test's forgery differs from the genuine case in one input only.
"""

from __future__ import annotations

import base64
import datetime
import struct
from dataclasses import dataclass, field
from hashlib import sha256
from typing import ClassVar, Literal

import cbor2
from asn1crypto.core import OctetString, Sequence
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from guestapi.attestation.test_root import TestRoot

NONCE_EXTENSION_OID = ObjectIdentifier("1.2.840.113635.100.8.2")
AAGUIDS = {
    "development": b"appattestdevelop",
    "production": b"appattest" + b"\x00" * 7,
}
_ATTESTED_CREDENTIAL_FLAG = 0x40  # "AT": authData carries attested credential data
_LEAF_VALIDITY = datetime.timedelta(days=3)
# Apple's receipt is a PKCS#7 signed by Apple for its fraud metric; the service stores it and
# nothing reads it, so a fixed placeholder stands in.
TEST_RECEIPT = b"guest-api TEST App Attest receipt (not Apple's)"
_BACKDATE = datetime.timedelta(minutes=5)

Environment = Literal["development", "production"]


class _NonceExtension(Sequence):
    """Apple's nonce extension value: SEQUENCE { [1] EXPLICIT OCTET STRING }."""

    _fields: ClassVar = [("nonce", OctetString, {"explicit": 1})]


def client_data_hash(client_data: bytes) -> bytes:
    return sha256(client_data).digest()


def _leaf(
    key: ec.EllipticCurvePrivateKey,
    key_id: bytes,
    nonce: bytes,
    root: TestRoot,
    *,
    key_usage: bool = True,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    extension = _NonceExtension({"nonce": nonce}).dump()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key_id.hex())]))
        .issuer_name(root.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _LEAF_VALIDITY)
        .add_extension(x509.UnrecognizedExtension(NONCE_EXTENSION_OID, extension), critical=False)
    )
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(root.intermediate_key, hashes.SHA256())


@dataclass(frozen=True)
class AppAttestKey:
    """A TEST App Attest key pair, as the Secure Enclave would hold it (EC P-256)."""

    private_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> AppAttestKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_point(self) -> bytes:
        """The uncompressed X9.62 point (0x04 | X | Y)."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @property
    def cose_key(self) -> bytes:
        """The public key as WebAuthn's credentialPublicKey: COSE EC2, ES256, P-256."""
        point = self.public_point
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:]})

    @property
    def key_id(self) -> bytes:
        """SHA256 of the public point: what `generateKey` returns (base64) as the key id."""
        return sha256(self.public_point).digest()

    @property
    def key_id_b64(self) -> str:
        return base64.standard_b64encode(self.key_id).decode()

    def auth_data(
        self,
        app_id: str,
        environment: Environment = "development",
        *,
        counter: int = 0,
        credential_id: bytes | None = None,
    ) -> bytes:
        credential = self.key_id if credential_id is None else credential_id
        return (
            sha256(app_id.encode()).digest()
            + bytes([_ATTESTED_CREDENTIAL_FLAG])
            + struct.pack("!I", counter)
            + AAGUIDS[environment]
            + struct.pack("!H", len(credential))
            + credential
            + self.cose_key
        )

    def attestation(
        self,
        challenge: str,
        app_id: str,
        root: TestRoot,
        environment: Environment = "development",
        *,
        counter: int = 0,
        credential_id: bytes | None = None,
        leaf_key_usage: bool = True,
    ) -> bytes:
        """CBOR attestation of this key over `challenge` (clientData = challenge as UTF-8).

        Forging: `app_id`, `challenge`, `root`, `environment`, `counter` and `credential_id` go
        into the evidence as given; `leaf_key_usage=False` leaves the leaf's Key Usage extension
        out. `reshaped` forges the
        object's shape.
        """
        auth_data = self.auth_data(
            app_id, environment, counter=counter, credential_id=credential_id
        )
        nonce = sha256(auth_data + client_data_hash(challenge.encode())).digest()
        leaf = _leaf(self.private_key, self.key_id, nonce, root, key_usage=leaf_key_usage)
        statement = {
            "x5c": [leaf.public_bytes(serialization.Encoding.DER), root.intermediate_der],
            "receipt": TEST_RECEIPT,
        }
        return cbor2.dumps({"fmt": "apple-appattest", "attStmt": statement, "authData": auth_data})

    def assertion(self, client_data: bytes, app_id: str, counter: int) -> bytes:
        """CBOR assertion over `client_data` (the challenge as UTF-8) with this counter."""
        authenticator_data = sha256(app_id.encode()).digest() + b"\x00" + struct.pack("!I", counter)
        signed = sha256(authenticator_data + client_data_hash(client_data)).digest()
        signature = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return cbor2.dumps({"signature": signature, "authenticatorData": authenticator_data})


def reshaped(raw: bytes, **changes: object) -> bytes:
    """The attestation object `raw` with members replaced: `x5c` and `receipt` in attStmt, the
    others (`fmt`, `authData`) at the top. Forgeries of the object's shape."""
    decoded = cbor2.loads(raw)
    for name, value in changes.items():
        (decoded["attStmt"] if name in ("x5c", "receipt") else decoded)[name] = value
    return cbor2.dumps(decoded)


def impostor_cas(name: x509.Name, count: int) -> list[bytes]:
    """`count` self-signed CA certificates (DER), each with its own key and all named `name`:
    what an attacker pads x5c with, so that a path builder tries each as the leaf's issuer."""
    now = datetime.datetime.now(datetime.UTC)
    made = []
    for _ in range(count):
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _LEAF_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        made.append(certificate.public_bytes(serialization.Encoding.DER))
    return made
