"""The guest role's condition keys reach IAM: a role with a Condition is evaluated with the
request context (the gateway skips building it only for roles that read none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from _offline_guest import Guest
from _template_variants import write_variant
from guestapi.offline.iam.context import condition_keys
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


AUD_PINNED = (
    GRANT[0],
    "                Action: execute-api:Invoke\n"
    "                Condition:\n"
    "                  StringEquals:\n"
    "                    cognito-identity.amazonaws.com:aud: !Ref IdentityPool\n",
)


def test_the_guests_cognito_keys_reach_the_gateways_iam(tmp_path: Path, monkeypatch) -> None:
    offline = build(write_variant(TEMPLATE, tmp_path, AUD_PINNED))
    guest = Guest(offline)
    assert offline.gateway.handle(guest.request("GET", "/dev/demo")).status == 200
    # Without the identity's keys (our seam), the same pinned grant refuses the same guest.
    from guestapi.offline.apigateway import pipeline

    def without_cognito_keys(*args, **kwargs):
        keys = condition_keys(*args, **kwargs)
        return {k: v for k, v in keys.items() if not k.startswith("cognito-identity")}

    monkeypatch.setattr(pipeline, "condition_keys", without_cognito_keys)
    assert offline.gateway.handle(guest.request("GET", "/dev/demo")).status == 403
