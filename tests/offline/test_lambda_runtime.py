"""The offline Lambda runtime on its own: real worker processes running the handlers in
tests/data/lambda, with fake role credentials and endpoints (nothing is called over the network).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from _sandbox_processes import left_after as left_after_marked
from _sandbox_processes import processes_with
from guestapi.offline import launch
from guestapi.offline.awslambda import runtime as runtime_module
from guestapi.offline.awslambda.environment import (
    Credentials,
    log_stream_name,
    sandbox_environment,
)
from guestapi.offline.awslambda.isolation import PROCESS_ONLY, Isolation, detect
from guestapi.offline.awslambda.logs import MAX_LOG_LINE, clean_log_line
from guestapi.offline.awslambda.outcomes import Outcome
from guestapi.offline.awslambda.runtime import CREDENTIAL_MARGIN_S, FunctionRuntime
from guestapi.offline.awslambda.sandbox import Sandbox
from guestapi.offline.awslambda.service import LambdaService
from guestapi.offline.awslambda.spec import FunctionSpec, LambdaConfigError

CODE = Path(__file__).resolve().parents[1] / "data" / "lambda"
ENDPOINTS = {
    "COGNITO_IDENTITY": "http://127.0.0.1:4566/",
    "dynamodb": "http://127.0.0.1:4567/",
}
LOGGER = "guestapi.offline.lambda"
# Every process of a test's sandboxes carries this variable (a function's Environment), so the
# test can find them from outside, whatever PID namespace they are in.
MARK = "SANDBOX_MARK"
# Both ways a sandbox can be isolated; the namespace one is skipped where the machine refuses it.
ISOLATIONS = [
    pytest.param(
        "namespace",
        marks=pytest.mark.skipif(
            not detect().namespaced, reason=f"no PID namespace here: {detect().reason}"
        ),
    ),
    "process-only",
]


def isolation_named(name: str) -> Isolation:
    return detect() if name == "namespace" else PROCESS_ONLY


def spec_for(handler: str, **changes: object) -> FunctionSpec:
    spec = FunctionSpec(
        logical_id="Probe",
        name="guest-api-local-Probe-ABC123",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:guest-api-local-Probe-ABC123",
        code_dir=CODE,
        handler=handler,
        runtime="python3.12",
        timeout_s=5.0,
        memory_mb=256,
        environment={"GREETING": "hello", "TABLE_NAME": "things"},
        role_arn="arn:aws:iam::123456789012:role/probe",
        region="eu-west-1",
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


class RoleCredentials:
    """Fresh role credentials on each call, as the offline STS would issue them."""

    def __init__(self, ttl: timedelta = timedelta(hours=1)) -> None:
        self.ttl = ttl
        self.issued: list[Credentials] = []

    def __call__(self) -> Credentials:
        credentials = Credentials(
            "ASIA" + secrets.token_hex(8).upper(),
            secrets.token_urlsafe(30),
            "IQoJ" + secrets.token_urlsafe(120),
            datetime.now(UTC) + self.ttl,
        )
        self.issued.append(credentials)
        return credentials


@pytest.fixture
def make_runtime() -> Iterator[Callable[..., FunctionRuntime]]:
    runtimes: list[FunctionRuntime] = []

    def make(
        handler: str,
        *,
        credentials: RoleCredentials | None = None,
        isolation: str = "namespace" if detect().namespaced else "process-only",
        **kwargs: object,
    ):
        concurrency = kwargs.pop("max_concurrency", 10)
        spec = spec_for(handler, **kwargs)
        environment = {**spec.environment, MARK: secrets.token_hex(8)}
        runtime = FunctionRuntime(
            replace(spec, environment=environment),
            credentials=credentials or RoleCredentials(),
            endpoints=ENDPOINTS,
            max_concurrency=concurrency,  # type: ignore[arg-type]
            isolation=isolation_named(isolation),
        )
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.close()


def sandbox_processes(runtime: FunctionRuntime) -> list[str]:
    """Command lines of the runtime's live processes."""
    return list(processes_with(f"{MARK}={runtime.spec.environment[MARK]}").values())


def left_after(runtime: FunctionRuntime) -> list[str]:
    return left_after_marked(f"{MARK}={runtime.spec.environment[MARK]}")


