"""TEST evidence for attested installs: a test App Attest CA, test Play Integrity keys, and the
App Attest / Play Integrity evidence they sign (docs/attestation.md).

Nothing here is for production: a stack trusts these only when told to
(`local.py --attestation-test-root` sets ATTESTATION_TEST_ROOT_PEM offline, never the template).
The offline stack, the check suite and the tests use it to exercise the real verification path
(pyattest in the attestation function) without an Apple device or Google Play.
"""
