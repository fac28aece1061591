"""The guest role's condition keys reach IAM: a role with a Condition is evaluated with the
request context (the gateway skips building it only for roles that read none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from _offline_guest import Guest
from _template_variants import write_variant
from guestapi.offline.launch import build

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
GRANT = (
    "                Action: execute-api:Invoke\n",
    "                Action: execute-api:Invoke\n"
    "                Condition:\n"
    "                  IpAddress:\n"
    "                    aws:SourceIp: {cidr}\n",
)


@pytest.mark.parametrize(("cidr", "status"), [("127.0.0.0/8", 200), ("10.0.0.0/8", 403)])
def test_a_source_ip_condition_decides(tmp_path: Path, cidr: str, status: int) -> None:
    variant = write_variant(TEMPLATE, tmp_path, (GRANT[0], GRANT[1].format(cidr=cidr)))
    offline = build(variant)
    response = offline.gateway.handle(Guest(offline).request("GET", "/dev/demo"))
    assert response.status == status