def lambda_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


# --- results ---------------------------------------------------------------------------------


def test_the_handler_gets_the_event_and_its_result_comes_back(make_runtime) -> None:
    runtime = make_runtime("handlers.echo")
    event = {"path": "/whoami", "nested": {"list": [1, 2.5, None, True, "é"]}}
    result = runtime.invoke(event, "req-1")
    assert result.outcome is Outcome.OK
    assert result.payload["event"] == event
    assert result.request_id == "req-1"
    assert result.duration_ms > 0
    assert (result.error_type, result.error) == ("", "")


def test_a_warm_sandbox_serves_the_next_invocation(make_runtime) -> None:
    runtime = make_runtime("handlers.echo")
    first = runtime.invoke({}, "a").payload["instance"]
    second = runtime.invoke({}, "b").payload["instance"]
    assert first == second
    assert runtime.invocations == 2
    assert runtime.sandboxes == 1


@pytest.mark.parametrize("handler", ["pkg/nested.handler", "pkg.nested.handler"])
def test_a_handler_in_a_package(make_runtime, handler: str) -> None:
    assert make_runtime(handler).invoke({}).payload == {"module": "pkg.nested"}


def test_the_context_is_lambdas(make_runtime) -> None:
    runtime = make_runtime("handlers.context_fields", timeout_s=3.0)
    spec = runtime.spec
    context = runtime.invoke({}, "0f1e2d3c-request").payload
    assert context["aws_request_id"] == "0f1e2d3c-request"
    assert context["function_name"] == spec.name
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == spec.arn
    # A string, as the Python runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE.
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_group_name"] == f"/aws/lambda/{spec.name}"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", context["log_stream_name"])
    assert 2000 < context["remaining_ms"] <= 3000
    assert context["identity_id"] is None
    assert context["client_context"] is None
    assert context["cwd"] == context["path0"] == str(CODE)


# --- environment and credentials ---------------------------------------------------------------


def test_the_sandbox_has_lambdas_environment_and_only_its_roles_keys(
    make_runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a developer's or CI's shell holds must never reach a function.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDPARENTSHELL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "parent-secret")
    monkeypatch.setenv("AWS_PROFILE", "developer")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/home/dev/.aws/config")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://parent.example")
    monkeypatch.setenv("GUESTAPI_PARENT_ONLY", "1")
    credentials = RoleCredentials()
    runtime = make_runtime("handlers.environment", credentials=credentials)
    env = runtime.invoke({}).payload
    [role] = credentials.issued
    assert env["GREETING"] == "hello"  # the function's Environment.Variables
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_ACCESS_KEY"] == role.access_key_id
    assert env["AWS_SECRET_ACCESS_KEY"] == role.secret_access_key
    assert env["AWS_SESSION_TOKEN"] == role.session_token
    assert env["AWS_ENDPOINT_URL_COGNITO_IDENTITY"] == "http://127.0.0.1:4566/"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:4567/"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == runtime.spec.name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["_HANDLER"] == "handlers.environment"
    assert env["LAMBDA_TASK_ROOT"] == str(CODE)
    assert env["TZ"] == ":UTC"
    for leaked in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "GUESTAPI_PARENT_ONLY"):
        assert leaked not in env
    assert env["AWS_CONFIG_FILE"] == os.devnull
    assert "parent-secret" not in json.dumps(env)


def test_the_environment_probe_would_see_a_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for the test above: a sandbox started with the parent's environment (the
    protection removed) shows the parent's keys to the same handler."""
    monkeypatch.setenv("AWS_PROFILE", "developer")
    spec = spec_for("handlers.environment")
    env = {**os.environ, "_HANDLER": spec.handler, "LAMBDA_TASK_ROOT": str(CODE)}
    sandbox = Sandbox(
        function_name=spec.name,
        code_dir=str(CODE),
        env=env,
        secrets_to_redact=(),
        expires_at=time.monotonic() + 60,
        request_id="control",
    )
    try:
        assert sandbox.wait_ready(time.monotonic() + 10) is None
        request = {
            "request_id": "control",
            "event": {},
            "deadline_ms": int(time.time() * 1000) + 5000,
            "invoked_function_arn": spec.arn,
        }
        answer = sandbox.invoke(request, time.monotonic() + 10)
    finally:
        sandbox.close()
    assert answer["payload"]["AWS_PROFILE"] == "developer"


