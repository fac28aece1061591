"""The Lambda service of the offline stack: one runtime per function of the template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from guestapi.offline.awslambda import outcomes
from guestapi.offline.awslambda.environment import Credentials
from guestapi.offline.awslambda.isolation import Isolation
from guestapi.offline.awslambda.outcomes import InvocationResult
from guestapi.offline.awslambda.runtime import DEFAULT_CONCURRENCY, FunctionRuntime
from guestapi.offline.awslambda.spec import FunctionSpec
from guestapi.offline.credentials import StoreFull


class LambdaService:
    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        *,
        credentials_for: Callable[[FunctionSpec], Credentials],
        endpoints: Mapping[str, str],
        isolation: Isolation | None = None,
    ) -> None:
        """`functions` by ARN. `endpoints` ({"COGNITO_IDENTITY": url, ...}) is read when a
        sandbox starts, so the launcher may fill it in once it knows its port. `isolation`:
        the machine's best (isolation.detect) unless given."""
        self.runtimes = {
            arn: FunctionRuntime(
                spec,
                credentials=partial(credentials_for, spec),
                endpoints=endpoints,
                max_concurrency=spec.reserved_concurrency or DEFAULT_CONCURRENCY,
                isolation=isolation,
            )
            for arn, spec in functions.items()
        }
        self._by_name = {spec.name: arn for arn, spec in functions.items()}

    def runtime(self, function: str) -> FunctionRuntime:
        """A function's runtime by ARN or by name (KeyError if the stack has no such function)."""
        return self.runtimes[self._by_name.get(function, function)]

    def invoke(
        self,
        function: str,
        event: Any,
        request_id: str,
        timeout_s: float | None = None,
    ) -> InvocationResult:
        try:
            return self.runtime(function).invoke(event, request_id, timeout_s=timeout_s)
        except StoreFull:
            # No credentials for a new sandbox: Lambda could not run it, as when throttled.
            return outcomes.throttled(request_id)

    @property
    def invocations(self) -> int:
        """Invocations that reached a sandbox, over every function."""
        return sum(runtime.invocations for runtime in self.runtimes.values())

    def close(self) -> None:
        for runtime in self.runtimes.values():
            runtime.close()
