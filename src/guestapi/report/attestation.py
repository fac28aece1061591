"""Monitor -> enforce: the share of each method's signed calls that came from attested installs.

In monitor mode both guests and attested installs are admitted, and the access log's `caller`
field says which each call was. Enforce refuses guests, so a method's guest share is exactly
what enforce would refuse (the calls of installs still on an app version that does not attest,
or whose devices fail attestation).
"""

from __future__ import annotations

from dataclasses import dataclass

from guestapi.report.access_log import ATTESTED, GUEST, CallCounts


@dataclass(frozen=True)
class MethodShare:
    method: str  # "GET /demo"
    attested: int
    guest: int

    @property
    def calls(self) -> int:
        return self.attested + self.guest

    @property
    def attested_percent(self) -> float:
        return 100.0 * self.attested / self.calls


def shares(counts: CallCounts) -> list[MethodShare]:
    """Per method, lowest attested share first (the one that decides)."""
    methods = sorted({(method, path) for method, path, _ in counts})
    found = [
        MethodShare(
            f"{method} {path}",
            attested=counts[(method, path, ATTESTED)],
            guest=counts[(method, path, GUEST)],
        )
        for method, path in methods
    ]
    return sorted(found, key=lambda share: (share.attested_percent, share.method))


def render(found: list[MethodShare], period: str) -> str:
    """A table, then one recommendation line."""
    if not found:
        return (
            f"no signed calls in the last {period}: nothing to decide on yet "
            "(is the app calling, and was AttestationMode monitor with access logs on?)"
        )
    width = max(len("method"), *(len(share.method) for share in found))
    lines = [f"{'method':<{width}}  {'attested':>9}  {'guest':>9}  attested share"]
    for share in found:
        lines.append(
            f"{share.method:<{width}}  {share.attested:>9}  {share.guest:>9}  "
            f"{share.attested_percent:.1f}%"
        )
    worst = found[0]
    lines.append(
        f"{worst.attested_percent:.1f}% of {worst.method} calls came from attested installs in "
        f"the last {period}; enforce would refuse {100 - worst.attested_percent:.1f}%"
        + (f" (the lowest share of {len(found)} methods)" if len(found) > 1 else "")
    )
    return "\n".join(lines)