# Keys only the process that launches the offline stack holds: a developer's exported keys.
LAUNCHER_KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIDLAUNCHERFAKE0042",
    "AWS_SECRET_ACCESS_KEY": "launcher-secret-must-not-leak-42",
    "AWS_SESSION_TOKEN": "launcher-token-must-not-leak-42",
}
# What CI exports (the brief's fake keys), and whatever this test process holds.
CI_KEYS = ("AKIDEXAMPLEFAKECI000", "fake-secret-for-ci-only", "fake-session-token-for-ci-only")


def scan_from_a_launcher(isolation: str) -> dict[str, object]:
    """Start a launcher process whose environment holds LAUNCHER_KEYS (as a developer's shell
    passes theirs on), let it run handlers.scan_environ in a sandbox and return what the handler
    found in every /proc/<pid>/environ it could read."""
    needles = [
        *LAUNCHER_KEYS.values(),
        *CI_KEYS,
        *(os.environ[k] for k in LAUNCHER_KEYS if os.environ.get(k)),
    ]
    script = textwrap.dedent(
        f"""
        import json
        from datetime import UTC, datetime, timedelta
        from pathlib import Path
        from guestapi.offline.awslambda.environment import Credentials
        from guestapi.offline.awslambda.isolation import PROCESS_ONLY, detect
        from guestapi.offline.awslambda.runtime import FunctionRuntime
        from guestapi.offline.awslambda.spec import FunctionSpec

        spec = FunctionSpec("P", "p", "arn:aws:lambda:us-east-1:123456789012:function:p",
                            Path({str(CODE)!r}), "handlers.scan_environ", "python3.12", 10.0, 128)
        expiry = datetime.now(UTC) + timedelta(hours=1)
        runtime = FunctionRuntime(spec, endpoints={{}},
                                  credentials=lambda: Credentials("ASIAROLE", "s", "t", expiry),
                                  isolation=detect() if {isolation!r} == "namespace" else PROCESS_ONLY)
        try:
            print(json.dumps(runtime.invoke({{"needles": {needles!r}}}).payload))
        finally:
            runtime.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **LAUNCHER_KEYS},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(not detect().namespaced, reason=f"no PID namespace here: {detect().reason}")
def test_no_environment_a_function_can_read_holds_the_developers_keys() -> None:
    scan = scan_from_a_launcher("namespace")
    assert scan["found"] == []
    # The scan itself works: it read its own environment and its supervisor's, and only those.
    assert sorted(scan["read"]) == [1, scan["me"]]  # type: ignore[call-overload]


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="no /proc here")
def test_without_a_namespace_the_same_scan_finds_the_launchers_keys() -> None:
    """The control for the test above: the same handler in a sandbox with the protection
    removed (isolation=PROCESS_ONLY) reads the launcher's keys from its /proc/<pid>/environ."""
    scan = scan_from_a_launcher("process-only")
    assert set(LAUNCHER_KEYS.values()) <= set(scan["found"])  # type: ignore[arg-type]


def test_boto3_in_the_function_reaches_the_offline_endpoints_with_its_role(make_runtime) -> None:
    credentials = RoleCredentials()
    runtime = make_runtime("handlers.boto3_view", credentials=credentials, timeout_s=30.0)
    view = runtime.invoke({}).payload
    assert view["access_key"] == credentials.issued[0].access_key_id
    assert view["region"] == "eu-west-1"
    assert view["cognito"] == "http://127.0.0.1:4566/"
    assert view["dynamodb"] == "http://127.0.0.1:4567/"
    # A service the stack does not emulate keeps AWS's endpoint.
    assert view["sts"].startswith("https://sts.")


def test_a_sandbox_is_replaced_before_its_credentials_expire(make_runtime) -> None:
    # Credentials that are already inside the margin: no sandbox may take a second invocation.
    credentials = RoleCredentials(ttl=timedelta(seconds=CREDENTIAL_MARGIN_S))
    runtime = make_runtime("handlers.environment", credentials=credentials)
    first = runtime.invoke({}).payload["AWS_ACCESS_KEY_ID"]
    second = runtime.invoke({}).payload["AWS_ACCESS_KEY_ID"]
    assert [c.access_key_id for c in credentials.issued] == [first, second]
    assert first != second


# --- failures ------------------------------------------------------------------------------------


def test_an_exception_is_the_functions_error_and_the_sandbox_stays(
    make_runtime, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = make_runtime("handlers.boom")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        result = runtime.invoke({}, "req-boom")
    assert result.outcome is Outcome.HANDLER_ERROR
    assert (result.error_type, result.error_message) == ("KeyError", "'no such thing'")
    assert result.error == "KeyError: 'no such thing'"
    assert "handlers.py" in result.stack_trace[0]  # the handler's frame first, no runtime's
    assert not any("worker.py" in frame for frame in result.stack_trace)
    lines = lambda_lines(caplog)
    assert f"[{runtime.spec.name} req-boom] [ERROR] KeyError: 'no such thing'" in lines
    assert runtime.sandboxes == 1  # an exception does not end the runtime


def test_a_timeout_kills_the_sandbox_and_the_next_call_gets_a_new_one(make_runtime) -> None:
    runtime = make_runtime("handlers.sleep", timeout_s=1.0)
    warm = runtime.invoke({"seconds": 0}).payload["instance"]
    assert sandbox_processes(runtime)
    started = time.monotonic()
    result = runtime.invoke({"seconds": 30}, "req-slow")
    assert time.monotonic() - started < 5
    assert result.outcome is Outcome.TIMEOUT
    assert result.timed_out
    assert result.error_type == "Sandbox.Timedout"
    assert result.error_message == "RequestId: req-slow Error: Task timed out after 1.00 seconds"
    assert 1000 <= result.duration_ms < 5000
    assert left_after(runtime) == []
    after = runtime.invoke({"seconds": 0})
    assert after.outcome is Outcome.OK
    assert after.payload["instance"] != warm


def test_when_the_caller_stops_waiting_the_function_runs_on(
    make_runtime, caplog: pytest.LogCaptureFixture
) -> None:
    # API Gateway gives up at its integration timeout; Lambda runs the function to its end.
    runtime = make_runtime("handlers.sleep", timeout_s=5.0, max_concurrency=1)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        result = runtime.invoke({"seconds": 1.5}, "req-long", timeout_s=0.5)
        assert result.outcome is Outcome.CALLER_GAVE_UP
        assert result.caller_gave_up and not result.timed_out
        assert 500 <= result.duration_ms < 1400
        # Still running, in the function's only sandbox: a second call is throttled.
        assert runtime.invoke({"seconds": 0}).outcome is Outcome.THROTTLED
        deadline = time.monotonic() + 10
        while not any("finished after" in m for m in lambda_lines(caplog)):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # It finished its work and its sandbox is warm again.
        assert runtime.invoke({"seconds": 0}).outcome is Outcome.OK
    assert f"[{runtime.spec.name} req-long] finished after its caller stopped waiting: ok" in (
        lambda_lines(caplog)
    )
    assert runtime.invocations == 2 and runtime.sandboxes == 1


def test_a_function_the_caller_gave_up_on_still_times_out_as_lambdas_do(
    make_runtime, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = make_runtime("handlers.sleep", timeout_s=1.5)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert runtime.invoke({"seconds": 30}, "req-stuck", timeout_s=0.3).caller_gave_up
        deadline = time.monotonic() + 10
        while not any("finished after" in m for m in lambda_lines(caplog)):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert runtime.sandboxes == 0  # killed at its own Timeout, not the caller's
    assert (
        f"[{runtime.spec.name} req-stuck] finished after its caller stopped waiting: "
        "Sandbox.Timedout: RequestId: req-stuck Error: Task timed out after 1.50 seconds"
    ) in lambda_lines(caplog)


def test_importing_the_handler_does_not_count_against_the_timeout(make_runtime) -> None:
    result = make_runtime("slow_import.handler", timeout_s=1.0).invoke({})
    assert result.outcome is Outcome.OK  # 1.5 s import, 1 s Timeout: init has its own limit
    assert result.payload["remaining_ms"] > 500


@pytest.mark.slow
def test_an_init_over_its_limit_finishes_inside_the_functions_timeout(
    make_runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda's init limit is 10 s; here 0.5 s, so the 1.5 s import overruns it.
    monkeypatch.setattr(runtime_module, "INIT_TIMEOUT_S", 0.5)
    within = make_runtime("slow_import.handler", timeout_s=5.0).invoke({})
    assert within.outcome is Outcome.OK
    assert within.payload["remaining_ms"] < 4500  # the rest of the import came out of Timeout
    too_slow = make_runtime("slow_import.handler", timeout_s=1.0).invoke({})
    assert too_slow.outcome is Outcome.TIMEOUT


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"how": "sys.exit", "code": 3}, "Runtime exited with error: exit status 3"),
        ({"how": "os._exit", "code": 7}, "Runtime exited with error: exit status 7"),
        ({"how": "sys.exit", "code": 0}, "Runtime exited without providing a reason"),
        ({"how": "segfault"}, "Runtime exited with error: signal: segmentation fault"),
        ({"how": "kill"}, "Runtime exited with error: signal: killed"),
    ],
)
def test_a_runtime_that_exits_is_a_crash_and_the_function_keeps_working(
    make_runtime, event: dict[str, object], reason: str
) -> None:
    runtime = make_runtime("handlers.leave")
    result = runtime.invoke(event, "req-exit")
    assert result.outcome is Outcome.CRASH
    assert result.error_type == "Runtime.ExitError"
    assert result.error_message == f"RequestId: req-exit Error: {reason}"
    assert runtime.sandboxes == 0
    assert runtime.invoke({"how": "stay"}).payload == {"stayed": True}


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        (
            "broken_import.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'broken_import': "
            "No module named 'no_such_module_for_offline_lambda_tests'",
        ),
        (
            "handlers.missing",
            "Runtime.HandlerNotFound",
            "Handler 'missing' missing on module 'handlers'",
        ),
        (
            "nodot",
            "Runtime.MalformedHandlerName",
            "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
        ),
        ("raises_at_import.handler", "ValueError", "configuration missing"),
        ("sys.handler", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys"),
    ],
)
def test_a_handler_that_cannot_be_loaded_is_an_init_error(
    make_runtime, handler: str, error_type: str, message: str
) -> None:
    runtime = make_runtime(handler)
    result = runtime.invoke({})
    assert result.outcome is Outcome.INIT_ERROR
    assert result.error_type == error_type
    assert result.error_message.startswith(message)
    assert runtime.sandboxes == 0  # the runtime exits after an init error, as on Lambda
    assert runtime.invoke({}).outcome is Outcome.INIT_ERROR  # init is tried again


