"""A Cognito role's trust policy pins the audience to this pool and the amr."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from guestapi.aws_constants import COGNITO_AMR as AMR
from guestapi.aws_constants import COGNITO_AUD as AUD
from guestapi.aws_constants import COGNITO_IDENTITY
from guestapi.lint_rules._roles import cognito_roles, federated, trust_statements
from guestapi.lint_rules._template import OnTransformedTemplate, as_list, source_match
from guestapi.template.reading import resources


def _condition_values(condition: Any, key: str, operators: tuple[str, ...] | None) -> list[Any]:
    """The values `key` is compared with, under `operators` (None: any operator)."""
    values: list[Any] = []
    for operator, tests in (condition if isinstance(condition, dict) else {}).items():
        if (operators is None or operator in operators) and isinstance(tests, dict):
            values.extend(as_list(tests.get(key)))
    return values


def _pins_pool(values: list[Any], pools: set[str]) -> bool:
    if not values:
        return False
    if pools:  # the template declares the pool: the audience is that pool, nothing else
        return all(isinstance(v, dict) and v.get("Ref") in pools for v in values)
    return all(isinstance(v, str) and "*" not in v and "?" not in v for v in values)


def _pins_amr(values: list[Any]) -> bool:
    return bool(values) and all(isinstance(v, str) and v and "*" not in v for v in values)


class TrustPinsAudienceAndAmr(OnTransformedTemplate, CloudFormationLintRule):
    """Flags a Cognito trust that any identity pool, or any kind of identity, could satisfy."""

    id = "E9104"
    shortdesc = "Cognito role trust pins aud to this pool and amr"
    description = (
        f"A role trusting {COGNITO_IDENTITY} must require StringEquals {AUD} = this "
        f"template's identity pool and a condition on {AMR}; without them an identity of any "
        "pool, in any account, or of the other kind (authenticated/unauthenticated) assumes it."
    )
    source_url = (
        "https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html"
    )
    tags: ClassVar[list[str]] = ["guestapi", "iam", "cognito"]

    def check(self, cfn: Any, template: dict[str, Any]) -> list[RuleMatch]:
        pools = {pool for pool, _ in resources(template, "AWS::Cognito::IdentityPool")}
        found: list[RuleMatch] = []
        for role, properties in cognito_roles(template):
            document = properties.get("AssumeRolePolicyDocument")
            for index, statement in enumerate(trust_statements(document)):
                if statement.get("Effect") != "Allow" or federated(statement) is None:
                    continue
                condition = statement.get("Condition")
                path: list[str | int] = ["Resources", role, "Properties"]
                path += ["AssumeRolePolicyDocument", "Statement", index, "Condition"]
                where = f"{role}: trust statement {index}"
                if not _pins_pool(_condition_values(condition, AUD, ("StringEquals",)), pools):
                    target = "this template's identity pool (!Ref)" if pools else "one pool id"
                    found.append(
                        source_match(
                            cfn,
                            path,
                            f"{where} does not pin {AUD} with StringEquals to {target}: "
                            "identities of any pool, in any account, could assume the role",
                        )
                    )
                if not _pins_amr(_condition_values(condition, AMR, None)):
                    found.append(
                        source_match(
                            cfn,
                            path,
                            f"{where} does not pin {AMR} (e.g. ForAnyValue:StringLike "
                            "unauthenticated): any kind of identity could assume the role",
                        )
                    )
        return found
