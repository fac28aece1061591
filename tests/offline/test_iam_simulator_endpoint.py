"""iam:SimulatePrincipalPolicy on the offline stack, through boto3's own IAM client.

The twin answers at IamEndpoint (the same port as Cognito Identity and STS) from the same
evaluator that decides the gateway's calls, so what it says the guest role may do is what the
gateway lets a guest do.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from guestapi.offline.launch import serve


def _iam(outputs: dict[str, str]):
    return boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=outputs["IamEndpoint"],
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
    )


def _arn(outputs: dict[str, str], tail: str) -> str:
    return f"arn:aws:execute-api:{outputs['Region']}:123456789012:{outputs['ApiId']}/{tail}"


def _decide(iam, outputs, action: str, resource: str) -> dict:
    answer = iam.simulate_principal_policy(
        PolicySourceArn=outputs["GuestRoleArn"], ActionNames=[action], ResourceArns=[resource]
    )
    [result] = answer["EvaluationResults"]
    assert result["EvalActionName"] == action
    assert result["EvalResourceName"] == resource
    return result


def test_outputs_name_the_iam_endpoint_and_the_api_id(offline_outputs):
    assert offline_outputs["IamEndpoint"] == offline_outputs["CognitoIdentityEndpoint"]
    assert offline_outputs["ApiId"]


def test_the_granted_method_is_allowed_by_its_statement(offline_outputs):
    result = _decide(
        _iam(offline_outputs),
        offline_outputs,
        "execute-api:Invoke",
        _arn(offline_outputs, "dev/GET/demo"),
    )
    assert result["EvalDecision"] == "allowed"
    [statement] = result["MatchedStatements"]
    assert statement["SourcePolicyId"] == "invoke-get-demo"  # the PolicyName, as AWS reports it
    assert statement["SourcePolicyType"] == "role"
    assert statement["StartPosition"]["Line"] < statement["EndPosition"]["Line"]


@pytest.mark.parametrize(
    ("action", "tail"),
    [
        ("execute-api:Invoke", "prod/GET/demo"),
        ("execute-api:Invoke", "dev/POST/demo"),
        ("execute-api:Invoke", "dev/GET/other"),
        ("execute-api:ManageConnections", "dev/POST/@connections/x"),
        ("execute-api:InvalidateCache", "dev/GET/demo"),
        ("s3:GetObject", None),
    ],
)
def test_anything_else_is_an_implicit_deny(offline_outputs, action, tail):
    resource = _arn(offline_outputs, tail) if tail else "arn:aws:s3:::any-bucket/key"
    result = _decide(_iam(offline_outputs), offline_outputs, action, resource)
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []


def test_unknown_role_is_no_such_entity(offline_outputs):
    with pytest.raises(ClientError) as caught:
        _iam(offline_outputs).simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::123456789012:role/nobody", ActionNames=["s3:GetObject"]
        )
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_sts_still_answers_its_own_action_at_the_shared_endpoint(offline_outputs):
    # Unsigned, as an app calls it: no credential lookup (which would try the instance metadata).
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=offline_outputs["IamEndpoint"],
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_web_identity(
            RoleArn=offline_outputs["GuestRoleArn"],
            RoleSessionName="session",
            WebIdentityToken="nope",
        )
    assert caught.value.response["Error"]["Code"] == "InvalidIdentityToken"


@pytest.fixture
def widened(template_variant) -> Iterator[dict[str, str]]:
    path = template_variant(("/${StageName}/GET/demo", "/${StageName}/*"))
    with serve(path) as outputs:
        yield outputs


def test_a_widened_policy_allows_another_method(widened):
    # The bite: the same probe that is denied on the shipped template.
    result = _decide(_iam(widened), widened, "execute-api:Invoke", _arn(widened, "dev/POST/demo"))
    assert result["EvalDecision"] == "allowed"