def test_a_syntax_error_is_reported_as_lambda_does(make_runtime, tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def handler(event, context)\n    return 1\n")
    result = make_runtime("bad.handler", code_dir=tmp_path).invoke({})
    assert result.outcome is Outcome.INIT_ERROR
    assert result.error_type == "Runtime.UserCodeSyntaxError"
    assert result.error_message.startswith("Syntax error in module 'bad': ")


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        (
            "handlers.not_json",
            "Runtime.MarshalError",
            "Unable to marshal response: Object of type set is not JSON serializable",
        ),
        (
            "handlers.too_big",
            "Function.ResponseSizeTooLarge",
            "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        ),
    ],
)
def test_a_result_lambda_cannot_send_is_an_invalid_result(
    make_runtime, handler: str, error_type: str, message: str
) -> None:
    runtime = make_runtime(handler)
    result = runtime.invoke({})
    assert result.outcome is Outcome.INVALID_RESULT
    assert (result.error_type, result.error_message) == (error_type, message)
    assert runtime.sandboxes == 1


def test_decimals_and_bytes_are_returned_as_the_python_runtime_returns_them(make_runtime) -> None:
    assert make_runtime("handlers.decimals").invoke({}).payload == {"int": 42, "float": 1.5}
    assert make_runtime("handlers.raw_bytes").invoke({}).payload == b"\x00\x01binary"


