"""One function's warm sandboxes, invoked the way Lambda invokes.

One invocation per sandbox; a new sandbox when all are busy, up to the function's concurrency
(10 by default here), beyond which the call is throttled. A sandbox is retired near its role
credentials' expiry, after a timeout (killed, as Lambda stops a timed-out runtime) or when its
runtime exited. Init has its own 10 s, beyond which it eats into the Timeout ("suppressed
init"). A caller that waits less than the function may run (API Gateway's integration timeout)
gets CALLER_GAVE_UP while the function runs on, as on Lambda.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as WaitEnded
from datetime import UTC, datetime
from typing import Any

from guestapi.offline.awslambda import outcomes
from guestapi.offline.awslambda.environment import (
    Credentials,
    log_stream_name,
    sandbox_environment,
)
from guestapi.offline.awslambda.isolation import Isolation, detect
from guestapi.offline.awslambda.outcomes import InvocationResult, Outcome
from guestapi.offline.awslambda.sandbox import Sandbox, SandboxGone, SandboxTimeout
from guestapi.offline.awslambda.spec import FunctionSpec, check_spec

log = logging.getLogger("guestapi.offline.lambda")

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
        isolation: Isolation | None = None,
    ) -> None:
        check_spec(spec)
        self.spec = spec
        self._isolation = isolation or detect()
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
        """Run the function once. `timeout_s`: how long the caller waits from now, when that may
        be less than the function takes (API Gateway's integration timeout)."""
        request_id = request_id or str(uuid.uuid4())
        started = time.monotonic()
        try:
            acquired = self._acquire(request_id)
        except RuntimeClosed:
            return self._aborted(request_id, started)
        if acquired is None:
            return outcomes.throttled(request_id)
        sandbox, cold = acquired
        longest = self.spec.timeout_s + (INIT_TIMEOUT_S if cold else 0.0)
        if timeout_s is None or timeout_s >= longest:
            return self._complete(sandbox, cold, event, request_id, started)
        return self._wait_at_most(timeout_s, sandbox, cold, event, request_id, started)

    def _complete(
        self, sandbox: Sandbox, cold: bool, event: Any, request_id: str, started: float
    ) -> InvocationResult:
        """The invocation, run to its end; the sandbox goes back to the pool or is closed."""
        reusable = False
        try:
            result = self._run(sandbox, cold, event, request_id, started)
            reusable = result.outcome in outcomes.REUSABLE
            return result
        finally:
            self._release(sandbox, reusable=reusable)

    def _wait_at_most(
        self,
        timeout_s: float,
        sandbox: Sandbox,
        cold: bool,
        event: Any,
        request_id: str,
        started: float,
    ) -> InvocationResult:
        """Run the invocation on a thread of its own and wait for it until `timeout_s` after
        `started`; past that the caller gets CALLER_GAVE_UP and the invocation runs on."""
        future: Future[InvocationResult] = Future()
        lock = threading.Lock()  # the result and the caller's giving up: one or the other first
        abandoned = threading.Event()

        def run() -> None:
            try:
                result = self._complete(sandbox, cold, event, request_id, started)
            except BaseException as exc:
                with lock:
                    future.set_exception(exc)
                return
            with lock:
                future.set_result(result)
                late = abandoned.is_set()
            if late and result.outcome is not Outcome.ABORTED:
                log.info(
                    "[%s %s] finished after its caller stopped waiting: %s",
                    self.spec.name,
                    request_id,
                    result.error or "ok",
                )

        threading.Thread(target=run, name="lambda-invocation", daemon=True).start()
        try:
            return future.result(timeout=max(0.0, started + timeout_s - time.monotonic()))
        except WaitEnded:
            with lock:
                if not future.done():
                    abandoned.set()
                    elapsed = (time.monotonic() - started) * 1000
                    return outcomes.caller_gave_up(request_id, elapsed, timeout_s)
            return future.result()

    @property
    def sandboxes(self) -> int:
        """Live sandboxes, busy or idle."""
        with self._lock:
            return len(self._idle) + len(self._busy)

    def close(self) -> None:
        """Kill every sandbox. Invocations in flight, and later ones, end as ABORTED."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = [s for s in self._busy if isinstance(s, Sandbox)]
        for sandbox in busy:
            sandbox.kill()  # its invoking thread sees it die, then closes it
        for sandbox in idle:
            sandbox.close()

    def _run(
        self, sandbox: Sandbox, cold: bool, event: Any, request_id: str, started: float
    ) -> InvocationResult:
        def elapsed() -> float:
            return (time.monotonic() - started) * 1000

        function_deadline = None
        try:
            if cold:
                init_error, function_deadline = self._init(sandbox)
                if init_error is not None:
                    return outcomes.failure(Outcome.INIT_ERROR, request_id, elapsed(), init_error)
            function_deadline = function_deadline or time.monotonic() + self.spec.timeout_s
            request = self._request(event, request_id, function_deadline)
            answer = sandbox.invoke(request, function_deadline)
        except SandboxTimeout:
            sandbox.kill()  # Lambda stops a timed-out runtime; the next call gets a fresh one
            return outcomes.timed_out(request_id, elapsed(), self.spec.timeout_s)
        except SandboxGone as gone:
            return self._ended(gone, request_id, started)
        return outcomes.from_answer(answer, request_id, elapsed())

    def _ended(self, gone: SandboxGone, request_id: str, started: float) -> InvocationResult:
        """The runtime ended before it answered: stopped by close(), killed past MemorySize,
        or it exited."""
        if self._closed:
            return self._aborted(request_id, started)
        duration = (time.monotonic() - started) * 1000
        if not gone.oom:
            return outcomes.exited(request_id, duration, gone.returncode)
        result = outcomes.out_of_memory(request_id, duration)
        # What Lambda writes to the function's log (docs/aws-behaviour.md#lambda-memory).
        report = outcomes.report_line(result, self.spec.memory_mb, gone.peak_mb)
        for line in (report, result.error_message, result.error_type):
            log.info("[%s %s] %s", self.spec.name, request_id, line)
        return result

    def _aborted(self, request_id: str, started: float) -> InvocationResult:
        log.warning(
            "offline stack stopping: aborted invocation %s of %s", request_id, self.spec.name
        )
        return outcomes.aborted(request_id, (time.monotonic() - started) * 1000)

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
            isolation=self._isolation,
        )

    def _release(self, sandbox: Sandbox, *, reusable: bool) -> None:
        with self._lock:
            self._busy.discard(sandbox)
            keep = reusable and not self._closed and sandbox.alive()
            if keep:
                self._idle.append(sandbox)
        if not keep:
            sandbox.close()
