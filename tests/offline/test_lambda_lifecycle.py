"""A Lambda route's request lifecycle on the offline stack, as API Gateway and Lambda have it:
how long an answer may take, what the caller gets past the integration timeout, MemorySize,
and what stopping the stack does to functions in flight (tests/data/lambda_lifecycle)."""

from __future__ import annotations

import json
import logging
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from _sandbox_processes import left_after, processes_with
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.offline import protocol
from guestapi.offline.apigateway import Gateway
from guestapi.offline.apigateway.lambda_proxy import LambdaProxyIntegration
from guestapi.offline.apigateway.pipeline import default_integrations
from guestapi.offline.launch import OfflineStack, build, running

pytestmark = pytest.mark.offline

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "lambda_lifecycle" / "template.yaml"
INTERNAL_ERROR = {"message": "Internal server error"}
TIMED_OUT = {"message": "Endpoint request timed out"}


def session_for(outputs: dict[str, str]) -> requests.Session:
    provider = GuestCredentialProvider(
        outputs["IdentityPoolId"],
        outputs["Region"],
        endpoint_url=outputs["CognitoIdentityEndpoint"],
    )
    return signed_session(provider, outputs["Region"])


def with_integration_timeout(offline: OfflineStack, seconds: float) -> OfflineStack:
    """The same stack behind a gateway built with a shorter integration timeout (the
    constructor's parameter), so a test need not wait API Gateway's 29 s."""
    assert offline.lambdas is not None
    integrations = {
        **default_integrations(offline.stack),
        "AWS_PROXY": LambdaProxyIntegration(
            offline.stack, offline.lambdas, integration_timeout_s=seconds
        ),
    }
    return replace(
        offline, gateway=Gateway(offline.stack, offline.store, integrations=integrations)
    )


@pytest.fixture(scope="module")
def short_wait() -> Iterator[tuple[OfflineStack, dict[str, str]]]:
    offline = with_integration_timeout(build(TEMPLATE), 2.0)
    with running(offline) as outputs:
        yield offline, outputs


# ------------------------------------------------------------------ how long an answer may take
def test_an_answer_slower_than_the_head_timeout_reaches_the_caller(short_wait, monkeypatch) -> None:
    # The request-head timer (10 s, here 0.5 s) guards a connection waiting for a request, not
    # one whose request is being answered.
    _, outputs = short_wait
    monkeypatch.setattr(protocol, "HEAD_TIMEOUT_S", 0.5)
    session = session_for(outputs)
    response = session.get(outputs["ApiUrl"] + "/wait?seconds=1.5", timeout=30)
    assert (response.status_code, response.text) == (200, "waited 1.5 s")
    # The head timer still closes a connection that stays silent after its answer.
    address = urlsplit(outputs["ApiUrl"])
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        conn.sendall(b"GET /dev/wait HTTP/1.1\r\nHost: x\r\n\r\n")  # unsigned: a quick 403
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            answer += conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 403")
        assert conn.recv(1) == b""  # then closed by the server, 0.5 s later


@pytest.mark.slow
def test_past_the_integration_timeout_the_caller_gets_504_and_the_function_runs_on(
    short_wait, caplog: pytest.LogCaptureFixture
) -> None:
    _, outputs = short_wait
    session = session_for(outputs)
    with caplog.at_level(logging.INFO, logger="guestapi.offline"):
        started = time.monotonic()
        response = session.get(outputs["ApiUrl"] + "/outlive?seconds=4", timeout=30)
        waited = time.monotonic() - started
        assert (response.status_code, response.json()) == (504, TIMED_OUT)
        assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
        assert 2 <= waited < 4  # the gateway's 2 s, not the function's 4 s of work
        deadline = time.monotonic() + 10
        while "finished after its caller stopped waiting: ok" not in caplog.text:
            assert time.monotonic() < deadline, "the function did not run on to its end"
            time.sleep(0.05)
    assert "Task timed out" not in caplog.text


def test_a_function_timeout_inside_the_integration_timeout_is_still_502(
    short_wait, caplog: pytest.LogCaptureFixture
) -> None:
    _, outputs = short_wait
    with caplog.at_level(logging.INFO, logger="guestapi.offline"):
        response = session_for(outputs).get(outputs["ApiUrl"] + "/brief?seconds=3", timeout=30)
    assert (response.status_code, response.json()) == (502, INTERNAL_ERROR)
    assert "Task timed out after 1.00 seconds" in caplog.text


