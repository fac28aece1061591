"""App Attest: attestations and assertions verified by pyattest, its exceptions mapped to the
contract's refusal codes. What pyattest leaves out is done here: the assertion's RP ID (App ID)
and, with attest_keys, its counter; attest_shapes has checked the evidence's shape before.

Imported only once a request has passed the cheap checks (attest_service), so a refusal of a
malformed request never pays for pyattest, pyhanko-certvalidator and their imports.
"""

from __future__ import annotations

import asyncio
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
# What a verifier may raise on the caller's evidence. Everything a verification touches is the
# caller's bytes (certificates for asn1crypto and pyhanko, CBOR for cbor2, signatures for
# cryptography), and those libraries raise many unrelated classes on malformed input (cbor2's
# CBORDecodeError and pyhanko's InvalidCertificateError are not ValueErrors). Any of them means
# "not verified": a coded refusal, failing closed, with the class name in the log.
VERIFICATION_ERRORS: tuple[type[Exception], ...] = (Exception,)


def refusal_for(exc: BaseException) -> Refusal:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return Refusal(code, type(exc).__name__)
    return Refusal("evidence_invalid", type(exc).__name__)


def split_chain(chain: list[bytes]) -> tuple[bytes, list[bytes]]:
    """(credCert, [intermediate]): the only chain App Attest has. attest_shapes refused any other
    count already; this keeps a longer one from path building even if that check were gone."""
    if len(chain) != 2:
        raise pa.InvalidCertificateChainException
    return chain[0], chain[1:]


class PinnedRootAttestationVerifier(AppleAttestationVerifier):
    """pyattest's verifier, with the chain built from exactly [leaf, intermediate] to the
    configured root and nothing else.

    pyattest passes its root as `extra_trust_roots`, which pyhanko-certvalidator adds to the
    operating system's TLS trust list, and passes every x5c entry after the first as a candidate
    intermediate. A chain to any public CA would then pass, and a padded x5c makes path building
    try every candidate (seconds of CPU per request). App Attest has one root (Apple's, or offline
    the test root) and one intermediate: those are all that path building ever sees.
    """

    async def verify_certificate_chain(self, chain: list[bytes]) -> ValidationPath:
        leaf, intermediates = split_chain(chain)
        return await self.validate_path(leaf, intermediates)

    async def validate_path(self, leaf: bytes, intermediates: list[bytes]) -> ValidationPath:
        """pyhanko's path building and validation: the expensive step (tests count its calls)."""
        context = ValidationContext(trust_roots=[self.attestation.config.root_ca])
        validator = CertificateValidator(
            _load_certificate(leaf),
            [_load_certificate(der) for der in intermediates],
            validation_context=context,
        )
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
        leaf: Certificate = attestation.data["certs"].last
        public_key = serialization.load_der_public_key(leaf.public_key.dump())
    except VERIFICATION_ERRORS as exc:
        raise refusal_for(exc) from None
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
        rp_id, counter = assertion.data["rp_id"], int(assertion.data["counter"])
    except InvalidSignature:
        raise Refusal("assertion_invalid", "InvalidSignature") from None
    except VERIFICATION_ERRORS as exc:
        raise Refusal("evidence_invalid", type(exc).__name__) from None
    # pyattest's assertion verifier checks neither: Apple's step 4 (RP ID) is ours.
    if rp_id != sha256(app_id.encode()).digest():
        raise Refusal("app_id_mismatch", "rp_id")
    return counter
