"""SSM Parameter Store offline: template parameters (CloudFormation), seeded SecureStrings, and
the front door (SigV4, the role's policies) before moto, read with a real boto3 client."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from _json_service_harness import serve_handler
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from guestapi.offline.awslambda.environment import endpoint_variables
from guestapi.offline.cfn.engine import load_stack
from guestapi.offline.cfn.resources import Created, Environment
from guestapi.offline.launch import FUNCTION_ENDPOINTS, build
from guestapi.offline.motoservice.callers import Caller
from guestapi.offline.motoservice.front_door import NotEmulatedError
from guestapi.offline.server import route_service
from guestapi.offline.sigv4 import KnownCredential
from guestapi.offline.ssm import cfn as ssm_cfn
from guestapi.offline.ssm.emulator import SsmEmulator
from guestapi.offline.ssm.front_door import SsmFrontDoor
from guestapi.offline.ssm.operations import Planner
from guestapi.offline.ssm.parameters import ParameterDefinitionError, parameter_spec
from guestapi.offline.wire import Request
from guestapi.template.intrinsics import TemplateError

JSON_1_1 = "application/x-amz-json-1.1"

REGION, ACCOUNT = "us-east-1", "123456789012"
PARAM = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
ASSUMED = f"arn:aws:sts::{ACCOUNT}:assumed-role/fn-role/fn-session"
KEY = KnownCredential(
    "ASIAFAKESSMREADER001", "fake/secret/for/unit/tests/only/00000000", "fake-token", None
)
SECRET = "-----BEGIN CERTIFICATE-----offline-root"


def spec(name: str, kind: str = "String", value: str = "v", **props: Any):
    properties = {"Name": name, "Type": kind, "Value": value, **props}
    arn = f"{PARAM}/{name.removeprefix('/')}"
    return parameter_spec("P", properties, name=name, arn=arn)


def allow(actions: str | list[str], resources: str | list[str]) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]}


def denied(action: str, resource: str) -> str:
    return (
        f"User: {ASSUMED} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


# ------------------------------------------------------------------------------- CloudFormation
def test_generated_name_ref_and_getatt() -> None:
    env = Environment(REGION, ACCOUNT, "aws", "guest-api-dev", warn=print)
    created = Created("Colours", "AWS::SSM::Parameter", {"Type": "StringList", "Value": "a,b"})
    ssm_cfn.parameter_id(created, env)
    # CloudFormation's SSM handler: CFN-<logical id>-<12 letters and digits>, at most 40.
    assert re.fullmatch(r"CFN-Colours-[A-Za-z0-9]{12}", created.physical_id)
    assert created.attributes == {"Type": "StringList", "Value": "a,b"}
    long = Created("L" * 60, "AWS::SSM::Parameter", {"Type": "String", "Value": "x"})
    ssm_cfn.parameter_id(long, env)
    assert len(long.physical_id) == 40 and long.physical_id.startswith("CFN-LLL")


def test_template_parameters_through_the_engine() -> None:
    template = {
        "Resources": {
            "Greeting": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": "/app/greeting", "Type": "String", "Value": "hi"},
            },
            "Plain": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": "p"},
            },
        },
        "Outputs": {
            "Name": {"Value": {"Ref": "Greeting"}},
            "Value": {"Value": {"Fn::GetAtt": ["Greeting", "Value"]}},
            "Type": {"Value": {"Fn::GetAtt": ["Greeting", "Type"]}},
            "Generated": {"Value": {"Ref": "Plain"}},
        },
    }
    stack = load_stack(template, warn=lambda _: None)
    assert (stack.outputs["Name"], stack.outputs["Value"], stack.outputs["Type"]) == (
        "/app/greeting",
        "hi",
        "String",
    )
    generated = stack.outputs["Generated"]
    assert set(stack.parameters) == {"/app/greeting", generated}
    # No double slash for a name that starts with one.
    assert stack.parameters["/app/greeting"].arn == f"{PARAM}/app/greeting"
    assert stack.parameters[generated].arn == f"{PARAM}/{generated}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Type": "SecureString"}, "SecureString cannot be created using CloudFormation"),
        ({"Type": "Number"}, "Type 'Number' (String or StringList)"),
        ({"Value": ""}, "Value must be a non-empty string"),
        ({"Value": ["a", "b"]}, "Value must be a non-empty string"),
        ({"Nme": "typo"}, "unsupported property Nme"),
        ({"AllowedPattern": r"^\d+$"}, "does not match AllowedPattern"),
    ],
)
def test_what_cloudformation_refuses_is_a_one_line_template_error(
    change: dict[str, Any], message: str
) -> None:
    properties = {"Type": "String", "Value": "v", **change}
    with pytest.raises(ParameterDefinitionError, match=re.escape(message)) as caught:
        parameter_spec("Bad", properties, name="ok", arn=f"{PARAM}/ok")
    assert isinstance(caught.value, TemplateError) and "\n" not in str(caught.value)


@pytest.mark.parametrize("name", ["a/b", "/aws/x", "ssm-x", "with space", "/" + "a/" * 15 + "z"])
def test_names_ssm_refuses(name: str) -> None:
    with pytest.raises(ParameterDefinitionError, match="parameter name"):
        spec(name)


# ------------------------------------------------------------------------------- authorization
@pytest.mark.parametrize(
    ("name", "resource"),
    [
        ("/app/key", f"{PARAM}/app/key"),  # the leading / is dropped, no double slash
        ("key", f"{PARAM}/key"),
        ("/app/key:3", f"{PARAM}/app/key"),  # version selector
        ("key:prod", f"{PARAM}/key"),  # label selector
        (f"{PARAM}/app/key", f"{PARAM}/app/key"),  # named by ARN
        (f"{PARAM}/app/key:2", f"{PARAM}/app/key"),
    ],
)
def test_the_resource_iam_evaluates(name: str, resource: str) -> None:
    planner = Planner(REGION, ACCOUNT)
    [check] = planner.checks("GetParameter", {"Name": name})
    assert (check.action, check.resource) == ("ssm:GetParameter", resource)


def test_get_parameters_checks_every_name_and_other_operations_are_not_served() -> None:
    planner = Planner(REGION, ACCOUNT)
    checks = planner.checks("GetParameters", {"Names": ["/a", "b"]})
    assert [(c.action, c.resource) for c in checks] == [
        ("ssm:GetParameters", f"{PARAM}/a"),
        ("ssm:GetParameters", f"{PARAM}/b"),
    ]
    with pytest.raises(NotEmulatedError, match="PutParameter is not authorized"):
        planner.checks("PutParameter", {"Name": "x"})
    with pytest.raises(NotEmulatedError, match="shared parameters"):
        planner.checks("GetParameter", {"Name": "arn:aws:ssm:us-east-1:210987654321:parameter/x"})


# ------------------------------------------------------------------------------- front door
class Stack:
    """Template parameters and a seeded SecureString in moto, one role, the front door."""

    def __init__(self, emulator: SsmEmulator, door_type: type[SsmFrontDoor] = SsmFrontDoor):
        self.emulator = emulator
        self.policies: tuple[dict[str, Any], ...] = ()
        self.door = door_type(
            Planner(REGION, ACCOUNT), upstream=emulator.upstream, lookup_caller=self.lookup
        )

    def lookup(self, access_key_id: str) -> Caller | None:
        if access_key_id != KEY.access_key_id:
            return None
        return Caller(KEY, f"arn:aws:iam::{ACCOUNT}:role/fn-role", ASSUMED, self.policies)


@pytest.fixture(scope="module")
def emulator() -> Iterator[SsmEmulator]:
    parameters = [spec("/app/greeting", value="hello"), spec("colours", "StringList", "r,g,b")]
    with SsmEmulator(parameters, region=REGION, account_id=ACCOUNT) as emulator:
        emulator.put_secure_string("/app/root", SECRET)
        yield emulator


@pytest.fixture(scope="module")
def served(emulator: SsmEmulator) -> Iterator[tuple[Stack, Any]]:
    stack = Stack(emulator)
    with serve_handler(stack.door.handle) as url:
        client = boto3.client(
            "ssm",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=KEY.access_key_id,
            aws_secret_access_key=KEY.secret_access_key,
            aws_session_token=KEY.session_token,
        )
        yield stack, client
    stack.door.close()


@pytest.fixture
def fresh(served: tuple[Stack, Any]) -> tuple[Stack, Any]:
    stack, client = served
    stack.policies = (
        allow(["ssm:GetParameter", "ssm:GetParameters"], [f"{PARAM}/app/*", f"{PARAM}/colours"]),
    )
    return stack, client


def test_template_parameters_are_read_by_a_role_that_may(fresh) -> None:
    _, client = fresh
    greeting = client.get_parameter(Name="/app/greeting")["Parameter"]
    assert (greeting["Type"], greeting["Value"], greeting["ARN"]) == (
        "String",
        "hello",
        f"{PARAM}/app/greeting",
    )
    assert client.get_parameter(Name="colours")["Parameter"]["Value"] == "r,g,b"
    answer = client.get_parameters(Names=["/app/greeting", "colours", "/app/missing"])
    assert sorted(p["Name"] for p in answer["Parameters"]) == ["/app/greeting", "colours"]
    assert answer["InvalidParameters"] == ["/app/missing"]


def test_a_seeded_securestring_is_decrypted_only_when_asked(fresh) -> None:
    _, client = fresh
    decrypted = client.get_parameter(Name="/app/root", WithDecryption=True)["Parameter"]
    assert (decrypted["Type"], decrypted["Value"]) == ("SecureString", SECRET)
    # Without WithDecryption SSM returns the ciphertext: never the plaintext, nor moto's
    # "kms:<key>:<plaintext>".
    opaque = client.get_parameter(Name="/app/root")["Parameter"]["Value"]
    assert SECRET not in opaque and base64.b64decode(opaque)
    assert opaque == client.get_parameter(Name="/app/root")["Parameter"]["Value"]  # stable


def test_a_role_without_the_grant_is_access_denied(fresh) -> None:
    stack, client = fresh
    stack.policies = (allow("ssm:GetParameter", f"{PARAM}/app/greeting"),)
    with pytest.raises(ClientError) as caught:
        client.get_parameter(Name="/app/root", WithDecryption=True)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"] == {
        "Code": "AccessDeniedException",
        "Message": denied("ssm:GetParameter", f"{PARAM}/app/root"),
    }
    # One refused name refuses the whole GetParameters call.
    stack.policies = (allow("ssm:GetParameters", f"{PARAM}/app/greeting"),)
    with pytest.raises(
        ClientError, match=re.escape(denied("ssm:GetParameters", f"{PARAM}/colours"))
    ):
        client.get_parameters(Names=["/app/greeting", "colours"])


def test_control_the_same_calls_succeed_once_granted(fresh) -> None:
    stack, client = fresh
    stack.policies = (allow(["ssm:GetParameter", "ssm:GetParameters"], f"{PARAM}/*"),)
    assert (
        client.get_parameter(Name="/app/root", WithDecryption=True)["Parameter"]["Value"] == SECRET
    )
    assert len(client.get_parameters(Names=["/app/greeting", "colours"])["Parameters"]) == 2


class _IamCheckSkipped(SsmFrontDoor):
    def _authorize(self, *args: Any) -> None:
        pass


def test_bite_the_refusal_is_the_iam_checks(emulator: SsmEmulator) -> None:
    # With the IAM step removed, the refused call of the test above would be served: the
    # AccessDenied assertion fails, so it tests the check, not a missing parameter.
    stack = Stack(emulator, _IamCheckSkipped)
    stack.policies = (allow("ssm:GetParameter", f"{PARAM}/app/greeting"),)
    request = signed("GetParameter", {"Name": "/app/root", "WithDecryption": True})
    answer = json.loads(stack.door.handle(request).body)
    assert answer["Parameter"]["Value"] == SECRET
    stack.door.close()


def test_unknown_parameter_is_parameter_not_found(fresh) -> None:
    stack, client = fresh
    with pytest.raises(client.exceptions.ParameterNotFound) as caught:
        client.get_parameter(Name="/app/nothing")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # SSM sends no message (moto would say "Parameter /app/nothing not found.").
    response = stack.door.handle(signed("GetParameter", {"Name": "/app/nothing"}))
    assert (response.status, json.loads(response.body)) == (400, {"__type": "ParameterNotFound"})
    assert response.header("Content-Type") == JSON_1_1


def signed(operation: str, body: dict[str, Any], credential: KnownCredential = KEY) -> Request:
    url = f"http://ssm.{REGION}.amazonaws.com/"
    raw = json.dumps(body).encode()
    aws = AWSRequest(
        "POST",
        url,
        data=raw,
        headers={"Content-Type": JSON_1_1, "X-Amz-Target": f"AmazonSSM.{operation}"},
    )
    creds = Credentials(
        credential.access_key_id, credential.secret_access_key, credential.session_token
    )
    SigV4Auth(creds, "ssm", REGION).add_auth(aws)
    host = urlsplit(url).netloc
    headers = (("Host", host), *aws.prepare().headers.items())
    return Request("POST", "/", "", headers, raw, host=host)


def _without_authorization(request: Request) -> Request:
    headers = tuple(h for h in request.headers if h[0].lower() != "authorization")
    return Request("POST", "/", "", headers, request.body)


@pytest.mark.parametrize(
    ("request_of", "error_type"),
    [
        (
            lambda: _without_authorization(signed("GetParameter", {"Name": "/app/root"})),
            "MissingAuthenticationTokenException",
        ),
        (
            lambda: signed(
                "GetParameter",
                {"Name": "/app/root"},
                KnownCredential("ASIAUNKNOWNKEY000001", "y" * 40, None, None),
            ),
            "UnrecognizedClientException",
        ),
        (
            lambda: signed(
                "GetParameter",
                {"Name": "/app/root"},
                KnownCredential(KEY.access_key_id, "x" * 40, KEY.session_token, None),
            ),
            "InvalidSignatureException",
        ),
    ],
)
def test_unsigned_or_forged_requests_are_refused(fresh, request_of, error_type: str) -> None:
    stack, _ = fresh
    response = stack.door.handle(request_of())
    payload = json.loads(response.body)
    assert (response.status, payload["__type"]) == (400, error_type)
    assert SECRET not in response.body.decode()
    # Control: the same call, honestly signed, is served.
    assert stack.door.handle(signed("GetParameter", {"Name": "/app/root"})).status == 200


def test_unknown_and_unemulated_operations(fresh) -> None:
    stack, _ = fresh
    request = signed("GetParameter", {})
    bogus = tuple(
        (k, "AmazonSSM.Bogus" if k.lower() == "x-amz-target" else v) for k, v in request.headers
    )
    response = stack.door.handle(Request("POST", "/", "", bogus, b"{}"))
    assert (response.status, json.loads(response.body)) == (
        400,
        {"__type": "UnknownOperationException"},
    )
    stack.policies = (allow("ssm:*", "*"),)
    response = stack.door.handle(signed("PutParameter", {"Name": "/app/x", "Value": "v"}))
    payload = json.loads(response.body)
    assert (response.status, payload["__type"]) == (400, "ValidationException")
    assert "not served" in payload["message"]
    assert stack.emulator.client.get_parameters(Names=["/app/x"])["Parameters"] == []


# ------------------------------------------------------------------------------- the stack
MINIMAL = {
    "Resources": {
        "Pool": {
            "Type": "AWS::Cognito::IdentityPool",
            "Properties": {"AllowUnauthenticatedIdentities": True},
        }
    }
}


def test_functions_reach_ssm_on_the_stacks_port() -> None:
    assert "ssm" in FUNCTION_ENDPOINTS
    assert endpoint_variables({"ssm": "http://127.0.0.1:1/"}) == {
        "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:1/"
    }
    offline = build(MINIMAL)
    try:
        routes = offline.service_routes()
        headers = (("Content-Type", JSON_1_1), ("X-Amz-Target", "AmazonSSM.GetParameter"))
        route = route_service(routes, "POST", "/", headers)
        assert route is not None and route.name == "ssm"
    finally:
        offline.close()


def test_without_template_parameters_ssm_starts_when_seeded_and_stops_with_the_stack() -> None:
    offline = build(MINIMAL)
    assert offline.ssm is not None and not offline.ssm.emulator.running  # nothing to load yet
    try:
        offline.put_secure_parameter("/attestation/root", SECRET)
        offline.put_secure_parameter("/attestation/root", SECRET + "-2")  # seeding again replaces
        client = offline.ssm.emulator.client
        stored = client.get_parameter(Name="/attestation/root", WithDecryption=True)["Parameter"]
        assert (stored["Type"], stored["Value"], stored["Version"]) == (
            "SecureString",
            SECRET + "-2",
            2,
        )
        with pytest.raises(ParameterDefinitionError, match="parameter name"):
            offline.put_secure_parameter("no spaces allowed", "x")
    finally:
        offline.close()
    assert not offline.ssm.emulator.running
    # Deleted with the stack: a later stack of the same account starts clean.
    again = build(MINIMAL)
    try:
        again.put_secure_parameter("/attestation/other", "x")
        missing = again.ssm.emulator.client.get_parameters(Names=["/attestation/root"])
        assert missing["InvalidParameters"] == ["/attestation/root"]
    finally:
        again.close()


def test_a_template_parameter_name_cannot_be_seeded() -> None:
    template = {
        **MINIMAL,
        "Resources": {
            **MINIMAL["Resources"],
            "Root": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": "/attestation/root", "Type": "String", "Value": "x"},
            },
        },
    }
    offline = build(template)
    try:
        assert offline.ssm is not None and offline.ssm.emulator.running  # created at deploy
        with pytest.raises(ParameterDefinitionError, match="template already creates"):
            offline.put_secure_parameter("/attestation/root", SECRET)
    finally:
        offline.close()