# --- memory -------------------------------------------------------------------------------------


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_past_its_memory_size_a_function_is_killed_as_lambda_kills_it(
    make_runtime, caplog: pytest.LogCaptureFixture, isolation: str
) -> None:
    runtime = make_runtime("handlers.hog", memory_mb=256, timeout_s=30.0, isolation=isolation)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        result = runtime.invoke({"mb": 2048}, "req-hog")
    assert result.outcome is Outcome.OUT_OF_MEMORY
    assert (result.error_type, result.error_message) == (
        "Runtime.OutOfMemory",
        "RequestId: req-hog Error: Runtime exited with error: signal: killed",
    )
    prefix = f"[{runtime.spec.name} req-hog] "
    lines = [line.removeprefix(prefix) for line in lambda_lines(caplog)]
    [report] = [line for line in lines if line.startswith("REPORT ")]
    used = re.fullmatch(
        r"REPORT RequestId: req-hog\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: (\d+) MB",
        report,
    )
    assert used is not None and 256 < int(used[1]) < 2048
    assert lines[-2:] == [result.error_message, "Runtime.OutOfMemory"]
    assert runtime.sandboxes == 0  # a runtime killed for memory is gone, as on Lambda
    assert runtime.invoke({"mb": 64}).outcome is Outcome.OK


