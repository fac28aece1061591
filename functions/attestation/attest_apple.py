"""App Attest: attestations and assertions verified by pyattest, its exceptions mapped to the
contract's refusal codes. What pyattest leaves out is done here: the assertion's RP ID (App ID)
and, with attest_keys, its counter.
"""

from __future__ import annotations

import asyncio
import struct
from hashlib import sha256

from asn1crypto.x509 import Certificate
from attest_errors import Refusal
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyattest import exceptions as pa
from pyattest.assertion import Assertion
from pyattest.attestation import Attestation
from pyattest.configs.apple import AppleConfig
from pyattest.verifiers.apple_attestation import AppleAttestationVerifier
from pyattest.verifiers.utils import _load_certificate
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.path import ValidationPath

# Most specific first: every pyattest exception derives from PyAttestException.
_CODES: tuple[tuple[type[Exception], str], ...] = (
    (pa.InvalidAppIdException, "app_id_mismatch"),
    (pa.InvalidNonceException, "nonce_mismatch"),
    (pa.InvalidCertificateChainException, "untrusted_root"),
    (pa.InvalidKeyIdException, "key_id_mismatch"),
    (pa.InvalidCredentialIdException, "key_id_mismatch"),
    (pa.InvalidAaguidException, "environment_mismatch"),
)
# What malformed CBOR, authData or certificates raise inside pyattest's unpacking: the caller's
# bytes, not our bug, so evidence_invalid rather than a 500.
DECODING_ERRORS = (
    pa.PyAttestException,
    ValueError,  # cbor2 and asn1crypto decoding errors derive from it
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    struct.error,
)


def refusal_for(exc: BaseException) -> Refusal:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return Refusal(code, type(exc).__name__)
    return Refusal("evidence_invalid", type(exc).__name__)


class PinnedRootAttestationVerifier(AppleAttestationVerifier):
    """pyattest's verifier, with the chain checked against the configured root ONLY.

    pyattest passes its root as `extra_trust_roots`, which pyhanko-certvalidator adds to the
    operating system's TLS trust list; a chain to any public CA would then pass that step.
    App Attest has exactly one root (Apple's, or offline the test root), so it is the only one.
    """

    async def verify_certificate_chain(self, chain: list[bytes]) -> ValidationPath:
        leaf = _load_certificate(chain.pop(0))
        context = ValidationContext(trust_roots=[self.attestation.config.root_ca])
        intermediates = [_load_certificate(i) for i in chain]
        validator = CertificateValidator(leaf, intermediates, validation_context=context)
        try:
            return await validator.async_validate_usage({"digital_signature"})
        except (PathBuildingError, PathValidationError) as exception:
            raise pa.InvalidCertificateChainException from exception


class PinnedAppleConfig(AppleConfig):
    attestation_verifier_class = PinnedRootAttestationVerifier


def verify_attestation(
    raw: bytes,
    challenge: str,
    key_id: bytes,
    *,
    app_id: str,
    production: bool,
    root_pem: bytes | None,
    config_class: type[AppleConfig] = PinnedAppleConfig,
) -> str:
    """The attested public key (PEM SubjectPublicKeyInfo), or a Refusal.

    pyattest hashes the nonce it is given: giving it the challenge's UTF-8 bytes makes
    clientDataHash = SHA256(challenge), as the contract says.
    """
    config = config_class(key_id=key_id, app_id=app_id, production=production, root_ca=root_pem)
    attestation = Attestation(raw, challenge.encode(), config)
    try:
        asyncio.run(attestation.verify())
    except DECODING_ERRORS as exc:
        raise refusal_for(exc) from None
    leaf: Certificate = attestation.data["certs"].last
    public_key = serialization.load_der_public_key(leaf.public_key.dump())
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def verify_assertion(
    raw: bytes,
    challenge: str,
    public_key: ec.EllipticCurvePublicKey,
    *,
    app_id: str,
    production: bool,
    config_class: type[AppleConfig] = PinnedAppleConfig,
) -> int:
    """The assertion's counter once its signature and RP ID check out, or a Refusal.

    The caller still has to check that the counter increases (attest_keys.advance_counter).
    """
    config = config_class(key_id=b"", app_id=app_id, production=production)
    assertion = Assertion(raw, sha256(challenge.encode()).digest(), public_key, config)
    try:
        assertion.verify()
    except InvalidSignature:
        raise Refusal("assertion_invalid", "InvalidSignature") from None
    except DECODING_ERRORS as exc:
        raise Refusal("evidence_invalid", type(exc).__name__) from None
    # pyattest's assertion verifier checks neither: Apple's step 4 (RP ID) is ours.
    if assertion.data["rp_id"] != sha256(app_id.encode()).digest():
        raise Refusal("app_id_mismatch", "rp_id")
    return int(assertion.data["counter"])
