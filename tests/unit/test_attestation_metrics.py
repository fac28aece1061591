"""The attestation function's metrics: the EMF it prints per the contract of docs/attestation.md
(the template's dashboard and alarm read these names and dimensions), and nothing secret in them.
Also: a refusal on the cheap checks never imports the verifier libraries."""

from __future__ import annotations

from typing import Any

import pytest

from _attestation_harness import DEBUG_TOKEN, INSTALL_SECRET, Harness, emf
from guestapi.attestation.apple_evidence import AppAttestKey

NAMESPACE = "GuestApi/Attestation"


def _metrics(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """(metric name, {dimension: value}) for every metric of every document."""
    found = []
    for doc in docs:
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        (dimensions,) = directive["Dimensions"]
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count" and doc[metric["Name"]] == [1.0]
            found.append((metric["Name"], {name: doc[name] for name in dimensions}))
    return found


def test_an_admitted_attestation_counts_admitted_by_kind(fn: Harness, capsys) -> None:
    capsys.readouterr()
    key = AppAttestKey.generate()
    assert fn.attest_apple(key)[0] == 200
    assert fn.post("/attest", fn.android_body(fn.challenge()))[0] == 200
    assert fn.post("/attest", fn.debug_body(fn.challenge()))[0] == 200
    assert fn.refresh(key, 1)[0] == 200
    service = {"service": "attestation"}
    challenge = ("ChallengesIssued", service)
    assert _metrics(emf(capsys.readouterr().out)) == [
        challenge,
        ("Admitted", {**service, "kind": "apple"}),
        challenge,
        ("Admitted", {**service, "kind": "android"}),
        challenge,
        ("Admitted", {**service, "kind": "debug"}),
        challenge,
        ("Admitted", {**service, "kind": "apple"}),  # a refresh counts as apple
    ]


def test_a_refusal_counts_refused_and_refused_by_code(fn: Harness, capsys) -> None:
    capsys.readouterr()
    assert fn.post("/attest", fn.debug_body("C" * 43))[0] == 403  # never issued
    assert fn.post("/attest/refresh", "[" * 100)[0] == 400
    assert fn.post("/attest/challenge", "[1]")[0] == 400  # a challenge request: not counted
    service = {"service": "attestation"}
    assert _metrics(emf(capsys.readouterr().out)) == [
        ("RefusedByCode", {**service, "code": "challenge_unknown"}),
        ("Refused", service),
        ("RefusedByCode", {**service, "code": "malformed_request"}),
        ("Refused", service),
    ]


def test_the_emf_is_powertools_own_and_names_the_service(fn: Harness, capsys) -> None:
    capsys.readouterr()
    fn.post("/attest", fn.debug_body("C" * 43))
    docs = emf(capsys.readouterr().out)
    refused = next(d for d in docs if "Refused" in d)
    assert refused["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert isinstance(refused["_aws"]["Timestamp"], int)


def test_no_metric_or_log_carries_evidence_tokens_or_secrets(
    fn: Harness, capfd: pytest.CaptureFixture
) -> None:
    seen: list[str] = [DEBUG_TOKEN, INSTALL_SECRET]
    apple = fn.apple_body(AppAttestKey.generate(), fn.challenge())
    android = fn.android_body(fn.challenge())
    for body in (apple, android, fn.debug_body(fn.challenge())):
        status, answer = fn.post("/attest", body)
        assert status == 200
        seen.append(answer["Token"])
    seen += [apple["attestation"], android["integrityToken"]]
    refused = fn.android_body(fn.challenge(), package_name="com.other")
    assert fn.post("/attest", refused)[0] == 403
    seen.append(refused["integrityToken"])
    out = capfd.readouterr().out
    logged = fn.logs.text() + out
    assert len(emf(out)) >= 7 and "refused" in logged  # metrics and logs were printed...
    for secret in seen:
        assert secret not in logged  # ...and none holds a secret
        assert secret[:24] not in logged
