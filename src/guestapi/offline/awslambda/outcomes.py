"""What an invocation gives back, typed, with the error types and messages Lambda uses
(docs/aws-behaviour.md#lambda-invocation-errors). Two outcomes are the offline stack's own: the
caller (API Gateway, past its integration timeout) stopped waiting while the function runs on,
and the offline stack stopped during the invocation.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

from guestapi.offline.awslambda.errors import TooManyRequestsException
from guestapi.offline.awslambda.sandbox import exit_description


class Outcome(Enum):
    OK = "ok"
    HANDLER_ERROR = "handler error"  # the handler raised
    INVALID_RESULT = "invalid result"  # returned something Lambda cannot send (not JSON, > 6 MB)
    INIT_ERROR = "init error"  # the handler could not be imported or found
    TIMEOUT = "timeout"
    CRASH = "crash"  # the runtime exited: sys.exit, os._exit, a signal
    THROTTLED = "throttled"  # no concurrency left: the function never ran
    OUT_OF_MEMORY = "out of memory"  # killed past its MemorySize
    CALLER_GAVE_UP = "caller gave up"  # no answer within the caller's wait; the function runs on
    ABORTED = "aborted"  # the offline stack stopped during the invocation


@dataclass(frozen=True)
class InvocationResult:
    outcome: Outcome
    request_id: str
    duration_ms: float
    payload: Any = None  # the handler's return value, decoded (OK only); bytes stay bytes
    error_type: str = ""
    error_message: str = ""
    stack_trace: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def timed_out(self) -> bool:
        """The function ran out of its own Timeout (Lambda's error)."""
        return self.outcome is Outcome.TIMEOUT

    @property
    def caller_gave_up(self) -> bool:
        """The caller's wait (API Gateway's integration timeout) ended first."""
        return self.outcome is Outcome.CALLER_GAVE_UP

    @property
    def rejected(self) -> bool:
        """Lambda refused the invocation (throttled): the function never ran."""
        return self.outcome is Outcome.THROTTLED

    @property
    def error(self) -> str:
        """One line for the offline stack's log: "KeyError: 'x'", "Sandbox.Timedout: ..."."""
        return f"{self.error_type}: {self.error_message}" if self.error_type else ""


# Outcomes after which the sandbox is still a healthy, warm runtime.
REUSABLE = frozenset({Outcome.OK, Outcome.HANDLER_ERROR, Outcome.INVALID_RESULT})

_ERROR_OUTCOMES = {
    "Runtime.MarshalError": Outcome.INVALID_RESULT,
    "Function.ResponseSizeTooLarge": Outcome.INVALID_RESULT,
}


def from_answer(answer: dict[str, Any], request_id: str, duration_ms: float) -> InvocationResult:
    """The worker's answer to one invocation."""
    if answer.get("ok"):
        payload = answer.get("payload")
        if "raw" in answer:
            payload = base64.b64decode(answer["raw"])
        return InvocationResult(Outcome.OK, request_id, duration_ms, payload=payload)
    error = answer.get("error") or {}
    error_type = str(error.get("errorType", ""))
    return failure(
        _ERROR_OUTCOMES.get(error_type, Outcome.HANDLER_ERROR), request_id, duration_ms, error
    )


def failure(
    outcome: Outcome, request_id: str, duration_ms: float, error: dict[str, Any]
) -> InvocationResult:
    trace = error.get("stackTrace") or []
    return InvocationResult(
        outcome,
        request_id,
        duration_ms,
        error_type=str(error.get("errorType", "")),
        error_message=str(error.get("errorMessage", "")),
        stack_trace=tuple(str(line) for line in trace) if isinstance(trace, list) else (),
    )


def timed_out(request_id: str, duration_ms: float, timeout_s: float) -> InvocationResult:
    return failure(
        Outcome.TIMEOUT,
        request_id,
        duration_ms,
        {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
            f"{timeout_s:.2f} seconds",
        },
    )


def exited(request_id: str, duration_ms: float, returncode: int | None) -> InvocationResult:
    reason = (
        "Runtime exited without providing a reason"
        if returncode == 0
        else f"Runtime exited with error: {exit_description(returncode)}"
    )
    return failure(
        Outcome.CRASH,
        request_id,
        duration_ms,
        {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: {reason}",
        },
    )


def out_of_memory(request_id: str, duration_ms: float) -> InvocationResult:
    return failure(
        Outcome.OUT_OF_MEMORY,
        request_id,
        duration_ms,
        {
            "errorType": "Runtime.OutOfMemory",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
            f"{exit_description(-9)}",
        },
    )


def caller_gave_up(request_id: str, duration_ms: float, waited_s: float) -> InvocationResult:
    return failure(
        Outcome.CALLER_GAVE_UP,
        request_id,
        duration_ms,
        {"errorMessage": f"no answer within the caller's {waited_s:g} s; the function runs on"},
    )


def aborted(request_id: str, duration_ms: float) -> InvocationResult:
    return failure(
        Outcome.ABORTED,
        request_id,
        duration_ms,
        {
            "errorType": "OfflineStack.Stopping",
            "errorMessage": "the offline stack stopped during the invocation",
        },
    )


def report_line(result: InvocationResult, memory_mb: int, max_used_mb: int) -> str:
    """Lambda's REPORT line for an invocation (docs/aws-behaviour.md#lambda-memory)."""
    return (
        f"REPORT RequestId: {result.request_id}\tDuration: {result.duration_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(result.duration_ms)} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_used_mb} MB"
    )


def throttled(request_id: str) -> InvocationResult:
    error = TooManyRequestsException()
    payload = {"errorType": error.code, "errorMessage": error.message}
    return failure(Outcome.THROTTLED, request_id, 0.0, payload)
