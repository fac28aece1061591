"""One warm Lambda sandbox: imports the handler once, then runs one invocation at a time.

Started by `runtime.py` as `python -m guestapi.offline.awslambda.worker REQUEST_FD RESULT_FD`
with the function's code directory as its working directory and Lambda's environment. It
imports nothing of the offline stack but the framing, so a handler sees a process much like a
Lambda Python runtime's.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

from guestapi.offline.awslambda.framing import read_frame, write_frame


class LambdaContext:
    """The context object of the Lambda Python runtime (its documented attributes)."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        env = os.environ
        self.aws_request_id = request_id
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = env["GUESTAPI_FUNCTION_ARN"]
        self.memory_limit_in_mb = env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = env["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(error_type: str, message: str, trace: list[str] | None = None) -> dict[str, Any]:
    return {
        "ok": False,
        "errorType": error_type,
        "errorMessage": message,
        "stackTrace": trace or [],
    }


def _load_handler() -> tuple[Any, dict[str, Any] | None]:
    """The handler function, or the init error Lambda reports for every invocation."""
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as exc:  # Lambda reports any import failure, whatever the exception
        return None, _error(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        )
    handler = getattr(module, function_name, None)
    if not callable(handler):
        return None, _error(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return handler, None


def _invoke(handler: Any, request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(request["request_id"], request["deadline_ms"])
    try:
        payload = handler(request["event"], context)
    except Exception as exc:  # an unhandled error is the function's answer, as on Lambda
        frames = traceback.format_tb(exc.__traceback__)[1:]
        # The Lambda Python runtime logs an unhandled error before it answers.
        print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
        print("".join(["Traceback (most recent call last):\n", *frames]).rstrip(), file=sys.stderr)
        return _error(type(exc).__name__, str(exc), [f.rstrip() for f in frames])
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        return _error("Runtime.MarshalError", f"Unable to marshal response: {exc}")
    return {"ok": True, "payload": payload}


def main(argv: list[str]) -> int:
    request_fd, result_fd = int(argv[1]), int(argv[2])
    sys.path.insert(0, os.getcwd())
    handler, init_error = _load_handler()
    while (request := read_frame(request_fd)) is not None:
        result = init_error if init_error is not None else _invoke(handler, request)
        # The end of this call's output, for the parent's log forwarding (sandbox.py).
        print(request["marker"], flush=True)
        print(request["marker"], file=sys.stderr, flush=True)
        write_frame(result_fd, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
