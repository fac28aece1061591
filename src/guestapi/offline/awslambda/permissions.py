"""A function's resource-based policy: which services may invoke it (AWS::Lambda::Permission).

API Gateway invokes a function without the caller's credentials only when the function's
policy lets `apigateway.amazonaws.com` do so for the calling method's ARN; otherwise the call
fails with "Invalid permissions on Lambda function" (docs/aws-behaviour.md#lambda-proxy-integration).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from guestapi.offline import iam

INVOKE = "lambda:InvokeFunction"


@dataclass(frozen=True)
class LambdaPermission:
    logical_id: str
    function_arn: str
    action: str  # "lambda:InvokeFunction" (or "lambda:*")
    principal: str  # "apigateway.amazonaws.com", an account id, ...
    source_arn: str | None = None  # ArnLike pattern, e.g. arn:...:execute-api:...:api/*/GET/x

    def as_statement(self) -> dict[str, object]:
        """This permission as the policy statement Lambda stores for it."""
        statement: dict[str, object] = {
            "Sid": self.logical_id,
            "Effect": "Allow",
            "Principal": {"Service": self.principal},
            "Action": self.action,
            "Resource": self.function_arn,
        }
        if self.source_arn:
            statement["Condition"] = {"ArnLike": {"AWS:SourceArn": self.source_arn}}
        return statement


def service_may_invoke(
    permissions: Iterable[LambdaPermission], *, function_arn: str, service: str, source_arn: str
) -> iam.Decision:
    """Whether `service` (e.g. apigateway.amazonaws.com) may invoke the function from `source_arn`."""
    statements = [p.as_statement() for p in permissions if p.function_arn == function_arn]
    return iam.evaluate_trust(
        {"Version": "2012-10-17", "Statement": statements},
        principal={"Service": service},
        action=INVOKE,
        context={"aws:SourceArn": source_arn},
    )
