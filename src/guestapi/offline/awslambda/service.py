"""The Lambda service of the offline stack: one runtime per function of the template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from guestapi.offline.awslambda.environment import Credentials
from guestapi.offline.awslambda.runtime import (
    DEFAULT_CONCURRENCY,
    FunctionRuntime,
    InvocationResult,
)
from guestapi.offline.awslambda.spec import FunctionSpec


class LambdaService:
    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        *,
        credentials_for: Callable[[FunctionSpec], Credentials],
        endpoints: Mapping[str, str],
    ) -> None:
        # `endpoints` is read when a sandbox starts, so the launcher may fill it in after it
        # knows its port.
        self.runtimes = {
            arn: FunctionRuntime(
                spec,
                credentials=lambda spec=spec: credentials_for(spec),
                endpoints=endpoints,
                max_concurrency=spec.reserved_concurrency or DEFAULT_CONCURRENCY,
            )
            for arn, spec in functions.items()
        }

    def invoke(
        self,
        function_arn: str,
        event: dict[str, Any],
        request_id: str,
        timeout_s: float | None = None,
    ) -> InvocationResult:
        return self.runtimes[function_arn].invoke(event, request_id, timeout_s=timeout_s)

    def close(self) -> None:
        for runtime in self.runtimes.values():
            runtime.close()
