"""Attested first call and refresh, next to the guest's first call, in one in-process stack.

The stack runs template.yaml with AttestationMode=monitor and a throwaway test root (as
`demo.py --attestation-mode monitor` does), so guests and attested installs meet the same stack.
Rounds interleave the three flows, so machine noise hits them alike:

- guest first call: GetId, GetCredentialsForIdentity, the first signed GET /demo;
- attested first call: POST /attest/challenge, POST /attest (App Attest evidence, verified by
  pyattest in the function's warm sandbox, then GetOpenIdTokenForDeveloperIdentity),
  GetCredentialsForIdentity with the token, the first signed GET /demo; each phase is timed;
- refresh: POST /attest/challenge, POST /attest/refresh (an assertion), GetCredentialsForIdentity.

Each round is a new install (a new key), as a first call is. The evidence is made before the
clock starts for the attest phase: minting it stands for the device's work, not the server's.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.client.attested import AttestedCredentialProvider
from guestapi.client.attesters import attester_from_spec
from guestapi.offline import attestation_root, launch

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
PHASES = ("challenge", "attest", "cognito", "first call")


@dataclass
class AttestedFlowResult:
    rounds: int
    guest_ms: list[float] = field(default_factory=list)
    attested_ms: list[float] = field(default_factory=list)
    phases_ms: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    refresh_ms: list[float] = field(default_factory=list)
    wrong_answers: int = 0

    @property
    def ratio(self) -> float:
        """Attested first call over guest first call, medians of the same run."""
        return median(self.attested_ms) / median(self.guest_ms) if self.guest_ms else 0.0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values, default=0)


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def measure(*, rounds: int = 30) -> AttestedFlowResult:
    result = AttestedFlowResult(rounds)
    with tempfile.TemporaryDirectory(prefix="guestapi-bench-attest-") as scratch:
        # Unthrottled, as every other benchmark: the stage's 10 requests/s would time the bucket.
        setup = attestation_root.prepare(
            Path(scratch),
            {
                "AttestationMode": "monitor",
                "ThrottlingRateLimit": "10000",
                "ThrottlingBurstLimit": "5000",
            },
        )
        offline = launch.build(TEMPLATE, overrides=setup.overrides)
        attestation_root.apply(offline, setup)
        with launch.running(offline) as outputs:
            outputs["AttestationTestRoot"] = scratch
            _warm_up(outputs)
            for _ in range(rounds):
                _guest_round(outputs, result)
                provider = _attested_round(outputs, result)
                _refresh_round(provider, result)
    return result


def _get_demo(provider: GuestCredentialProvider, outputs: dict[str, str]) -> int:
    session = signed_session(provider, outputs["Region"])
    return session.get(outputs["ApiUrl"] + "/demo", timeout=15).status_code


def _warm_up(outputs: dict[str, str]) -> None:
    """One attested install first: the function's cold start is not a first call's cost."""
    provider = _new_attested(outputs)
    provider.credentials()


def _new_attested(outputs: dict[str, str]) -> AttestedCredentialProvider:
    return AttestedCredentialProvider.from_outputs(
        outputs, attester_from_spec("test-apple", outputs)
    )


def _guest_round(outputs: dict[str, str], result: AttestedFlowResult) -> None:
    started = time.perf_counter()
    provider = GuestCredentialProvider.from_outputs(outputs)
    status = _get_demo(provider, outputs)
    result.guest_ms.append(_ms(started))
    result.wrong_answers += status != 200


def _attested_round(
    outputs: dict[str, str], result: AttestedFlowResult
) -> AttestedCredentialProvider:
    provider = _new_attested(outputs)
    provider.credentials()  # challenge, evidence, /attest, GetCredentialsForIdentity
    timings = dict(provider.last_timings)
    started = time.perf_counter()
    status = _get_demo(provider, outputs)
    timings["first call"] = _ms(started)
    for phase in PHASES:
        result.phases_ms[phase].append(timings[phase])
    # The device's work (making the evidence) is not the server's: left out of the total.
    result.attested_ms.append(sum(timings[phase] for phase in PHASES))
    result.wrong_answers += status != 200
    return provider


def _refresh_round(provider: AttestedCredentialProvider, result: AttestedFlowResult) -> None:
    started = time.perf_counter()
    before = provider.refreshes
    provider.fetch()  # attested already: challenge + /attest/refresh + GetCredentialsForIdentity
    result.refresh_ms.append(_ms(started))
    result.wrong_answers += provider.refreshes != before + 1


def report_lines(r: AttestedFlowResult) -> list[str]:
    lines = [
        f"{r.rounds} rounds, interleaved; median / p95 in ms",
        f"guest first call (GetId, credentials, GET /demo)      {median(r.guest_ms):7.1f} / {p95(r.guest_ms):7.1f}",
        f"attested first call (challenge, attest, Cognito, GET) {median(r.attested_ms):7.1f} / {p95(r.attested_ms):7.1f}",
    ]
    lines += [
        f"  {phase:<51} {median(r.phases_ms[phase]):7.1f} / {p95(r.phases_ms[phase]):7.1f}"
        for phase in PHASES
    ]
    lines += [
        f"refresh by assertion (challenge, refresh, Cognito)   {median(r.refresh_ms):7.1f} / {p95(r.refresh_ms):7.1f}",
        f"attested / guest first call (medians): {r.ratio:.2f}x; wrong answers: {r.wrong_answers}",
    ]
    return lines
