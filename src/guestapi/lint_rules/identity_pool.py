"""The identity pool keeps the classic (basic) flow off by default."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.lint_rules._template import parameter_defaults, resources, source_match


class _Unknown(Exception):
    """A value lint cannot decide from the parameters' defaults."""


def _value(value: Any, template: dict[str, Any], defaults: dict[str, str]) -> Any:
    """`value` as a deploy with every parameter at its default sees it."""
    if not isinstance(value, dict) or len(value) != 1:
        return value
    [(function, argument)] = value.items()
    if function == "Ref" and argument in defaults:
        return defaults[argument]
    if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
        chosen = argument[1] if _condition(argument[0], template, defaults) else argument[2]
        return _value(chosen, template, defaults)
    raise _Unknown


def _condition(name_or_expr: Any, template: dict[str, Any], defaults: dict[str, str]) -> bool:
    expression = name_or_expr
    if isinstance(name_or_expr, str):
        expression = (template.get("Conditions") or {}).get(name_or_expr)
    if not isinstance(expression, dict) or len(expression) != 1:
        raise _Unknown
    [(function, argument)] = expression.items()
    if function == "Condition":
        return _condition(argument, template, defaults)
    if not isinstance(argument, list):
        raise _Unknown
    if function == "Fn::Equals" and len(argument) == 2:
        left, right = (str(_value(a, template, defaults)) for a in argument)
        return left == right
    results = [_condition(a, template, defaults) for a in argument]
    if function == "Fn::Not" and len(results) == 1:
        return not results[0]
    if function in ("Fn::And", "Fn::Or"):
        return all(results) if function == "Fn::And" else any(results)
    raise _Unknown


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
        template = cfn.template
        defaults = parameter_defaults(template)
        found: list[RuleMatch] = []
        for pool, properties in resources(template, "AWS::Cognito::IdentityPool"):
            path = ["Resources", pool, "Properties", "AllowClassicFlow"]
            try:
                allowed = _value(properties.get("AllowClassicFlow", False), template, defaults)
            except _Unknown:
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
