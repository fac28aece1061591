"""One function's warm sandboxes, invoked the way Lambda invokes.

Concurrency as on Lambda: one invocation per sandbox; a new sandbox when all are busy, up to
the function's concurrency (10 by default here); beyond it the call is throttled and the
function never runs. A sandbox is retired when its role credentials near their expiry, when it
timed out (it is killed, as Lambda stops a timed-out runtime) or when its runtime exited; the
next invocation starts a fresh one.

Init, as Lambda runs it on demand: importing the handler has its own 10 s, not counted in the
function's Timeout. An import that takes longer is given the invocation's Timeout to finish
before the handler runs ("suppressed init"), so the function still answers within Timeout.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from guestapi.offline.awslambda import outcomes
from guestapi.offline.awslambda.environment import (
    Credentials,
    log_stream_name,
    sandbox_environment,
)
from guestapi.offline.awslambda.outcomes import InvocationResult, Outcome
from guestapi.offline.awslambda.sandbox import Sandbox, SandboxGone, SandboxTimeout
from guestapi.offline.awslambda.spec import FunctionSpec, check_spec

DEFAULT_CONCURRENCY = 10
# A sandbox takes no invocation within this margin of its credentials' expiry: Lambda gives
# every execution environment credentials that outlive it, so a function never sees them expire.
CREDENTIAL_MARGIN_S = 300
INIT_TIMEOUT_S = 10.0


class RuntimeClosed(RuntimeError):
    """The function's runtime was closed (the offline stack is stopping)."""


class FunctionRuntime:
    """The sandboxes of one function; invoke() is safe from any number of threads."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        credentials: Callable[[], Credentials],
        endpoints: Mapping[str, str],
        max_concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        check_spec(spec)
        self.spec = spec
        self._credentials = credentials
        self._endpoints = endpoints  # read at each sandbox start: the caller may fill it later
        self._max = max_concurrency
        self._lock = threading.Lock()
        self._idle: list[Sandbox] = []
        self._busy: set[object] = set()  # sandboxes in use, and reservations for starting ones
        self._closed = False
        self.invocations = 0  # calls that reached a sandbox (tests count them)

    def invoke(
        self,
        event: Any,
        request_id: str | None = None,
        *,
        timeout_s: float | None = None,
    ) -> InvocationResult:
        """Run the function once. `timeout_s`: how long the caller waits, when that is less
        than the function's own Timeout (API Gateway's integration timeout)."""
        request_id = request_id or str(uuid.uuid4())
        started = time.monotonic()
        acquired = self._acquire(request_id)
        if acquired is None:
            return outcomes.throttled(request_id)
        sandbox, cold = acquired
        reusable = False
        try:
            result = self._run(sandbox, cold, event, request_id, started, timeout_s)
            reusable = result.outcome in outcomes.REUSABLE
            return result
        finally:
            self._release(sandbox, reusable=reusable)

    @property
    def sandboxes(self) -> int:
        """Live sandboxes, busy or idle."""
        with self._lock:
            return len(self._idle) + len(self._busy)

    def close(self) -> None:
        """Kill every sandbox. Invocations in flight end as CRASH; later ones raise."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = [s for s in self._busy if isinstance(s, Sandbox)]
        for sandbox in busy:
            sandbox.kill()  # its invoking thread sees it die, then closes it
        for sandbox in idle:
            sandbox.close()

    def _run(
        self,
        sandbox: Sandbox,
        cold: bool,
        event: Any,
        request_id: str,
        started: float,
        timeout_s: float | None,
    ) -> InvocationResult:
        def elapsed() -> float:
            return (time.monotonic() - started) * 1000

        function_deadline = None
        try:
            if cold:
                init_error, function_deadline = self._init(sandbox)
                if init_error is not None:
                    return outcomes.failure(Outcome.INIT_ERROR, request_id, elapsed(), init_error)
            now = time.monotonic()
            function_deadline = function_deadline or now + self.spec.timeout_s
            wait = (
                function_deadline if timeout_s is None else min(function_deadline, now + timeout_s)
            )
            answer = sandbox.invoke(self._request(event, request_id, function_deadline), wait)
        except SandboxTimeout:
            sandbox.kill()  # Lambda stops a timed-out runtime; the next call gets a fresh one
            return outcomes.timed_out(request_id, elapsed(), self.spec.timeout_s)
        except SandboxGone as gone:
            return outcomes.exited(request_id, elapsed(), gone.returncode)
        return outcomes.from_answer(answer, request_id, elapsed())

    def _init(self, sandbox: Sandbox) -> tuple[dict[str, Any] | None, float | None]:
        """The init error, if any, and the function's deadline when init ate into it."""
        try:
            return sandbox.wait_ready(time.monotonic() + INIT_TIMEOUT_S), None
        except SandboxTimeout:
            deadline = time.monotonic() + self.spec.timeout_s
            return sandbox.wait_ready(deadline), deadline

    def _request(self, event: Any, request_id: str, deadline: float) -> dict[str, Any]:
        return {
            "request_id": request_id,
            "event": event,
            # The context's deadline is the function's own Timeout, in epoch milliseconds.
            "deadline_ms": int((time.time() + deadline - time.monotonic()) * 1000),
            "invoked_function_arn": self.spec.arn,
        }

    def _acquire(self, request_id: str) -> tuple[Sandbox, bool] | None:
        """A warm sandbox, or a new one (cold), or None when the function is throttled."""
        stale: list[Sandbox] = []
        slot: object = None
        with self._lock:
            if self._closed:
                raise RuntimeClosed(f"function {self.spec.name} is closed")
            while self._idle and slot is None:
                candidate = self._idle.pop()
                if candidate.alive() and time.monotonic() < candidate.expires_at:
                    slot = candidate
                else:
                    stale.append(candidate)
            if slot is None and len(self._busy) < self._max:
                slot = object()  # a new sandbox's place, taken before it exists
            if slot is not None:  # in the same lock as the count: no overshoot
                self._busy.add(slot)
                self.invocations += 1
        for sandbox in stale:
            sandbox.close()
        if slot is None:
            return None
        if isinstance(slot, Sandbox):
            return slot, False
        return self._spawn(slot, request_id), True

    def _spawn(self, reservation: object, request_id: str) -> Sandbox:
        try:
            sandbox = self._start(request_id)
        except BaseException:
            with self._lock:
                self._busy.discard(reservation)
            raise
        with self._lock:
            self._busy.discard(reservation)
            self._busy.add(sandbox)
            closed = self._closed
        if closed:  # close() ran while it started: nothing else would kill it
            sandbox.kill()
        return sandbox

    def _start(self, request_id: str) -> Sandbox:
        credentials = self._credentials()
        lifetime = credentials.expiration.timestamp() - time.time() - CREDENTIAL_MARGIN_S
        return Sandbox(
            function_name=self.spec.name,
            code_dir=str(self.spec.code_dir),
            env=sandbox_environment(
                self.spec,
                credentials,
                self._endpoints,
                log_stream=log_stream_name(datetime.now(UTC), secrets.token_hex(16)),
            ),
            secrets_to_redact=(credentials.secret_access_key, credentials.session_token),
            expires_at=time.monotonic() + max(lifetime, 0.0),
            request_id=request_id,
        )

    def _release(self, sandbox: Sandbox, *, reusable: bool) -> None:
        with self._lock:
            self._busy.discard(sandbox)
            keep = reusable and not self._closed and sandbox.alive()
            if keep:
                self._idle.append(sandbox)
        if not keep:
            sandbox.close()