@pytest.mark.slow
def test_api_gateways_real_29_seconds_end_to_end() -> None:
    """The default path, unshortened: an answer after 11 s arrives, a function timing out at
    its own 20 s is 502, and one still running at 29 s (Timeout 40) is 504 at 29 s."""
    with running(build(TEMPLATE)) as outputs:
        calls = {
            "answers after 11 s": "/wait?seconds=11",
            "its own Timeout, 20 s": "/wait?seconds=25",
            "past 29 s": "/outlive?seconds=35",
        }

        def call(path: str) -> tuple[int, str, float]:
            started = time.monotonic()
            answer = session_for(outputs).get(outputs["ApiUrl"] + path, timeout=60)
            return answer.status_code, answer.text, time.monotonic() - started

        with ThreadPoolExecutor(max_workers=3) as pool:
            results = dict(zip(calls, pool.map(call, calls.values()), strict=True))
    assert results["answers after 11 s"][:2] == (200, "waited 11 s")
    assert results["its own Timeout, 20 s"][:2] == (502, json.dumps(INTERNAL_ERROR))
    status, body, waited = results["past 29 s"]
    assert (status, json.loads(body)) == (504, TIMED_OUT)
    assert 29 <= waited < 34


# ------------------------------------------------------------------ memory
def test_a_function_past_its_memory_size_is_502_with_lambdas_error_in_the_log(
    short_wait, caplog: pytest.LogCaptureFixture
) -> None:
    _, outputs = short_wait
    session = session_for(outputs)
    with caplog.at_level(logging.INFO, logger="guestapi.offline"):
        response = session.get(outputs["ApiUrl"] + "/hog?mb=2048", timeout=60)
    assert (response.status_code, response.json()) == (502, INTERNAL_ERROR)
    assert "Runtime.OutOfMemory: RequestId: " in caplog.text
    assert "Error: Runtime exited with error: signal: killed" in caplog.text
    assert re.search(r"Memory Size: 256 MB\tMax Memory Used: \d+ MB", caplog.text)
    # The control: within its MemorySize the same function answers.
    held = session.get(outputs["ApiUrl"] + "/hog?mb=100", timeout=60)
    assert (held.status_code, held.text) == (200, "held 100 MB")


# ------------------------------------------------------------------ stopping
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_aborts_functions_in_flight_and_ends_all_their_processes(
    repo_root: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    mark = secrets.token_hex(8)
    outputs_file = tmp_path / "outputs.json"
    process = subprocess.Popen(
        [
            sys.executable,
            str(repo_root / "scripts" / "local.py"),
            "--template",
            str(TEMPLATE),
            "--port",
            "0",
            "--outputs-file",
            str(outputs_file),
            "--parameter-overrides",
            f"Mark={mark}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # until the ready message
            if line.startswith("press Ctrl-C to stop"):
                break
        outputs = json.loads(outputs_file.read_text())
        answers: list[requests.Response | Exception] = []

        def call() -> None:
            try:
                answers.append(
                    session_for(outputs).get(outputs["ApiUrl"] + "/detach?seconds=50", timeout=30)
                )
            except requests.RequestException as exc:
                answers.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        deadline = time.monotonic() + 30
        while (
            "sleep 300 " not in processes_with(f"SANDBOX_MARK={mark}").values()
        ):  # the function is in its sleep
            assert time.monotonic() < deadline and caller.is_alive()
            time.sleep(0.05)
        process.send_signal(stop)
        caller.join(timeout=10)  # a guard against a hang: the function had 50 s to go
        assert not caller.is_alive(), "the call in flight was neither answered nor aborted"
        code = process.wait(timeout=10)
        log = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    [answer] = answers
    assert isinstance(answer, requests.Response), answer
    assert (answer.status_code, answer.json()) == (502, INTERNAL_ERROR)
    assert code == 0
    assert re.search(
        r"offline stack stopping: aborted invocation [0-9a-f-]{36} of \S*Detach\S*", log
    ), log
    assert "Task timed out" not in log
    assert (
        left_after(f"SANDBOX_MARK={mark}") == []
    )  # the function, its runtime and the detached sleep
