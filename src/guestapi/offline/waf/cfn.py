"""CloudFormation mapping of `AWS::WAFv2::WebACL` and `AWS::WAFv2::WebACLAssociation`.

A web ACL's `Ref` is `<name>|<id>|<scope>`; `Fn::GetAtt` gives `Arn`, `Id`, `LabelNamespace`
and `Capacity`. An association names an API Gateway stage by
`arn:<partition>:apigateway:<region>::/restapis/<api id>/stages/<stage>`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from guestapi.offline.cfn.resources import Created, Deployed, Environment
from guestapi.offline.waf.model import Rule, WebAcl
from guestapi.offline.waf.statements import statement_type, unsupported
from guestapi.template import TemplateError

WEB_ACL = "AWS::WAFv2::WebACL"
ASSOCIATION = "AWS::WAFv2::WebACLAssociation"
CONSUMES = frozenset({WEB_ACL, ASSOCIATION})
_STAGE_ARN = re.compile(r"arn:[^:]+:apigateway:[^:]*::/restapis/([^/]+)/stages/([^/]+)")


def web_acl_id(created: Created, env: Environment) -> None:
    props = created.properties
    name = str(props.get("Name") or env.generated_name(created.logical_id))
    scope = str(props.get("Scope", "REGIONAL"))
    acl_id = str(uuid.uuid4())
    created.physical_id = f"{name}|{acl_id}|{scope}"
    created.attributes.update(
        Id=acl_id,
        Arn=env.arn("wafv2", f"{scope.lower()}/webacl/{name}/{acl_id}"),
        LabelNamespace=f"awswaf:{env.account_id}:webacl:{name}:",
        Capacity=0,
    )


def build_web_acls(deployed: Deployed, built: Mapping[str, Any]) -> dict[str, WebAcl]:
    """The stack's web ACLs by ARN, each with the stages associated with it."""
    stages: dict[str, list[tuple[str, str]]] = {}
    for created in deployed.of_type(ASSOCIATION):
        acl_arn = str(created.properties.get("WebACLArn", ""))
        target = _STAGE_ARN.fullmatch(str(created.properties.get("ResourceArn", "")))
        if target is None:
            deployed.env.warn(
                f"{created.logical_id}: only API Gateway stages are protected offline; "
                "this association is skipped"
            )
            continue
        stages.setdefault(acl_arn, []).append((target.group(1), target.group(2)))
    acls = {}
    for created in deployed.of_type(WEB_ACL):
        arn = str(created.attributes["Arn"])
        acls[arn] = _web_acl(created, deployed.env, tuple(stages.get(arn, ())))
    return acls


def _web_acl(created: Created, env: Environment, stages: tuple[tuple[str, str], ...]) -> WebAcl:
    props = created.properties
    rules = tuple(
        sorted(
            (_rule(created.logical_id, raw, env) for raw in props.get("Rules") or []),
            key=lambda rule: rule.priority,
        )
    )
    return WebAcl(
        logical_id=created.logical_id,
        arn=str(created.attributes["Arn"]),
        name=created.physical_id.split("|", 1)[0],
        default_action=next(iter(props.get("DefaultAction") or {"Allow": {}})),
        rules=rules,
        stages=stages,
    )


def _rule(logical_id: str, raw: Mapping[str, Any], env: Environment) -> Rule:
    name = str(raw.get("Name", ""))
    statement = dict(raw.get("Statement") or {})
    action = next(iter(raw.get("Action") or raw.get("OverrideAction") or {"None": {}}))
    if statement_type(statement) == "RateBasedStatement":
        body = statement["RateBasedStatement"]
        if str(body.get("AggregateKeyType", "IP")) != "IP":
            raise TemplateError(
                f"{logical_id}: rule {name}: only AggregateKeyType IP is emulated offline"
            )
        if "Limit" not in body:
            raise TemplateError(f"{logical_id}: rule {name}: a rate-based rule needs a Limit")
    for missing in unsupported(statement):
        env.warn(f"{logical_id}: rule {name}: {missing} is not emulated offline; it never matches")
    return Rule(name=name, priority=int(raw.get("Priority", 0)), action=action, statement=statement)