def test_within_its_memory_size_a_function_keeps_its_memory(make_runtime) -> None:
    # The control for the test above: the same handler under the limit is left alone.
    result = make_runtime("handlers.hog", memory_mb=256).invoke({"mb": 160})
    assert (result.outcome, result.payload) == (Outcome.OK, {"held_mb": 160})


def test_boto3_and_its_clients_start_within_lambdas_smallest_memory_size(make_runtime) -> None:
    result = make_runtime("handlers.boto3_clients", memory_mb=128, timeout_s=30.0).invoke({})
    assert (result.outcome, result.payload) == (Outcome.OK, "ready")


# --- logs ----------------------------------------------------------------------------------------


def test_function_output_reaches_the_log_prefixed_and_without_credentials(
    make_runtime, caplog: pytest.LogCaptureFixture
) -> None:
    credentials = RoleCredentials()
    runtime = make_runtime("handlers.chatty", credentials=credentials)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert runtime.invoke({"long": 100_000}, "req-log").payload == "done"
    lines = lambda_lines(caplog)
    prefix = f"[{runtime.spec.name} req-log] "
    assert lines and all(line.startswith(prefix) for line in lines)
    texts = [line[len(prefix) :] for line in lines]
    assert "printed for req-log" in texts
    assert "to stderr for req-log" in texts
    assert any(re.fullmatch(r"\[WARNING\]\t\S+Z\treq-log\tlogged for req-log", t) for t in texts)
    assert "my secret is <redacted>" in texts
    assert "my token is <redacted>" in texts
    role = credentials.issued[0]
    assert not any(role.secret_access_key in t or role.session_token in t for t in texts)
    # A function can neither forge a line of the stack's log nor colour the terminal.
    assert "line and a \\x1b[31mcolour\\r" in texts
    assert not any("\x1b" in t or "\r" in t for t in texts)
    longest = max(texts, key=len)
    assert longest.startswith("yyyy") and longest.endswith(" [line cut]")
    assert len(longest) <= MAX_LOG_LINE + len(" [line cut]")


def test_without_redaction_the_planted_secret_would_reach_the_log(caplog) -> None:
    """The control: the same lines through the same forwarding with no secrets to redact."""
    spec = spec_for("handlers.chatty")
    credentials = RoleCredentials()()
    stream = log_stream_name(datetime.now(UTC), "0" * 32)
    env = sandbox_environment(spec, credentials, ENDPOINTS, log_stream=stream)
    sandbox = Sandbox(
        function_name=spec.name,
        code_dir=str(CODE),
        env=env,
        secrets_to_redact=(),  # the protection removed
        expires_at=time.monotonic() + 60,
        request_id="control",
    )
    request = {
        "request_id": "control",
        "event": {},
        "deadline_ms": int(time.time() * 1000) + 5000,
        "invoked_function_arn": spec.arn,
    }
    with caplog.at_level(logging.INFO, logger=LOGGER):
        try:
            assert sandbox.wait_ready(time.monotonic() + 10) is None
            sandbox.invoke(request, time.monotonic() + 10)
        finally:
            sandbox.close()
    assert any(credentials.secret_access_key in line for line in lambda_lines(caplog))
    assert clean_log_line(f"k={credentials.secret_access_key}", ()) != "k=<redacted>"


