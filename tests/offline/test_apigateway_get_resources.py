"""apigateway:GetResources on the offline stack, through boto3's own API Gateway client.

The check suite lists an API's methods with this call, on AWS and offline alike. Offline it is
signed (SigV4, service `apigateway`) and decided by IAM like any AWS call: the published
deployer may read the API, a guest may not. It shares the port with the REST APIs, routed by the
service in the signature's credential scope, so a stage named `restapis` keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from guestapi import deployer
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.offline.apigateway import management
from guestapi.offline.launch import serve

pytestmark = pytest.mark.offline


def _apigateway(outputs: dict[str, str], key: str, secret: str, token: str | None = None):
    return boto3.client(
        "apigateway",
        region_name=outputs["Region"],
        endpoint_url=outputs["ApiGatewayEndpoint"],
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def _as_deployer(outputs: dict[str, str]):
    return _apigateway(outputs, deployer.ACCESS_KEY_ID, deployer.SECRET_ACCESS_KEY)


def _as_guest(outputs: dict[str, str]):
    keys = GuestCredentialProvider.from_outputs(outputs).fetch()
    return _apigateway(outputs, keys.access_key_id, keys.secret_key, keys.session_token)


def _code(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = caught.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_the_outputs_advertise_the_endpoint(offline_outputs):
    assert offline_outputs["ApiGatewayEndpoint"] == offline_outputs["CognitoIdentityEndpoint"]


def test_the_deployer_lists_the_api_in_the_shape_botocore_parses(offline_outputs):
    answer = _as_deployer(offline_outputs).get_resources(
        restApiId=offline_outputs["ApiId"], embed=["methods"]
    )
    by_path = {item["path"]: item for item in answer["items"]}
    assert set(by_path) == {"/", "/demo"}
    root, demo = by_path["/"], by_path["/demo"]
    assert "parentId" not in root and "resourceMethods" not in root
    assert (demo["parentId"], demo["pathPart"]) == (root["id"], "demo")
    assert len(demo["id"]) == 10
    methods = demo["resourceMethods"]
    assert methods["GET"]["authorizationType"] == "AWS_IAM"
    assert methods["GET"]["methodIntegration"]["type"] == "MOCK"
    assert methods["OPTIONS"]["authorizationType"] == "NONE"  # SAM's CORS preflight


def test_pages_follow_position_and_limit(offline_outputs):
    client = _as_deployer(offline_outputs)
    one = client.get_resources(restApiId=offline_outputs["ApiId"], limit=1)
    assert len(one["items"]) == 1 and one["position"]
    pages = client.get_paginator("get_resources").paginate(
        restApiId=offline_outputs["ApiId"], PaginationConfig={"PageSize": 1}
    )
    assert [i["path"] for page in pages for i in page["items"]] == ["/", "/demo"]
    with pytest.raises(ClientError) as refused:
        client.get_resources(restApiId=offline_outputs["ApiId"], limit=501)
    assert _code(refused)[:2] == (400, "BadRequestException")


def test_an_unknown_api_is_not_found(offline_outputs):
    with pytest.raises(ClientError) as refused:
        _as_deployer(offline_outputs).get_resources(restApiId="nosuchapi0")
    assert _code(refused) == (
        404,
        "NotFoundException",
        "Invalid API identifier specified 123456789012:nosuchapi0",
    )


@pytest.mark.parametrize(
    ("key", "secret", "code"),
    [
        ("AKIAUNKNOWNKEY234567", "x", "UnrecognizedClientException"),
        (deployer.ACCESS_KEY_ID, "not-the-deployer-secret", "InvalidSignatureException"),
    ],
)
def test_a_signature_the_stack_cannot_verify_is_refused(offline_outputs, key, secret, code):
    with pytest.raises(ClientError) as refused:
        _apigateway(offline_outputs, key, secret).get_resources(restApiId=offline_outputs["ApiId"])
    assert _code(refused)[:2] == (403, code)


def test_a_guest_may_not_list_the_api(offline_outputs, monkeypatch):
    # The pool id is public, so guest keys are anyone's: the API's shape stays the deployer's.
    with pytest.raises(ClientError) as refused:
        _as_guest(offline_outputs).get_resources(restApiId=offline_outputs["ApiId"])
    status, code, message = _code(refused)
    assert (status, code) == (403, "AccessDeniedException")
    resource = f"arn:aws:apigateway:us-east-1::/restapis/{offline_outputs['ApiId']}/resources"
    assert message.startswith("User: arn:aws:sts::123456789012:assumed-role/")
    assert message.endswith(
        f"is not authorized to perform: apigateway:GET on resource: {resource} because no "
        "identity-based policy allows the apigateway:GET action"
    )
    # Without the IAM decision the same guest call lists the API: the decision is what refuses.
    monkeypatch.setattr(management.ApiGatewayManagement, "authorize", lambda *a, **k: None)
    listed = _as_guest(offline_outputs).get_resources(restApiId=offline_outputs["ApiId"])
    assert {i["path"] for i in listed["items"]} == {"/", "/demo"}


@pytest.fixture(scope="module")
def restapis_stage(template_path: Path) -> Iterator[dict[str, str]]:
    with serve(template_path, overrides={"StageName": "restapis"}) as outputs:
        yield outputs


def test_a_stage_named_restapis_is_still_the_apis(restapis_stage):
    # REST API calls are signed for execute-api (or not at all); only a signature for the
    # service apigateway reaches the control plane, whatever the path says.
    outputs = restapis_stage
    assert outputs["ApiUrl"].endswith("/restapis")
    provider = GuestCredentialProvider.from_outputs(outputs)
    answer = signed_session(provider, outputs["Region"]).get(outputs["ApiUrl"] + "/demo")
    assert answer.status_code == 200, answer.text
    listed = _as_deployer(outputs).get_resources(restApiId=outputs["ApiId"], embed=["methods"])
    assert "/demo" in {i["path"] for i in listed["items"]}
    # The control plane's own path, unsigned: a request for the stage, which has no such
    # resource (API Gateway's Missing Authentication Token), never the resource list.
    base = outputs["ApiGatewayEndpoint"].rstrip("/")
    unsigned = requests.get(f"{base}/restapis/{outputs['ApiId']}/resources", timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
