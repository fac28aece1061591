"""Hostile inputs to the attestation function: each is refused with a documented 4xx code, before
any expensive step, and without touching DynamoDB when its shape alone is wrong.

Each protection is also shown to bite: with it removed (through the function's own seams, never
by patching a library), the same input reaches the slow path, crashes (5xx) or is admitted.
"""

from __future__ import annotations

import base64
import importlib
from typing import Any

import cbor2
import pytest

from _attestation_harness import INSTALL_SECRET, Harness, b64
from guestapi.attestation.apple_evidence import AppAttestKey, impostor_cas, reshaped

# The checks before pyattest existed: what the function caught around the verifier.
PRE_FIX_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError)


def _module(name: str) -> Any:
    return importlib.import_module(name)  # the function's modules, on sys.path via the harness


class Table:
    """The real table, with every call recorded: which requests reach DynamoDB at all."""

    def __init__(self, table: Any) -> None:
        self.table, self.calls = table, []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.table, name)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return recorded


def _recording(fn: Harness) -> Table:
    table = Table(fn.module._get_service().challenges.table)
    fn.reconfigure(keys=_module("attest_keys").KeyStore(table, fn.clock))
    fn.module._get_service().challenges.table = table
    return table


def _count_path_building(
    monkeypatch: pytest.MonkeyPatch, seen: list[int], *, build: bool = True
) -> None:
    """The pinned configuration, with pyhanko's path building (validate_path) counted: `seen`
    gets the number of candidate intermediates of each call. build=False records the call and
    refuses instead of building, for the tests that would otherwise burn seconds of CPU."""
    apple = _module("attest_apple")

    class Counting(apple.PinnedRootAttestationVerifier):
        async def validate_path(self, leaf: bytes, intermediates: list[bytes]) -> Any:
            seen.append(len(intermediates))
            if not build:
                raise apple.pa.InvalidCertificateChainException
            return await super().validate_path(leaf, intermediates)

    class Config(apple.PinnedAppleConfig):
        attestation_verifier_class = Counting

    monkeypatch.setattr(apple, "PinnedAppleConfig", Config)


def _apple(fn: Harness, challenge: str, **changes: Any) -> dict[str, Any]:
    """Genuine evidence over `challenge`, then reshaped (reshaped's members), as the attacker."""
    key = AppAttestKey.generate()
    body = fn.apple_body(key, challenge)
    if changes:
        raw = base64.b64decode(body["attestation"])
        body["attestation"] = b64(reshaped(raw, **changes))
    return body


def _with_x5c(fn: Harness, challenge: str, x5c: Any) -> dict[str, Any]:
    """Genuine evidence over `challenge`, its x5c replaced by `x5c(leaf, intermediate)`."""
    body = fn.apple_body(AppAttestKey.generate(), challenge)
    raw = base64.b64decode(body["attestation"])
    return {**body, "attestation": b64(reshaped(raw, x5c=x5c(*cbor2.loads(raw)["attStmt"]["x5c"])))}


def _padded_x5c(fn: Harness, challenge: str, impostors: int) -> dict[str, Any]:
    # The report's chain: impostor CAs all named as the leaf's issuer, the genuine one last.
    pads = impostor_cas(fn.root.intermediate.subject, impostors)
    return _with_x5c(fn, challenge, lambda leaf, intermediate: [leaf, *pads, intermediate])


def _code(answer: tuple[int, dict]) -> tuple[int, str]:
    status, body = answer
    return status, body.get("code", "admitted" if "Token" in body else "?")


