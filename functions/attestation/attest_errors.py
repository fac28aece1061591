"""Refusals: one code from docs/attestation.md, its status and its one-sentence message."""

from __future__ import annotations

MESSAGES = {
    "malformed_request": (
        "The body is not JSON, is too large or too deep, or a member is missing, of the wrong "
        "type or out of its bounds."
    ),
    "weak_secret": "The installSecret or debugToken is too short or too repetitive to be secret.",
    "provider_not_configured": "This stack is not configured for that kind of evidence.",
    "challenge_unknown": "This service never issued that challenge.",
    "challenge_expired": "The challenge has expired; ask for a new one.",
    "challenge_replayed": "The challenge was already used; ask for a new one.",
    "app_id_mismatch": "The evidence is for another app.",
    "nonce_mismatch": "The evidence was made over another challenge.",
    "untrusted_root": "The certificate chain does not end at the trusted root.",
    "key_id_mismatch": "The key id is not the attested key's.",
    "environment_mismatch": "The App Attest environment does not match this stack's.",
    "key_already_attested": "That key was attested before; generate a new key.",
    "unknown_key": "That key was never attested here.",
    "assertion_invalid": "The assertion's signature does not verify with the attested key.",
    "counter_not_increasing": "The assertion counter is not above the last one seen.",
    "integrity_verdict_failed": "The Play Integrity app or device verdict is not good enough.",
    "evidence_expired": "The Play Integrity token was not made during the challenge's lifetime.",
    "evidence_invalid": "The evidence cannot be decoded or fails a check.",
    "debug_token_unknown": "No registered debug token matches.",
    "debug_token_not_allowed": "Debug tokens are refused in this environment.",
    "identity_service_unavailable": "A service the attestation depends on failed; try again later.",
}
_STATUS = {"malformed_request": 400, "weak_secret": 400, "identity_service_unavailable": 503}


class Refusal(Exception):
    """The service says no. `detail` goes to the log only (an exception class name or the rule
    that failed, never evidence or tokens); the caller sees the code and its fixed message."""

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in MESSAGES:
            raise ValueError(f"not a refusal code of docs/attestation.md: {code}")
        super().__init__(code)
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 403)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
