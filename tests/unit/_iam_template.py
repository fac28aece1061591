"""The guest role's policies exactly as template.yaml writes them, with names filled in.

Only `Ref` and `Fn::Sub` over plain names occur in those two documents; anything else makes
the loader fail loudly, so a template change cannot silently test a stale shape.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

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
    if isinstance(node, dict):
        if set(node) == {"Ref"}:
            return NAMES[node["Ref"]]
        if set(node) == {"Fn::Sub"}:
            assert isinstance(node["Fn::Sub"], str), "only the one-argument Fn::Sub is expected"
            return re.sub(r"\$\{([^}]+)\}", lambda m: NAMES[m.group(1)], node["Fn::Sub"])
        assert not any(k.startswith("Fn::") for k in node), f"unexpected intrinsic in {node}"
        return {k: _resolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v) for v in node]
    return node


def guest_role() -> tuple[dict, list[dict]]:
    """(trust policy, identity policy documents) of the template's GuestRole."""
    template = yaml_parse(TEMPLATE.read_text())
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