# ----- the padded chain ------------------------------------------------------------------------
@pytest.mark.parametrize("impostors", [8, 1], ids=["10-certificates", "3-certificates"])
def test_a_padded_x5c_is_refused_before_path_building_and_before_dynamodb(
    fn: Harness, impostors: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    _count_path_building(monkeypatch, seen)
    table = _recording(fn)
    challenge = fn.challenge()
    table.calls.clear()
    answer = fn.post("/attest", _padded_x5c(fn, challenge, impostors))
    assert _code(answer) == (403, "evidence_invalid")
    assert seen == [] and table.calls == []  # pyhanko never ran; DynamoDB never asked
    assert f"x5c of {impostors + 2} certificates" in fn.logs.text()
    assert _code(fn.post("/attest", fn.apple_body(AppAttestKey.generate(), challenge))) == (
        200,
        "admitted",
    )  # the challenge was not spent, and path building runs for genuine evidence
    assert seen == [1]


def test_the_padded_x5c_protections_bite(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    _count_path_building(monkeypatch, seen, build=False)
    # Shape check removed: the request now spends its challenge and reaches the verifier, whose
    # own split keeps the padded chain from path building (the second layer).
    monkeypatch.setattr(_module("attest_shapes"), "check_x5c", lambda value: None)
    challenge = fn.challenge()
    assert _code(fn.post("/attest", _padded_x5c(fn, challenge, 8))) == (403, "untrusted_root")
    assert seen == []
    assert _code(fn.post("/attest", _apple(fn, challenge))) == (403, "challenge_replayed")
    # Both removed: pyhanko is handed all nine candidate intermediates (the attack's slow path).
    monkeypatch.setattr(_module("attest_apple"), "split_chain", lambda chain: (chain[0], chain[1:]))
    fn.post("/attest", _padded_x5c(fn, fn.challenge(), 8))
    assert seen == [9]


def test_a_forged_intermediate_in_a_two_certificate_x5c_is_untrusted(fn: Harness) -> None:
    # The most a well-shaped chain can ask of pyhanko: one impostor named as Apple's intermediate.
    (impostor,) = impostor_cas(fn.root.intermediate.subject, 1)
    body = _with_x5c(fn, fn.challenge(), lambda leaf, intermediate: [leaf, impostor])
    assert _code(fn.post("/attest", body)) == (403, "untrusted_root")


# ----- undecodable evidence --------------------------------------------------------------------
def _attestation_bytes(fn: Harness) -> bytes:
    return base64.b64decode(fn.apple_body(AppAttestKey.generate(), "x" * 43)["attestation"])


GARBAGE = {
    "empty": lambda raw: b"",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "one-byte-short": lambda raw: raw[:-1],
    "trailing-bytes": lambda raw: raw + b"\x00",
    "random": lambda raw: bytes(range(256)) * 4,
    "nested-arrays": lambda raw: b"\x81" * 5000 + b"\x00",
    "indefinite-map": lambda raw: b"\xbf" + raw[1:] + b"\xff",
    "duplicate-keys": lambda raw: b"\xa4" + raw[1:] + cbor2.dumps("fmt") + cbor2.dumps("x"),
    "not-a-map": lambda raw: cbor2.dumps([raw]),
    "tagged-bytes": lambda raw: cbor2.dumps(cbor2.CBORTag(24, raw)),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_undecodable_cbor_is_evidence_invalid_without_spending_the_challenge(
    fn: Harness, name: str
) -> None:
    challenge = fn.challenge()
    body = fn.apple_body(AppAttestKey.generate(), challenge)
    body["attestation"] = b64(GARBAGE[name](_attestation_bytes(fn)))
    assert _code(fn.post("/attest", body)) == (403, "evidence_invalid")
    assert _code(fn.post("/attest", fn.apple_body(AppAttestKey.generate(), challenge)))[0] == 200


def test_undecodable_cbor_protections_bite(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = _module("attest_shapes")

    def truncated() -> dict[str, Any]:
        body = fn.apple_body(AppAttestKey.generate(), fn.challenge())
        body["attestation"] = b64(_attestation_bytes(fn)[:100])
        return body

    # Shape check removed: pyattest decodes the CBOR itself, and the verifier boundary still
    # refuses what cbor2 raises.
    monkeypatch.setattr(shapes, "check_attestation", lambda raw: shapes.AttestationShape(b"r"))
    assert _code(fn.post("/attest", truncated())) == (403, "evidence_invalid")
    # And with the boundary narrowed to what it caught before: the 5xx of the report is back.
    monkeypatch.setattr(_module("attest_apple"), "VERIFICATION_ERRORS", PRE_FIX_ERRORS)
    status, body = fn.post("/attest", truncated())
    assert (status, body["code"]) == (500, "internal_error")


@pytest.mark.parametrize(
    ("fmt", "status"),
    [("packed", 403), ("", 403), (5, 403), (None, 403), (b"apple-appattest", 403)],
)
def test_a_format_other_than_apples_is_refused(fn: Harness, fmt: Any, status: int) -> None:
    assert _code(fn.post("/attest", _apple(fn, fn.challenge(), fmt=fmt))) == (
        status,
        "evidence_invalid",
    )


def test_the_format_check_bites(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    # pyattest never reads fmt: without our check, "packed" with all else valid is admitted.
    monkeypatch.setattr(_module("attest_shapes"), "check_format", lambda value: None)
    assert _code(fn.post("/attest", _apple(fn, fn.challenge(), fmt="packed"))) == (200, "admitted")


@pytest.mark.parametrize(
    "changes",
    [
        {"x5c": []},
        {"x5c": [b"\x30\x00"]},
        {"x5c": "not a list"},
        {"x5c": [b"\x30\x01", "text"]},
        {"x5c": [b"\x04" * 40, b"\x30" * 40]},
        {"receipt": b""},
        {"receipt": "text"},
        {"receipt": b"r" * 9000},
        {"authData": b"\x00" * 86},
        {"authData": b"\x00" * 2000},
        {"authData": "text"},
    ],
    ids=lambda c: next(iter(c)) + ":" + repr(next(iter(c.values())))[:12],
)
def test_each_structural_field_is_checked(fn: Harness, changes: dict[str, Any]) -> None:
    assert _code(fn.post("/attest", _apple(fn, fn.challenge(), **changes))) == (
        403,
        "evidence_invalid",
    )


def test_auth_data_layout_is_checked(fn: Harness) -> None:
    raw = _attestation_bytes(fn)
    auth = cbor2.loads(raw)["authData"]
    no_credential_flag = auth[:32] + bytes([auth[32] & ~0x40]) + auth[33:]
    other_length = auth[:53] + b"\x00\x10" + auth[55:]
    for forged in (no_credential_flag, other_length):
        assert _code(fn.post("/attest", _apple(fn, fn.challenge(), authData=forged))) == (
            403,
            "evidence_invalid",
        )


def test_a_leaf_without_key_usage_is_evidence_invalid(
    fn: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def without_key_usage() -> tuple[int, dict]:
        challenge = fn.challenge()
        made = AppAttestKey.generate()
        raw = made.attestation(challenge, fn.settings.apple_app_id, fn.root, "production",
                               leaf_key_usage=False)  # fmt: skip
        body = fn.apple_body(made, challenge)
        return fn.post("/attest", {**body, "attestation": b64(raw)})

    assert _code(without_key_usage()) == (403, "evidence_invalid")
    assert "InvalidCertificateError" in fn.logs.text()  # pyhanko's, mapped at the boundary
    monkeypatch.setattr(_module("attest_apple"), "VERIFICATION_ERRORS", PRE_FIX_ERRORS)
    assert without_key_usage()[0] == 500  # protection removed: the crash of the report


# ----- the body and its members ----------------------------------------------------------------
def test_json_nested_deep_is_malformed(fn: Harness) -> None:
    for deep in ("[" * 100_000, "[" * 60_000, '{"a":' * 12_000, "[" * 33 + "]" * 33):
        assert _code(fn.post("/attest", deep)) == (400, "malformed_request")
    assert "over 32 opening brackets" in fn.logs.text()


def test_the_depth_bound_bites(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_module("attest_body"), "MAX_OPENING_BRACKETS", 10**9)
    status, body = fn.post("/attest", "[" * 60_000)  # under the size bound
    assert (status, body["code"]) == (500, "internal_error")  # json's RecursionError
    assert "RecursionError" in fn.logs.text()


def test_an_oversized_body_is_refused_before_it_is_parsed(
    fn: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    oversized = "x" * 70_000  # not JSON either: which refusal it gets says whether it was parsed
    assert _code(fn.post("/attest", oversized)) == (400, "malformed_request")
    assert "over 65536 characters" in fn.logs.text()
    monkeypatch.setattr(_module("attest_body"), "BODY_MAX_CHARS", 10**9)
    fn.logs.records.clear()
    assert _code(fn.post("/attest", oversized)) == (400, "malformed_request")
    assert "not JSON" in fn.logs.text()  # protection removed: the whole body was parsed


@pytest.mark.parametrize(
    ("route", "member", "length"),
    [
        ("/attest", "attestation", 21_849),
        ("/attest/refresh", "assertion", 1_369),
        ("/attest", "integrityToken", 16_385),
        ("/attest", "installSecret", 87),
        ("/attest", "debugToken", 87),
        ("/attest", "challenge", 44),
        ("/attest", "keyId", 45),
    ],
)
def test_every_member_is_bounded(fn: Harness, route: str, member: str, length: int) -> None:
    kind = {"integrityToken": "android", "installSecret": "android", "debugToken": "debug"}
    body = {"kind": kind.get(member, "apple"), "challenge": fn.challenge()}
    body |= {"keyId": AppAttestKey.generate().key_id_b64, "attestation": "AA", "assertion": "AA"}
    body |= {"installSecret": "s" * 40, "integrityToken": "a.b.c.d.e", "debugToken": "d" * 40}
    body[member] = "A" * length
    assert _code(fn.post(route, body)) == (400, "malformed_request")
    assert f"data.{member}" in fn.logs.text()


def test_member_bounds_bite(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the schema's bound, a 20 KiB attestation is decoded; the shape's own size bound is
    # the second layer that still refuses it before CBOR.
    schemas = _module("attest_schemas")
    unbounded = {**schemas.ATTEST_APPLE, "properties": {"keyId": {}, "attestation": {}}}
    monkeypatch.setattr(schemas, "ATTEST_APPLE", unbounded)
    body = fn.apple_body(AppAttestKey.generate(), fn.challenge())
    body["attestation"] = b64(b"\xa0" * 20_000)
    assert _code(fn.post("/attest", body)) == (403, "evidence_invalid")
    assert "over 16384 bytes" in fn.logs.text()


# ----- malformed requests never reach DynamoDB -----------------------------------------------
def test_shape_failures_touch_no_table(fn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _recording(fn)
    key = AppAttestKey.generate()
    bodies = [
        "[" * 1000,
        {"kind": "apple", "challenge": "C" * 43, "keyId": key.key_id_b64, "attestation": "A"},
        _apple(fn, "C" * 43, fmt="packed"),
        {"kind": "android", "challenge": "C" * 43, "installSecret": "short",
         "integrityToken": "a.b.c.d.e"},
        {"kind": "android", "challenge": "C" * 43, "installSecret": "s3cReT-" * 4,
         "integrityToken": "a.b.c.d.e"},
        {"kind": "android", "challenge": "C" * 43, "installSecret": INSTALL_SECRET,
         "integrityToken": "a.b.c.d.e"},
        {"kind": "debug", "challenge": "C" * 43, "debugToken": "a" * 30},
        {"keyId": key.key_id_b64, "challenge": "C" * 43, "assertion": b64(b"\xa0")},
    ]  # fmt: skip
    for body in bodies:
        route = "/attest/refresh" if "assertion" in body else "/attest"
        assert fn.post(route, body)[0] in (400, 403)
    assert table.calls == []
    # The control: with the shape check gone, the same packed attestation spends a challenge.
    monkeypatch.setattr(_module("attest_shapes"), "check_format", lambda value: None)
    fn.post("/attest", _apple(fn, "C" * 43, fmt="packed"))
    assert table.calls == ["update_item", "get_item"]  # consume, then why it failed (unknown)


def test_issuing_a_challenge_is_one_put_item(fn: Harness) -> None:
    table = _recording(fn)
    fn.challenge()
    assert table.calls == ["put_item"]


# ----- backends -------------------------------------------------------------------------------
@pytest.mark.parametrize("failure", ["ClientError", "EndpointConnectionError"])
def test_dynamodb_down_is_the_documented_503(fn: Harness, failure: str) -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError

    class Down:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any, **kwargs: Any) -> Any:
                if failure == "ClientError":
                    error = {"Error": {"Code": "ProvisionedThroughputExceededException"}}
                    raise ClientError(error, name)
                raise EndpointConnectionError(endpoint_url="https://dynamodb")

            return fail

    challenge = fn.challenge()
    fn.module._get_service().challenges.table = Down()
    assert _code(fn.post("/attest", fn.debug_body(challenge))) == (
        503,
        "identity_service_unavailable",
    )
    assert _code(fn.post("/attest/challenge", {})) == (503, "identity_service_unavailable")
