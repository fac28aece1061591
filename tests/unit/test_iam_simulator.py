"""The offline SimulatePrincipalPolicy: statement positions, and the Action dispatch that lets
STS and IAM share one form-body route."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from guestapi.offline.awsapi.protocols import route_by_action
from guestapi.offline.iam.model import Role
from guestapi.offline.iam.simulator import IamSimulator, statement_positions
from guestapi.offline.wire import Request, Response

ROLE_ARN = "arn:aws:iam::123456789012:role/guest"
ALLOW = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}
DENY = {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*/x"}


def _request(**fields: str) -> Request:
    return Request("POST", "/", "", [], urlencode(fields).encode())


def test_positions_point_at_each_statement_of_the_rendered_document():
    document = {"Version": "2012-10-17", "Statement": [ALLOW, DENY]}
    lines = json.dumps(document, indent=2).splitlines()
    (start1, end1), (start2, end2) = statement_positions(document)
    assert lines[start1.line - 1].strip() == "{" and lines[end1.line - 1].strip() == "},"
    assert '"Deny"' in "\n".join(lines[start2.line - 1 : end2.line])
    assert '"Deny"' not in "\n".join(lines[start1.line - 1 : end1.line])
    single = statement_positions({"Version": "2012-10-17", "Statement": ALLOW})
    assert len(single) == 1


def test_an_explicit_deny_is_reported_with_its_statement():
    role = Role(
        "Guest", ROLE_ARN, "guest", "AROA", {}, ({"Statement": [ALLOW, DENY]},), ("guard-rails",)
    )
    answer = IamSimulator({ROLE_ARN: role}).handle(
        _request(
            Action="SimulatePrincipalPolicy",
            Version="2010-05-08",
            PolicySourceArn=ROLE_ARN,
            **{
                "ActionNames.member.1": "execute-api:Invoke",
                "ResourceArns.member.1": "arn:aws:execute-api:*/x",
            },
        )
    )
    body = answer.body.decode()
    assert answer.status == 200
    assert "<EvalDecision>explicitDeny</EvalDecision>" in body
    assert "<SourcePolicyId>guard-rails</SourcePolicyId>" in body  # the policy's name


def test_the_shared_route_sends_other_actions_to_sts():
    seen: list[str] = []

    def iam(request: Request) -> Response:
        seen.append("iam")
        return Response(200)

    def sts(request: Request) -> Response:
        seen.append("sts")
        return Response(200)

    route = route_by_action({"SimulatePrincipalPolicy": iam}, sts)
    route(_request(Action="SimulatePrincipalPolicy"))
    route(_request(Action="AssumeRoleWithWebIdentity"))
    route(Request("POST", "/", "", [], b"\xff\xfe"))  # not a form: STS answers its own error
    assert seen == ["iam", "sts", "sts"]