def test_each_line_is_logged_under_the_request_that_printed_it(
    make_runtime, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = make_runtime("handlers.burst")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for n in range(5):
            runtime.invoke({"lines": 300}, f"req-{n}")
    lines = lambda_lines(caplog)
    assert len(lines) == 5 * 300
    for line in lines:
        match = re.fullmatch(r"\[\S+ (req-\d)\] line \d+ of (req-\d)", line)
        assert match is not None and match[1] == match[2], line


def test_clean_log_line_redacts_before_it_cuts() -> None:
    secret = "S" * 40
    line = "x" * (MAX_LOG_LINE - 10) + secret
    cleaned = clean_log_line(line, (secret,))
    assert "SSSSSSSSSS" not in cleaned  # no half secret survives the cut


# --- concurrency and lifetime --------------------------------------------------------------------


def test_concurrent_invocations_run_in_parallel_sandboxes(make_runtime) -> None:
    runtime = make_runtime("handlers.sleep")
    with ThreadPoolExecutor(max_workers=2) as pool:  # two warm sandboxes first
        list(pool.map(lambda _: runtime.invoke({"seconds": 0.2}), range(2)))
        assert runtime.sandboxes == 2
        started = time.monotonic()
        results = list(pool.map(lambda _: runtime.invoke({"seconds": 1.0}), range(2)))
        elapsed = time.monotonic() - started
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.OK]
    assert results[0].payload["instance"] != results[1].payload["instance"]
    assert elapsed < 1.8  # one after the other would take 2 s or more


def test_beyond_its_concurrency_a_function_is_throttled(make_runtime) -> None:
    runtime = make_runtime("handlers.sleep", max_concurrency=1)
    slow = threading.Thread(target=runtime.invoke, args=({"seconds": 1.5},))
    slow.start()
    try:
        deadline = time.monotonic() + 5
        while runtime.sandboxes == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        result = runtime.invoke({"seconds": 0}, "req-throttled")
    finally:
        slow.join()
    assert result.outcome is Outcome.THROTTLED
    assert (result.error_type, result.error_message) == (
        "TooManyRequestsException",
        "Rate Exceeded.",
    )
    assert runtime.invocations == 1  # the throttled call never reached a sandbox


def test_simultaneous_calls_never_start_more_sandboxes_than_the_concurrency(make_runtime) -> None:
    runtime = make_runtime("handlers.sleep", max_concurrency=2)
    barrier = threading.Barrier(6)

    def call(_: int) -> Outcome:
        barrier.wait()
        return runtime.invoke({"seconds": 1.0}).outcome

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(call, range(6)), key=lambda o: o.value)
    assert outcomes == [Outcome.OK] * 2 + [Outcome.THROTTLED] * 4
    assert runtime.sandboxes == 2
    assert runtime.invocations == 2


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_close_ends_every_sandbox_and_what_they_started(make_runtime, isolation: str) -> None:
    runtime = make_runtime("handlers.spawn_child", isolation=isolation)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = [r.payload for r in pool.map(lambda _: runtime.invoke({}), range(2))]
    assert answers[0]["instance"] != answers[1]["instance"]
    assert sandbox_processes(runtime).count("sleep 60 ") == 2
    runtime.close()
    assert left_after(runtime) == []
    assert runtime.sandboxes == 0


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("ending", ["timeout", "close"])
def test_a_process_that_left_the_sandboxs_session_ends_with_it(
    make_runtime, isolation: str, ending: str
) -> None:
    # A double fork and setsid: out of the runtime's process tree and process group, which is
    # all that killing the sandbox's process group reached.
    runtime = make_runtime("handlers.detach", isolation=isolation, timeout_s=1.0)
    if ending == "timeout":
        assert runtime.invoke({"seconds": 30}).outcome is Outcome.TIMEOUT
    else:
        assert runtime.invoke({"seconds": 0}).outcome is Outcome.OK
        assert "sleep 300 " in sandbox_processes(runtime)
        runtime.close()
    assert left_after(runtime) == []


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_sandbox_dies_with_the_offline_stack(tmp_path: Path, isolation: str) -> None:
    """A worker stuck in its handler, and what it started, still end when the process that
    started them dies without closing anything."""
    pidfile = tmp_path / "worker.pid"
    mark = secrets.token_hex(8)
    script = textwrap.dedent(
        f"""
        import os, threading, time
        from datetime import UTC, datetime, timedelta
        from pathlib import Path
        from guestapi.offline.awslambda.environment import Credentials
        from guestapi.offline.awslambda.isolation import PROCESS_ONLY, detect
        from guestapi.offline.awslambda.runtime import FunctionRuntime
        from guestapi.offline.awslambda.spec import FunctionSpec

        spec = FunctionSpec("P", "p", "arn:aws:lambda:us-east-1:123456789012:function:p",
                            Path({str(CODE)!r}), "handlers.sleep_and_tell", "python3.12", 60.0, 128,
                            environment={{{MARK!r}: {mark!r}}})
        expiry = datetime.now(UTC) + timedelta(hours=1)
        runtime = FunctionRuntime(spec, credentials=lambda: Credentials("A", "s", "t", expiry),
                                  endpoints={{}},
                                  isolation=detect() if {isolation!r} == "namespace" else PROCESS_ONLY)
        event = {{"seconds": 60, "pidfile": {str(pidfile)!r}}}
        threading.Thread(target=runtime.invoke, args=(event,), daemon=True).start()
        while not Path({str(pidfile)!r}).exists():
            time.sleep(0.01)
        os._exit(0)  # no close(): the stack is gone as if it had been killed
        """
    )
    subprocess.run([sys.executable, "-c", script], timeout=30, check=True)
    assert left_after_marked(f"{MARK}={mark}") == []


