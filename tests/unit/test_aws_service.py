"""The one service base every AWS API of the offline stack uses (awsapi/service.py): its order,
its body limit, and its log line, which gives the status the caller got."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guestapi.offline.awsapi import AwsError, AwsService, Call, Json, Query
from guestapi.offline.awsapi.errors import ValidationException
from guestapi.offline.iam.errors import NoSuchEntity
from guestapi.offline.iam.simulator import IamSimulator
from guestapi.offline.wire import Request, Response

TARGET = "AWSCognitoIdentityService."


class Throttled(AwsError):
    code = "ThrottlingException"
    status = 429


class Toy(AwsService):
    """A service of one operation, GetId, that answers what it is told to."""

    NAME = "toy"
    MAX_BODY = 100
    INVALID = ValidationException
    protocol = Json("cognito-identity")

    def __init__(self, outcome: AwsError | None = None) -> None:
        self.lines: list[str] = []
        self._log = self.lines.append  # type: ignore[method-assign]
        self.outcome = outcome
        self.calls: list[Call] = []
        self.operations = {"GetId": self._get_id}

    def _get_id(self, call: Call) -> dict[str, Any]:
        self.calls.append(call)
        call.logged["pool"] = "p-1"
        if self.outcome is not None:
            raise self.outcome
        return {"IdentityId": "i-1"}


def _json(target: str, body: bytes = b"{}") -> Request:
    return Request("POST", "/", "", (("X-Amz-Target", target),), body)


@pytest.mark.parametrize(
    ("outcome", "status"), [(None, 200), (Throttled("slow down"), 429), (NoSuchEntity("r"), 404)]
)
def test_the_log_line_gives_the_status_the_caller_got(
    outcome: AwsError | None, status: int
) -> None:
    # Before the shared base, Cognito's log line said 400 for every refusal, whatever it sent.
    toy = Toy(outcome)
    response = toy.handle(_json(TARGET + "GetId"))
    assert response.status == status
    [line] = toy.lines
    expected = f"toy GetId pool=p-1 -> {status}" + (f" {outcome.code}" if outcome else "")
    assert line == expected


def test_a_real_services_refusal_is_logged_with_its_status() -> None:
    lines: list[str] = []
    form = b"Action=SimulatePrincipalPolicy&PolicySourceArn=arn:aws:iam::1:role/x&ActionNames.member.1=s3:GetObject"
    simulator = IamSimulator({})
    simulator._log = lines.append  # type: ignore[method-assign]
    response = simulator.handle(
        Request("POST", "/", "", (("Content-Type", "application/x-www-form-urlencoded"),), form)
    )
    assert response.status == 404 and b"<Code>NoSuchEntity</Code>" in response.body
    assert lines == ["iam SimulatePrincipalPolicy role=arn:aws:iam::1:role/x -> 404 NoSuchEntity"]


def test_a_body_over_the_limit_is_refused_before_anything_reads_it() -> None:
    toy = Toy()
    response = toy.handle(_json(TARGET + "GetId", b"{" + b" " * 200 + b"}"))
    body = json.loads(response.body)
    assert (response.status, body["__type"]) == (400, "ValidationException")
    assert body["message"] == "Request body is 202 bytes; the limit is 100."
    assert toy.calls == []  # the handler never ran
    assert toy.handle(_json(TARGET + "GetId", b"{" + b" " * 90 + b"}")).status == 200


@pytest.mark.parametrize("target", [TARGET + "DeleteIdentityPool", "GetId", "", "Other.GetId"])
def test_an_operation_the_table_lacks_is_the_protocols_unknown_operation(target: str) -> None:
    toy = Toy()
    response = toy.handle(_json(target, b"not json"))  # the operation is looked at first
    assert json.loads(response.body) == {"__type": "UnknownOperationException"}
    assert response.header("x-amzn-ErrorType") == "UnknownOperationException"
    assert toy.calls == []


def test_the_query_protocol_names_an_unknown_action_with_its_version() -> None:
    class Form(AwsService):
        NAME = "form"
        MAX_BODY = 1000
        INVALID = ValidationException
        protocol = Query("sts", malformed=ValidationException, max_fields=10)

        def __init__(self) -> None:
            self.operations = {}

    response = Form().handle(Request("POST", "/", "", (), b"Action=AssumeRole&Version=2011-06-15"))
    assert response.status == 400 and response.header("Content-Type") == "text/xml"
    assert b"<Code>InvalidAction</Code>" in response.body
    assert b"Could not find operation AssumeRole for version 2011-06-15" in response.body


def test_admit_runs_before_the_parameters_are_read() -> None:
    class Guarded(Toy):
        def admit(self, call: Call) -> None:
            raise AwsError("refused first")

    response = Guarded().handle(_json(TARGET + "GetId", b"not json"))
    assert json.loads(response.body)["message"] == "refused first"


def test_a_forwarded_answer_is_returned_as_it_is_and_logged_with_its_status() -> None:
    class Forwarding(Toy):
        def _get_id(self, call: Call) -> Response:  # type: ignore[override]
            return Response(409, [("X", "y")], b"as the other server said")

    service = Forwarding()
    response = service.handle(_json(TARGET + "GetId"))
    assert (response.status, response.body) == (409, b"as the other server said")
    assert service.lines == ["toy GetId -> 409"]
