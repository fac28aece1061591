"""A TEST certificate authority for App Attest and TEST Play Integrity keys. Never for production.

Why mint our own rather than use pyattest.testutils: pyattest 1.0.5's fixture root expired in
February 2021, so its chains no longer validate, and its factory makes an RSA leaf key and keeps
the private key to itself, while App Attest keys are EC P-256 and a refresh needs the private key
to sign assertions.

Directory layout (`TestRoot.create` writes it, `TestRoot.load` reads it):

    root.pem, root-key.pem                  self-signed EC P-384 root (10 years)
    intermediate.pem, intermediate-key.pem  EC P-384 intermediate signed by the root
    play-integrity.json                     {"decryptionKey", "verificationKey", "signingKey"}

Private keys are written owner-readable only; they are test keys, but a stack that was told to
trust this root admits whatever they sign.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT_FILE = "root.pem"
ROOT_KEY_FILE = "root-key.pem"
INTERMEDIATE_FILE = "intermediate.pem"
INTERMEDIATE_KEY_FILE = "intermediate-key.pem"
PLAY_INTEGRITY_FILE = "play-integrity.json"

_VALIDITY = datetime.timedelta(days=3650)
# A little in the past, so that a verifier whose clock is slightly behind still accepts the chain.
_BACKDATE = datetime.timedelta(minutes=5)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "guest-api TEST (not for production)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    path_length: int,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name = issuer.subject if issuer is not None else _name(subject)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key, hashes.SHA384())
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_key(data: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("expected an EC private key")
    return key


@dataclass(frozen=True)
class PlayIntegrityKeys:
    """TEST Play Integrity keys: what Play Console would give a backend, plus the signing half
    Google keeps (here we are Google, to mint tokens)."""

    decryption_key: bytes = field(repr=False)  # AES-256, wraps the JWE's content key (A256KW)
    signing_key: ec.EllipticCurvePrivateKey = field(repr=False)  # ES256, signs the inner JWS

    @classmethod
    def generate(cls) -> PlayIntegrityKeys:
        return cls(secrets.token_bytes(32), ec.generate_private_key(ec.SECP256R1()))

    @property
    def decryption_key_b64(self) -> str:
        return base64.standard_b64encode(self.decryption_key).decode()

    @property
    def verification_key_b64(self) -> str:
        """Base64 DER SubjectPublicKeyInfo, the format Play Console shows."""
        der = self.signing_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.standard_b64encode(der).decode()

    def parameter_value(self) -> str:
        """The SSM SecureString value the attestation function reads."""
        return json.dumps(
            {"decryptionKey": self.decryption_key_b64, "verificationKey": self.verification_key_b64}
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "decryptionKey": self.decryption_key_b64,
                "verificationKey": self.verification_key_b64,
                "signingKey": _key_pem(self.signing_key).decode(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> PlayIntegrityKeys:
        data = json.loads(text)
        return cls(
            base64.standard_b64decode(data["decryptionKey"]),
            _load_key(data["signingKey"].encode()),
        )


@dataclass(frozen=True)
class TestRoot:
    """A TEST App Attest CA (root + intermediate) and TEST Play Integrity keys.

    Trusting `root_pem` means admitting any evidence these keys sign: only the offline stack
    (ATTESTATION_TEST_ROOT_PEM) and tests ever do.
    """

    __test__ = False  # a library class, not a pytest test class

    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey = field(repr=False)
    intermediate: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey = field(repr=False)
    play: PlayIntegrityKeys = field(repr=False)

    @classmethod
    def generate(cls) -> TestRoot:
        """A new test CA in memory (tests that need a second, untrusted root use this)."""
        root_key = ec.generate_private_key(ec.SECP384R1())
        root = _ca_certificate("guest-api TEST App Attest root", root_key, None, root_key, 1)
        intermediate_key = ec.generate_private_key(ec.SECP384R1())
        intermediate = _ca_certificate(
            "guest-api TEST App Attest intermediate", intermediate_key, root, root_key, 0
        )
        return cls(root, root_key, intermediate, intermediate_key, PlayIntegrityKeys.generate())

    @classmethod
    def create(cls, directory: Path) -> TestRoot:
        """Generate a test CA and keys and write them to `directory` (created if missing)."""
        made = cls.generate()
        made.save(directory)
        return made

    @classmethod
    def load(cls, directory: Path) -> TestRoot:
        """Read a test CA written by `create`; OSError or ValueError when it is incomplete."""
        directory = Path(directory)
        return cls(
            x509.load_pem_x509_certificate((directory / ROOT_FILE).read_bytes()),
            _load_key((directory / ROOT_KEY_FILE).read_bytes()),
            x509.load_pem_x509_certificate((directory / INTERMEDIATE_FILE).read_bytes()),
            _load_key((directory / INTERMEDIATE_KEY_FILE).read_bytes()),
            PlayIntegrityKeys.from_json(
                (directory / PLAY_INTEGRITY_FILE).read_text(encoding="utf-8")
            ),
        )

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        files = {
            ROOT_FILE: (self.root_pem, False),
            ROOT_KEY_FILE: (_key_pem(self.root_key), True),
            INTERMEDIATE_FILE: (self.intermediate.public_bytes(serialization.Encoding.PEM), False),
            INTERMEDIATE_KEY_FILE: (_key_pem(self.intermediate_key), True),
            PLAY_INTEGRITY_FILE: (self.play.to_json().encode() + b"\n", True),
        }
        for name, (data, private) in files.items():
            path = directory / name
            # Created with the final mode, so a private key is never readable by others.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
            with os.fdopen(fd, "wb") as out:
                out.write(data)

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def intermediate_der(self) -> bytes:
        return self.intermediate.public_bytes(serialization.Encoding.DER)

    def play_integrity_keys_json(self) -> str:
        """`{"decryptionKey", "verificationKey"}`: the SecureString value the function reads."""
        return self.play.parameter_value()
