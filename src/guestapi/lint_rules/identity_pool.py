"""The identity pool keeps the classic (basic) flow off by default."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.lint_rules._template import lint_pseudo, source_match
from guestapi.template import TemplateError
from guestapi.template.conditions import decide_conditions
from guestapi.template.intrinsics import ResolveContext, resolve
from guestapi.template.parameters import parameter_defaults
from guestapi.template.reading import resources


def _at_defaults(value: Any, cfn: Any) -> Any:
    """`value` as a deploy with every parameter at its default sees it. Raises TemplateError
    when that takes more than parameters and conditions (a resource's id, say)."""
    if not isinstance(value, dict | list):
        return value  # a literal: no condition needs deciding
    template = cfn.template
    defaults = parameter_defaults(template)
    pseudo = lint_pseudo(cfn)
    conditions = decide_conditions(template, defaults, pseudo)
    return resolve(value, ResolveContext(defaults, pseudo, conditions=conditions))


class ClassicFlowOffByDefault(CloudFormationLintRule):
    """Flags an identity pool whose default deploy allows the basic (classic) flow."""

    id = "E9105"
    shortdesc = "AllowClassicFlow defaults to false"
    description = (
        "With the parameters at their defaults, AllowClassicFlow must be false: the basic flow "
        "(GetOpenIdToken + AssumeRoleWithWebIdentity) skips Cognito's scope-down policy."
    )
    source_url = (
        "https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html"
    )
    tags: ClassVar[list[str]] = ["guestapi", "cognito"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        # The source template: the SAM transform leaves identity pools as they are.
        found: list[RuleMatch] = []
        for pool, properties in resources(cfn.template, "AWS::Cognito::IdentityPool"):
            path = ["Resources", pool, "Properties", "AllowClassicFlow"]
            try:
                allowed = _at_defaults(properties.get("AllowClassicFlow", False), cfn)
            except TemplateError:
                found.append(
                    source_match(
                        cfn,
                        path,
                        f"{pool}: lint cannot tell what AllowClassicFlow is by default; "
                        "write a literal, a !Ref or an !If on a parameter's condition",
                    )
                )
                continue
            if str(allowed).lower() == "true":
                found.append(
                    source_match(
                        cfn,
                        path,
                        f"{pool}: AllowClassicFlow is true with the default parameters; the "
                        "basic flow skips Cognito's scope-down policy, keep it off by default",
                    )
                )
        return found
