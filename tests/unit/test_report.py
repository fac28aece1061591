"""report.py attestation without a stack: counting access-log lines, the Logs Insights path
(botocore Stubber, the exact query and window AWS would get), and the one-line refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import botocore.session
import pytest
from botocore.stub import Stubber

from guestapi.cli import report
from guestapi.report import access_log, attestation

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _line(caller: str, when: datetime, method: str = "GET", path: str = "/demo") -> str:
    return json.dumps(
        {
            "requestId": "r",
            "caller": caller,
            "httpMethod": method,
            "resourcePath": path,
            "requestTime": when.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        }
    )


def test_lines_are_counted_by_method_and_caller_inside_the_window() -> None:
    hour_ago = NOW - timedelta(hours=1)
    lines = [
        _line("authenticated", hour_ago),
        _line("authenticated", hour_ago),
        _line("unauthenticated", hour_ago),
        _line("unauthenticated", NOW - timedelta(days=2)),  # before --since
        _line("-", hour_ago, "POST", "/attest"),  # unsigned: no caller kind
        "2026-12-07 INFO access-log abc/dev " + _line("authenticated", hour_ago, "POST", "/x"),
        "not json",
        "",
    ]
    counts = access_log.count_lines(lines, NOW - timedelta(hours=24))
    assert counts == {
        ("GET", "/demo", "authenticated"): 2,
        ("GET", "/demo", "unauthenticated"): 1,
        ("POST", "/x", "authenticated"): 1,
    }
    text = attestation.render(attestation.shares(counts), "24 h")
    assert text.splitlines()[-1] == (
        "66.7% of GET /demo calls came from attested installs in the last 24 h; "
        "enforce would refuse 33.3% (the lowest share of 2 methods)"
    )


def test_no_signed_calls_says_so() -> None:
    assert attestation.render([], "24 h").startswith("no signed calls in the last 24 h")


@pytest.mark.parametrize("text", ["24", "h", "0h", "-3h", "24x", "1.5h"])
def test_since_must_be_a_number_and_a_unit(text: str) -> None:
    with pytest.raises(access_log.AccessLogError, match="--since"):
        access_log.parse_since(text)


def _logs() -> tuple[object, Stubber]:
    client = botocore.session.Session().create_client(
        "logs", region_name="eu-west-1", aws_access_key_id="AKIDTEST", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def _row(method: str, caller: str, calls: int) -> list[dict[str, str]]:
    return [
        {"field": "httpMethod", "value": method},
        {"field": "resourcePath", "value": "/demo"},
        {"field": "caller", "value": caller},
        {"field": "calls", "value": str(calls)},
    ]


def test_on_aws_logs_insights_counts_the_access_log_group() -> None:
    logs, stub = _logs()
    since = NOW - timedelta(hours=24)
    stub.add_response(
        "start_query",
        {"queryId": "q-1"},
        {
            "logGroupName": "/aws/apigateway/app-access",
            "startTime": int(since.timestamp()),
            "endTime": int(NOW.timestamp()),
            "queryString": access_log.INSIGHTS_QUERY,
        },
    )
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-1"})
    stub.add_response(
        "get_query_results",
        {
            "status": "Complete",
            "results": [_row("GET", "authenticated", 992), _row("GET", "unauthenticated", 8)],
        },
        {"queryId": "q-1"},
    )
    slept: list[float] = []
    with stub:
        counts = access_log.query_insights(
            logs, "/aws/apigateway/app-access", since, NOW, sleep=slept.append
        )
    stub.assert_no_pending_responses()
    assert slept == [1.0]
    assert attestation.render(attestation.shares(counts), "24 h").splitlines()[-1] == (
        "99.2% of GET /demo calls came from attested installs in the last 24 h; "
        "enforce would refuse 0.8%"
    )


def _outputs(tmp_path: Path, **extra: str) -> Path:
    outputs = {
        "ApiUrl": "https://a.execute-api.eu-west-1.amazonaws.com/dev",
        "IdentityPoolId": "eu-west-1:x",
        "Region": "eu-west-1",
        "AttestationMode": "monitor",
        **extra,
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return path


def test_the_command_reads_the_outputs_log_group(tmp_path: Path, capsys) -> None:
    logs, stub = _logs()
    stub.add_response("start_query", {"queryId": "q-2"})
    stub.add_response("get_query_results", {"status": "Complete", "results": []})
    path = _outputs(tmp_path, AccessLogGroupName="/aws/apigateway/app-access")
    with stub:
        assert report.main(["attestation", "--outputs-file", str(path)], logs_client=logs) == 0
    assert "no signed calls in the last 24 h" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"AttestationMode": "off"}, "AttestationMode is off"),
        ({}, "writes no access log: deploy it with EnableAccessLogs=true"),
        ({"AccessLogFile": "/nonexistent/access.log"}, "access log /nonexistent/access.log"),
    ],
)
def test_nothing_to_read_is_one_line_and_exit_2(tmp_path, capsys, extra, expected) -> None:
    path = _outputs(tmp_path, **extra)
    assert report.main(["attestation", "--outputs-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("report.py: ") and expected in err
    assert err.count("\n") == 1


def test_a_failed_insights_query_is_one_line(tmp_path: Path, capsys) -> None:
    logs, stub = _logs()
    stub.add_client_error(
        "start_query", "ResourceNotFoundException", "The specified log group does not exist."
    )
    path = _outputs(tmp_path, AccessLogGroupName="/aws/apigateway/gone")
    with stub:
        assert report.main(["attestation", "--outputs-file", str(path)], logs_client=logs) == 2
    err = capsys.readouterr().err
    assert err == (
        "report.py: Logs Insights on /aws/apigateway/gone: ResourceNotFoundException: "
        "The specified log group does not exist.\n"
    )
