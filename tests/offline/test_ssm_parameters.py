"""SSM parameters on the offline stack, read by functions through their own roles (Powertools'
`parameters.get_parameter`, boto3 underneath) at AWS_ENDPOINT_URL_SSM, the stack's one port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from _template_variants import write_variant
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.offline.launch import OfflineStack, build, running

pytestmark = pytest.mark.offline

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "ssm_parameters" / "template.yaml"
SECRET_NAME = "/offline/attestation/root"
SECRET = "-----BEGIN CERTIFICATE-----test-root"
ACCOUNT, REGION = "123456789012", "us-east-1"


def session_for(outputs: dict[str, str]) -> requests.Session:
    provider = GuestCredentialProvider(
        outputs["IdentityPoolId"],
        outputs["Region"],
        endpoint_url=outputs["CognitoIdentityEndpoint"],
    )
    return signed_session(provider, outputs["Region"])


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[OfflineStack, dict[str, str], requests.Session]]:
    offline = build(TEMPLATE)
    with running(offline) as outputs:
        # What the launcher's --attestation-test-root does: CloudFormation cannot create it.
        offline.put_secure_parameter(SECRET_NAME, SECRET)
        yield offline, outputs, session_for(outputs)


def call(stack, path: str) -> dict:
    _, outputs, session = stack
    response = session.get(outputs["ApiUrl"] + path, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_template_parameters_resolve_as_cloudformation_does(stack) -> None:
    _, outputs, _ = stack
    assert (outputs["GreetingName"], outputs["GreetingValue"]) == (
        "/offline/greeting",
        "hello from ssm",
    )
    assert outputs["ColoursName"].startswith("CFN-Colours-")
    assert outputs["ColoursType"] == "StringList"


def test_a_function_reads_template_parameters_its_role_allows(stack) -> None:
    _, outputs, _ = stack
    assert call(stack, "/read") == {"value": "hello from ssm"}
    assert call(stack, "/read?name=" + outputs["ColoursName"]) == {"value": "red,green,blue"}
    assert call(stack, "/read-many") == {
        "values": {
            "/offline/greeting": ["String", "hello from ssm"],
            outputs["ColoursName"]: ["StringList", "red,green,blue"],
        },
        "invalid": ["/offline/missing"],
    }


def test_a_function_reads_the_seeded_securestring_with_decryption(stack) -> None:
    assert call(stack, f"/read?name={SECRET_NAME}&decrypt=1") == {"value": SECRET}
    # Without WithDecryption it gets SSM's ciphertext, not the secret.
    assert SECRET not in call(stack, f"/read?name={SECRET_NAME}")["value"]


def test_a_role_without_the_grant_is_access_denied(stack) -> None:
    answer = call(stack, f"/read-narrow?name={SECRET_NAME}&decrypt=1")
    assert answer["error"] == "AccessDeniedException"
    assert answer["message"].endswith(
        "is not authorized to perform: ssm:GetParameter on resource: "
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/offline/attestation/root "
        "because no identity-based policy allows the ssm:GetParameter action"
    )
    assert call(stack, "/read-narrow") == {"value": "hello from ssm"}  # what it may read


NARROW = (
    "              Action: ssm:GetParameter\n"
    '              Resource: !Sub "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}'
    ':parameter/offline/greeting"\n'
)


def test_granting_the_role_lets_the_same_call_through(tmp_path: Path) -> None:
    # The control for the test above: the refusal came from the role's policy.
    granted = write_variant(
        TEMPLATE,
        tmp_path,
        (NARROW, NARROW.replace("parameter/offline/greeting", "parameter/offline/*")),
        alongside=["src"],
    )
    # Another account: the module's stack, still running, holds /offline/greeting in this one.
    offline = build(granted, account_id="210987654321")
    with running(offline) as outputs:
        offline.put_secure_parameter(SECRET_NAME, SECRET)
        response = session_for(outputs).get(
            outputs["ApiUrl"] + f"/read-narrow?name={SECRET_NAME}&decrypt=1", timeout=30
        )
        assert response.json() == {"value": SECRET}


def test_an_unknown_name_is_parameter_not_found(stack) -> None:
    assert call(stack, "/read?name=/offline/nothing") == {
        "error": "ParameterNotFound",
        "message": "",  # SSM sends none
    }


def test_an_unsigned_ssm_request_is_refused_at_the_stacks_port(stack) -> None:
    _, outputs, _ = stack
    response = requests.post(
        outputs["CognitoIdentityEndpoint"],
        data=json.dumps({"Name": SECRET_NAME, "WithDecryption": True}),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonSSM.GetParameter",
        },
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["__type"] == "MissingAuthenticationTokenException"
    assert SECRET not in response.text
