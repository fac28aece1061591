"""The attestation routes under the attack that once locked genuine installs out: six anonymous
requests in parallel, each an App Attest object whose x5c is padded with impostor CAs, while
genuine installs ask for challenges. Every padded request gets its coded refusal and every
genuine request its challenge (the offline stack enforces the function's reserved concurrency
and the routes' throttles as AWS would)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from guestapi.client.attesters import attester_from_spec
from guestapi.offline import attestation_root, launch

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ATTACKERS = 6
GENUINE = 5


@pytest.fixture(scope="module")
def enforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("attack")
    setup = attestation_root.prepare(tmp / "root", {"AttestationMode": "enforce"})
    offline = launch.build(TEMPLATE, overrides=setup.overrides, stack_name="attest-attack")
    attestation_root.apply(offline, setup)
    with launch.running(offline) as outputs:
        outputs["AttestationTestRoot"] = str(setup.directory)
        yield outputs


def _post(url: str, body: dict) -> tuple[int, str, float]:
    started = time.monotonic()
    answer = requests.post(url, json=body, timeout=30)
    document = answer.json()
    code = document.get("code") or ("challenge" if "challenge" in document else "?")
    return answer.status_code, code, time.monotonic() - started


def test_padded_chains_in_parallel_do_not_lock_genuine_installs_out(enforce) -> None:
    api = enforce["ApiUrl"]
    attester = attester_from_spec("test-apple", enforce)
    fresh = [
        requests.post(api + "/attest/challenge", json={}, timeout=30) for _ in range(ATTACKERS)
    ]
    padded = []
    for answer in fresh:
        challenge = answer.json()["challenge"]
        padded.append({"challenge": challenge, **attester.forged(challenge, "padded-chain")})
    assert all(len(p["attestation"]) > 5000 for p in padded)  # ten certificates each
    with ThreadPoolExecutor(ATTACKERS + GENUINE) as pool:
        attacks = [pool.submit(_post, api + "/attest", body) for body in padded]
        genuine = [pool.submit(_post, api + "/attest/challenge", {}) for _ in range(GENUINE)]
        refused = [f.result() for f in attacks]
        answered = [f.result() for f in genuine]
    print("attack seconds", [round(s, 2) for *_, s in refused])
    print("genuine seconds", [round(s, 2) for *_, s in answered])
    for status, code, _ in refused:
        assert (status, code) in {(403, "untrusted_root"), (403, "evidence_invalid")}
    assert [(status, code) for status, code, _ in answered] == [(200, "challenge")] * GENUINE
    # A guard against a hang, not a speed target (bench/attestation_refusals.py measures cost).
    assert max(seconds for *_, seconds in refused + answered) < 10