def test_the_service_finds_runtimes_by_arn_or_name_and_counts_invocations() -> None:
    spec = spec_for("handlers.echo")
    service = LambdaService(
        {spec.arn: spec}, credentials_for=lambda _: RoleCredentials()(), endpoints=ENDPOINTS
    )
    try:
        assert service.invoke(spec.arn, {"n": 1}, "r1").payload["event"] == {"n": 1}
        assert service.invoke(spec.name, {"n": 2}, "r2").payload["event"] == {"n": 2}
        assert service.invocations == 2
        with pytest.raises(KeyError):
            service.runtime("no-such-function")
    finally:
        service.close()
    assert service.runtime(spec.name).sandboxes == 0


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"runtime": "nodejs20.x"}, "runtime nodejs20.x is not served offline"),
        (
            {"environment": {"AWS_REGION": "us-east-1", "OK": "1"}},
            "Reserved keys used in this request: AWS_REGION",
        ),
        ({"environment": {"1BAD": "x"}}, "environment variable names must start with a letter"),
        ({"timeout_s": 901.0}, "Timeout 901 is not within 1-900 s"),
        ({"memory_mb": 64}, "MemorySize 64 is not within 128-10240 MB"),
        ({"code_dir": Path("/no/such/dir")}, "code directory /no/such/dir does not exist"),
    ],
)
def test_what_lambda_refuses_is_one_line_at_construction(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(LambdaConfigError) as refused:
        FunctionRuntime(
            spec_for("handlers.echo", **changes), credentials=RoleCredentials(), endpoints={}
        )
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


# --- isolation at start-up -----------------------------------------------------------------------

LIFECYCLE = Path(__file__).resolve().parents[1] / "data" / "lambda_lifecycle" / "template.yaml"


@pytest.mark.parametrize("namespaced", [True, False])
def test_functions_without_a_namespace_are_one_warning_line_at_start_up(
    monkeypatch: pytest.MonkeyPatch, namespaced: bool
) -> None:
    machine = Isolation(prefix=("unshare",)) if namespaced else Isolation(reason="unshare refused")
    monkeypatch.setattr(launch, "detect_isolation", lambda: machine)
    said: list[str] = []
    launch.build(LIFECYCLE, warn=said.append).close()
    about = [line for line in said if "PID namespace" in line]
    if namespaced:
        assert about == []
    else:
        [line] = about
        assert "\n" not in line
        assert "(unshare refused)" in line and "/proc/<pid>/environ" in line
