"""The guest role's policies exactly as template.yaml writes them, with names filled in.

They are resolved by the deploy engine's resolver (guestapi.template.intrinsics) with the names
below only: an intrinsic over any other name makes the loader fail loudly, so a template change
cannot silently test a stale shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guestapi.template.intrinsics import ResolveContext, resolve
from guestapi.template.reading import read_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

NAMES = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "Api": "a1b2c3d4e5",
    "StageName": "dev",
    "IdentityPool": "us-east-1:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
}


def _resolve(node: Any) -> Any:
    # The deploy engine's own resolver: an intrinsic over a name NAMES lacks fails loudly.
    pseudo = {k: v for k, v in NAMES.items() if k.startswith("AWS::")}
    ids = {k: v for k, v in NAMES.items() if k in ("Api", "IdentityPool")}
    context = ResolveContext({"StageName": NAMES["StageName"]}, pseudo, physical_ids=ids)
    return resolve(node, context)


def guest_role() -> tuple[dict, list[dict]]:
    """(trust policy, identity policy documents) of the template's GuestRole."""
    _, template = read_template(TEMPLATE)
    props = template["Resources"]["GuestRole"]["Properties"]
    trust = _resolve(props["AssumeRolePolicyDocument"])
    policies = [_resolve(p["PolicyDocument"]) for p in props.get("Policies", [])]
    return trust, policies


def method_arn(
    method: str,
    path: str,
    *,
    stage: str = NAMES["StageName"],
    api: str = NAMES["Api"],
    region: str = NAMES["AWS::Region"],
    account: str = NAMES["AWS::AccountId"],
) -> str:
    return f"arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}/{path.lstrip('/')}"
