"""One warm Lambda sandbox: imports the handler once, then runs one invocation at a time.

Started by `sandbox.py` with the function's code directory as its working directory and Lambda's
environment; it forks first (the parent stays as the supervisor). It imports nothing of the
offline stack but the framing and the supervisor, and follows the Lambda runtime interface
client (awslambdaric: `bootstrap.py`, `lambda_context.py`, `lambda_runtime_marshaller.py`).
"""

from __future__ import annotations

import base64
import decimal
import importlib
import io
import json
import logging
import math
import os
import signal
import sys
import time
import traceback
from typing import Any

from guestapi.offline.awslambda import proctree
from guestapi.offline.awslambda.framing import frame_bytes, read_frame, write_all, write_frame
from guestapi.offline.awslambda.supervisor import supervise

# Lambda's limit on a synchronous response (the moto-captured Function.ResponseSizeTooLarge).
MAX_RESPONSE_BYTES = 6291556
_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_request_id = ""  # the invocation in progress, for the log records' aws_request_id


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self) -> None:
        # Filled only for mobile SDK invocations; API Gateway puts the identity in the event.
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None


class LambdaContext:
    """The Python runtime's context object: its attributes are strings from the environment
    (memory_limit_in_mb included, as in awslambdaric), the rest comes with each invocation."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str) -> None:
        env = os.environ
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = None
        self.identity = CognitoIdentity()
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, message: Any) -> None:
        sys.stdout.write(str(message))

    def __repr__(self) -> str:
        return f"LambdaContext([aws_request_id={self.aws_request_id}])"


class _Fault(Exception):
    """A failure the runtime itself reports, with Lambda's error type."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error = _error(error_type, message, trace)


def _error(error_type: str, message: str, trace: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "stackTrace": trace or []}


def _unhandled(exc: BaseException) -> dict[str, Any]:
    """An exception as Lambda reports it: its frames from the first one outside the runtime."""
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and frames[0].filename == __file__:
        frames.pop(0)
    return _error(type(exc).__name__, str(exc), traceback.format_list(frames))


def load_handler(handler: str) -> Any:
    """The handler function; raises _Fault with the runtime's init error types."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as exc:
        raise _Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise _Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise _Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise _Fault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", trace
        ) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise _Fault(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        ) from None


def _decimal(value: Any) -> Any:
    # awslambdaric writes a Decimal as its own digits (simplejson RawJSON); a float or an int
    # spelled the same way parses back to the same JSON value.
    if isinstance(value, decimal.Decimal):
        if value.is_nan():
            return math.nan
        text = str(value)
        return int(text) if text.lstrip("-").isdigit() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal(payload: Any) -> bytes:
    """The result frame for a handler's return value (bytes pass through, as in awslambdaric)."""
    if isinstance(payload, bytes):
        data = payload
        body = b'{"ok":true,"raw":"' + base64.b64encode(data) + b'"}'
    else:
        try:
            data = json.dumps(payload, default=_decimal, ensure_ascii=False).encode()
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
        body = b'{"ok":true,"payload":' + data + b"}"
    if len(data) > MAX_RESPONSE_BYTES:
        raise _Fault(
            "Function.ResponseSizeTooLarge",
            f"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES}"
            " bytes).",
        )
    return frame_bytes(body)


def log_error(error: dict[str, Any]) -> None:
    """The runtime's own log line for an error, before it answers (awslambdaric log_error)."""
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(line for frame in error["stackTrace"] for line in frame.splitlines())
    sys.stdout.write("\n".join(lines) + "\n")


def invoke(handler: Any, request: dict[str, Any]) -> bytes:
    """Run the handler once; the result frame to send back."""
    global _request_id
    _request_id = request["request_id"]
    context = LambdaContext(_request_id, request["deadline_ms"], request["invoked_function_arn"])
    try:
        return marshal(handler(request["event"], context))
    except _Fault as fault:
        error = fault.error
    except Exception as exc:  # an unhandled error is the function's answer, as on Lambda
        error = _unhandled(exc)
    log_error(error)
    return frame_bytes(json.dumps({"ok": False, "error": error}).encode())


class _LambdaLogHandler(logging.Handler):
    """The root handler the runtime installs: Lambda's text format, on stdout."""

    def emit(self, record: logging.LogRecord) -> None:
        record.aws_request_id = _request_id
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


def setup_logging() -> None:
    formatter = logging.Formatter(_LOG_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = _LambdaLogHandler()
    handler.setFormatter(formatter)
    logging.getLogger().addHandler(handler)
    # Lines reach the offline stack's log as they are written, not when a buffer fills.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # what the interpreter starts with
            stream.reconfigure(line_buffering=True)


def end_of_output(marker: bytes) -> None:
    """Tell the log reader that everything printed so far belongs to the invocation that ends."""
    sys.stdout.flush()
    sys.stderr.flush()
    write_all(1, marker)


def split_off_supervisor(request_fd: int, result_fd: int, lifeline_fd: int, status_fd: int) -> None:
    """Fork: the parent supervises the sandbox and never returns; the child, which returns, is
    the runtime, holding only the request pipes (a function cannot forge the supervisor's
    report, and the offline stack sees the runtime's end of the result pipe close with it)."""
    supervisor = os.getpid()
    if supervisor != 1:  # process 1 of a namespace collects orphans already
        proctree.prctl(
            proctree.PR_SET_CHILD_SUBREAPER, 1
        )  # before fork: children do not inherit it
    runtime = os.fork()
    if runtime:
        os.close(request_fd)
        os.close(result_fd)
        memory = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        supervise(runtime, lifeline_fd, status_fd, int(memory) if memory.isdigit() else None)
    os.close(lifeline_fd)
    os.close(status_fd)
    # The runtime dies with its supervisor, as a Lambda runtime dies with its sandbox.
    proctree.prctl(proctree.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != supervisor:  # it ended before the line above took effect
        os._exit(1)


def main(argv: list[str]) -> int:
    request_fd, result_fd, lifeline_fd, status_fd = (int(fd) for fd in argv[1:5])
    marker = argv[5].encode() + b"\n"
    split_off_supervisor(request_fd, result_fd, lifeline_fd, status_fd)
    # LAMBDA_TASK_ROOT first, as on Lambda (python -m put the working directory there too).
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    setup_logging()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except _Fault as fault:
        init_error: dict[str, Any] | None = fault.error
    except Exception as exc:  # any other failure at import is reported as it is
        init_error = _unhandled(exc)
    else:
        init_error = None
    if init_error is not None:
        log_error(init_error)  # then the runtime exits, as awslambdaric does after an init error
    end_of_output(marker)
    write_frame(result_fd, {"ready": init_error is None, "error": init_error})
    if init_error is not None:
        return 1
    while (request := read_frame(request_fd)) is not None:
        result = invoke(handler, request)
        end_of_output(marker)
        write_all(result_fd, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
