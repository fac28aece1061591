"""scripts/debug_token.py: it makes 256-bit tokens, refuses to hash (register) a weak one, and its
rule is the service's (functions/attestation/attest_secrets.py), which it cannot import."""

from __future__ import annotations

import hashlib
import importlib
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _attestation_harness import load_function
from guestapi.cli import debug_token

load_function()
service_rule: Any = importlib.import_module("attest_secrets")


def test_new_makes_a_token_the_service_accepts(capsys: pytest.CaptureFixture) -> None:
    assert debug_token.main(["new"]) == 0
    token_line, hash_line = capsys.readouterr().out.splitlines()
    token = token_line.removeprefix("token: ")
    assert len(token) == 43  # 256 bits of base64url
    assert service_rule.weakness(token) is None
    assert hash_line == "hash:  " + hashlib.sha256(token.encode()).hexdigest()


def test_hash_prints_the_hash_of_a_strong_token(monkeypatch, capsys) -> None:
    token = "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5oQ7sU9w"
    monkeypatch.setenv("GUESTAPI_DEBUG_TOKEN", token)
    assert debug_token.main(["hash"]) == 0
    assert capsys.readouterr().out.strip() == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize(
    "token", ["short-token", "ci-debug-token-" + "x" * 32, "A" * 43, "has space " * 5, "é" * 30]
)
def test_hash_refuses_a_weak_token_in_one_line(monkeypatch, capsys, token: str) -> None:
    monkeypatch.setenv("GUESTAPI_DEBUG_TOKEN", token)
    assert debug_token.main(["hash"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("debug_token.py: refused to hash a weak token")
    assert token not in err


def test_hash_without_the_rule_would_register_a_weak_token(monkeypatch, capsys) -> None:
    # The control: with the rule removed, the same weak token is hashed for registration.
    monkeypatch.setenv("GUESTAPI_DEBUG_TOKEN", "short-token")
    monkeypatch.setattr(debug_token, "weakness", lambda token: None)
    assert debug_token.main(["hash"]) == 0
    assert capsys.readouterr().out.strip() == hashlib.sha256(b"short-token").hexdigest()


_ALPHABET = string.ascii_letters + string.digits + "-_"


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.one_of(
        st.text(alphabet=_ALPHABET, max_size=100),
        st.text(alphabet="ab0-", min_size=20, max_size=40),
        st.text(max_size=30),
        st.lists(st.sampled_from(_ALPHABET), min_size=10, max_size=90).map("".join),
    )
)
def test_the_cli_and_the_service_agree_on_every_token(token: str) -> None:
    assert (debug_token.weakness(token) is None) == (service_rule.weakness(token) is None)
