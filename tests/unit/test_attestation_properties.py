"""Property: whatever a caller sends, the attestation function answers 200 or one documented
refusal code with its documented status, never a 5xx.

Hypothesis mutates genuine requests of every kind (App Attest attestation, Play Integrity,
debug token, App Attest refresh): the JSON body (members dropped, replaced by any JSON value,
added; the text cut or spliced), and the evidence inside it (bytes flipped, cut or inserted;
CBOR members replaced by any CBOR value; JWE parts and characters replaced; secrets edited).
Each example is a fresh challenge and fresh genuine evidence, so a mutation that keeps the
evidence valid is admitted and one that breaks it deep inside reaches the verifiers.

Seeded (derandomize): CI runs the same examples every time. The report that prompted this found
25-30 of 150 such mutations answered 502 before the function bounded its inputs.
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Callable
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from _attestation_harness import Harness, b64
from guestapi.attestation.apple_evidence import AppAttestKey

# Hundreds of generated requests a test (1-3 s each): kept out of `make test`.
pytestmark = pytest.mark.slow

EXAMPLES = 200
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CBOR = st.recursive(
    st.none() | st.booleans() | st.integers() | st.binary(max_size=80) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


# ----- mutations -------------------------------------------------------------------------------
def _at(data: st.DataObject, length: int) -> int:
    """A position in 0..length. Drawn independently of the length (fresh keys and challenges make
    every example's evidence a few bytes longer or shorter), as Hypothesis replays draws."""
    return data.draw(st.integers(0, 2**20)) % (length + 1)


def _bytes_mutation(data: st.DataObject, raw: bytes) -> bytes:
    how = data.draw(st.sampled_from(["flip", "cut", "insert", "cbor-member"]))
    if how == "flip":
        mutated = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 8))):
            mutated[_at(data, len(raw) - 1)] = data.draw(st.integers(0, 255))
        return bytes(mutated)
    if how == "cut":
        return raw[: _at(data, len(raw))]
    if how == "insert":
        at = _at(data, len(raw))
        return raw[:at] + data.draw(st.binary(min_size=1, max_size=64)) + raw[at:]
    return _cbor_member(data, raw)


def _cbor_member(data: st.DataObject, raw: bytes) -> bytes:
    """Replace one member at any depth of the decoded CBOR by any CBOR value."""
    decoded = cbor2.loads(raw)
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            paths.append((node, key))
            if isinstance(value, dict | list):
                walk(value)

    walk(decoded)
    node, key = paths[_at(data, len(paths) - 1)]
    node[key] = data.draw(CBOR)
    return cbor2.dumps(decoded)


def _text_mutation(data: st.DataObject, text: str) -> str:
    how = data.draw(st.sampled_from(["replace", "cut", "insert", "part"]))
    if how == "replace":
        at = _at(data, len(text) - 1)
        return text[:at] + data.draw(st.characters()) + text[at + 1 :]
    if how == "cut":
        return text[: _at(data, len(text))]
    if how == "insert":
        at = _at(data, len(text))
        return text[:at] + data.draw(st.text(min_size=1, max_size=40)) + text[at:]
    parts = text.split(".")
    index = _at(data, len(parts) - 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
    parts[index] = data.draw(st.text(alphabet=alphabet, max_size=120))
    return ".".join(parts)


def _evidence_mutation(data: st.DataObject, body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    if "attestation" in body or "assertion" in body:
        member = "attestation" if "attestation" in body else "assertion"
        raw = base64.b64decode(body[member])
        body[member] = b64(_bytes_mutation(data, raw))
    else:
        member = data.draw(st.sampled_from([m for m in body if m not in ("kind", "challenge")]))
        body[member] = _text_mutation(data, body[member])
    return body


def _body_mutation(data: st.DataObject, body: dict[str, Any]) -> Any:
    how = data.draw(st.sampled_from(["drop", "replace", "add", "whole"]))
    body = dict(body)
    if how == "drop":
        body.pop(data.draw(st.sampled_from(sorted(body))))
    elif how == "replace":
        body[data.draw(st.sampled_from(sorted(body)))] = data.draw(JSON)
    elif how == "add":
        body[data.draw(st.text(max_size=12))] = data.draw(JSON)
    else:
        return data.draw(JSON)
    return body


def _text_body_mutation(data: st.DataObject, body: dict[str, Any]) -> str:
    return _text_mutation(data, json.dumps(body))


def _mutated(data: st.DataObject, body: dict[str, Any]) -> Any:
    layer = data.draw(st.sampled_from(["evidence", "evidence", "body", "text"]))
    if layer == "evidence":
        return _evidence_mutation(data, body)
    if layer == "body":
        return _body_mutation(data, body)
    return _text_body_mutation(data, body)


# ----- the property ----------------------------------------------------------------------------
def _documented(fn: Harness, status: int, answer: dict[str, Any]) -> None:
    assert status < 500, answer
    if status == 200:
        assert {"IdentityId", "Token", "TokenDuration", "Kind"} <= set(answer)
        return
    assert answer["code"] in importlib.import_module("attest_errors").MESSAGES, answer
    refusal = fn.module.Refusal(answer["code"])
    assert (status, answer["message"]) == (refusal.status, refusal.message)


def _run(
    fn: Harness,
    route: str,
    genuine: Callable[[str], dict[str, Any]],
    config: settings = SETTINGS,
) -> None:
    outcomes: dict[str, int] = {}

    @config
    @given(st.data())
    def property_holds(data: st.DataObject) -> None:
        body = _mutated(data, genuine(fn.challenge()))
        status, answer = fn.post(route, body)
        _documented(fn, status, answer)
        code = answer.get("code", "admitted")
        outcomes[code] = outcomes.get(code, 0) + 1

    property_holds()
    # The mutations reached more than the schema: the examples spread over many codes.
    assert sum(outcomes.values()) >= EXAMPLES and len(outcomes) >= 3, outcomes


def test_mutated_app_attest_attestations(fn: Harness) -> None:
    _run(fn, "/attest", lambda challenge: fn.apple_body(AppAttestKey.generate(), challenge))


def test_mutated_play_integrity_requests(fn: Harness) -> None:
    _run(fn, "/attest", fn.android_body)


def test_mutated_debug_token_requests(fn: Harness) -> None:
    _run(fn, "/attest", fn.debug_body)


def test_mutated_refreshes(fn: Harness) -> None:
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    counter = iter(range(1, 10**6))

    def genuine(challenge: str) -> dict[str, Any]:
        made = key.assertion(challenge.encode(), fn.settings.apple_app_id, next(counter))
        return {"keyId": key.key_id_b64, "challenge": challenge, "assertion": b64(made)}

    _run(fn, "/attest/refresh", genuine)


def test_without_the_protections_the_property_fails(
    fn: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shape checks gone and the verifier boundary back to what it caught before: the same
    # seeded mutations find a 5xx (the report's 502, here the function's 500 fallback).
    shapes, apple = (
        importlib.import_module("attest_shapes"),
        importlib.import_module("attest_apple"),
    )
    monkeypatch.setattr(shapes, "check_attestation", lambda raw: shapes.AttestationShape(b"r"))
    monkeypatch.setattr(apple, "VERIFICATION_ERRORS", (ValueError, KeyError, IndexError, TypeError))
    quick = settings(SETTINGS, phases=[Phase.generate])  # the first failure is enough
    with pytest.raises(AssertionError, match="internal_error"):
        _run(
            fn,
            "/attest",
            lambda challenge: fn.apple_body(AppAttestKey.generate(), challenge),
            quick,
        )
