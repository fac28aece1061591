"""A Lambda function as the offline stack runs it, and the checks Lambda makes on its
configuration before it would ever run it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from guestapi.errors import GuestApiError

# "Defined runtime environment variables": reserved, "cannot be set in your function
# configuration" (Lambda developer guide, configuration-envvars; the same 18 keys as aws-cdk's
# guard). TZ, LANG, PATH, LD_LIBRARY_PATH and PYTHONPATH are set too but not reserved.
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# Keys "start with a letter and are at least two characters", letters, digits and "_" only.
_VARIABLE_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
# Lambda's bounds for Timeout (seconds) and MemorySize (MB).
MAX_TIMEOUT_S = 900
MEMORY_MB = (128, 10240)


class LambdaConfigError(GuestApiError):
    """A function the offline stack cannot run, or Lambda would refuse; one line."""


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str  # physical FunctionName
    arn: str
    code_dir: Path
    handler: str  # "module.function"; the module may be dotted ("pkg.mod") or a path ("pkg/mod")
    runtime: str  # "python3.12", ...
    timeout_s: float
    memory_mb: int
    environment: dict[str, str] = field(default_factory=dict)  # Environment.Variables, resolved
    role_arn: str = ""
    region: str = "us-east-1"
    account_id: str = "123456789012"
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions
    log_group: str = ""  # LoggingConfig.LogGroup; Lambda's default is /aws/lambda/<name>

    @property
    def log_group_name(self) -> str:
        return self.log_group or f"/aws/lambda/{self.name}"


def check_spec(spec: FunctionSpec) -> None:
    """Raise LambdaConfigError for what Lambda (or the offline stack) would refuse."""
    where = spec.logical_id or spec.name
    if not spec.runtime.startswith("python"):
        raise LambdaConfigError(
            f"{where}: runtime {spec.runtime or '(none)'} is not served offline; "
            "the offline stack runs Python functions only"
        )
    reserved = sorted(set(spec.environment) & RESERVED_VARIABLES)
    if reserved:
        raise LambdaConfigError(
            f"{where}: Lambda was unable to configure your environment variables because the "
            "environment variables you have provided contains reserved keys that are currently "
            f"not supported for modification. Reserved keys used in this request: "
            f"{', '.join(reserved)}"
        )
    invalid = sorted(k for k in spec.environment if not _VARIABLE_NAME.fullmatch(k))
    if invalid:
        raise LambdaConfigError(
            f"{where}: environment variable names must start with a letter, have at least two "
            f"characters and only letters, digits and '_': {', '.join(map(repr, invalid))}"
        )
    if not 0 < spec.timeout_s <= MAX_TIMEOUT_S:
        raise LambdaConfigError(f"{where}: Timeout {spec.timeout_s:g} is not within 1-900 s")
    if not MEMORY_MB[0] <= spec.memory_mb <= MEMORY_MB[1]:
        raise LambdaConfigError(f"{where}: MemorySize {spec.memory_mb} is not within 128-10240 MB")
    if not Path(spec.code_dir).is_dir():
        raise LambdaConfigError(f"{where}: code directory {spec.code_dir} does not exist")
