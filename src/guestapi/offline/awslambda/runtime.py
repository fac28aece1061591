"""Lambda for the offline stack: each function's warm sandboxes, invoked like Lambda invokes.

`LambdaService.invoke(function_arn, event, request_id)` is what API Gateway's proxy integration
calls. Concurrency as on Lambda: one invocation per sandbox; a new sandbox when all are busy, up
to the function's reserved concurrency (10 by default here); beyond it the call is throttled.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from guestapi.offline.awslambda.environment import Credentials, sandbox_environment
from guestapi.offline.awslambda.sandbox import Sandbox, SandboxGone, SandboxTimeout
from guestapi.offline.awslambda.spec import FunctionSpec

DEFAULT_CONCURRENCY = 10
# A sandbox is retired this long before its role credentials expire (Lambda refreshes them).
CREDENTIAL_MARGIN_S = 300


class Outcome(Enum):
    OK = "ok"
    HANDLER_ERROR = "handler error"  # the function raised, or could not start (import)
    TIMEOUT = "timeout"
    CRASH = "crash"  # the runtime exited: sys.exit, os._exit, a signal
    THROTTLED = "throttled"


@dataclass(frozen=True)
class InvocationResult:
    outcome: Outcome
    request_id: str
    duration_ms: float
    payload: Any = None  # the handler's return value (OK only)
    error_type: str = ""
    error_message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def timed_out(self) -> bool:
        return self.outcome is Outcome.TIMEOUT

    @property
    def error(self) -> str:
        return f"{self.error_type}: {self.error_message}" if self.error_type else ""


class FunctionRuntime:
    """The sandboxes of one function."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        credentials: Callable[[], Credentials],
        endpoints: Mapping[str, str],
        max_concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.spec = spec
        self._credentials = credentials
        self._endpoints = endpoints
        self._max = max_concurrency
        self._idle: list[Sandbox] = []
        self._busy = 0
        self._lock = threading.Lock()
        self.invocations = 0  # calls that reached a sandbox (tests count them)

    def invoke(
        self,
        event: dict[str, Any],
        request_id: str | None = None,
        *,
        timeout_s: float | None = None,
    ) -> InvocationResult:
        """Run the function once. `timeout_s`: how long the caller waits, if less than the
        function's own Timeout (API Gateway's integration timeout)."""
        request_id = request_id or str(uuid.uuid4())
        waited = min(self.spec.timeout_s, timeout_s or self.spec.timeout_s)
        started = time.monotonic()
        sandbox = self._acquire()
        if sandbox is None:
            return InvocationResult(
                Outcome.THROTTLED,
                request_id,
                0.0,
                error_type="TooManyRequestsException",
                error_message="Rate Exceeded.",
            )
        deadline_ms = int(time.time() * 1000 + self.spec.timeout_s * 1000)
        request = {"event": event, "request_id": request_id, "deadline_ms": deadline_ms}
        try:
            answer = sandbox.invoke(request, waited)
        except SandboxTimeout:
            return self._failed(
                Outcome.TIMEOUT,
                request_id,
                started,
                "Sandbox.Timedout",
                f"Task timed out after {self.spec.timeout_s:.2f} seconds",
            )
        except SandboxGone as gone:
            return self._failed(
                Outcome.CRASH,
                request_id,
                started,
                "Runtime.ExitError",
                f"Runtime exited with error: exit status {gone.returncode}",
            )
        self._release(sandbox)
        elapsed = (time.monotonic() - started) * 1000
        if answer.get("ok"):
            return InvocationResult(Outcome.OK, request_id, elapsed, payload=answer.get("payload"))
        return InvocationResult(
            Outcome.HANDLER_ERROR,
            request_id,
            elapsed,
            error_type=str(answer.get("errorType")),
            error_message=str(answer.get("errorMessage")),
        )

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for sandbox in idle:
            sandbox.kill()

    def _acquire(self) -> Sandbox | None:
        with self._lock:
            while self._idle:
                sandbox = self._idle.pop()
                if sandbox.alive() and time.monotonic() < sandbox.expires_at:
                    self._busy += 1
                    self.invocations += 1
                    return sandbox
                sandbox.kill()
            if self._busy >= self._max:
                return None
            self._busy += 1
            self.invocations += 1
        try:
            return self._spawn()
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise

    def _spawn(self) -> Sandbox:
        credentials = self._credentials()
        env = sandbox_environment(self.spec, credentials, self._endpoints)
        lifetime = credentials.expiration.timestamp() - time.time() - CREDENTIAL_MARGIN_S
        return Sandbox(
            function_name=self.spec.name,
            code_dir=str(self.spec.code_dir),
            env=env,
            secrets=(credentials.secret_access_key, credentials.session_token),
            expires_at=time.monotonic() + max(lifetime, 0.0),
        )

    def _release(self, sandbox: Sandbox) -> None:
        with self._lock:
            self._busy -= 1
            self._idle.append(sandbox)

    def _failed(
        self, outcome: Outcome, request_id: str, started: float, error_type: str, message: str
    ) -> InvocationResult:
        # The sandbox is dead (killed on timeout, or exited): it is not returned to the pool.
        with self._lock:
            self._busy -= 1
        elapsed = (time.monotonic() - started) * 1000
        return InvocationResult(
            outcome, request_id, elapsed, error_type=error_type, error_message=message
        )
