"""A Lambda function as the offline stack runs it: everything the template says about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str  # physical FunctionName
    arn: str
    code_dir: Path
    handler: str  # "module.function"; the module may be dotted ("pkg.mod.handler")
    runtime: str  # "python3.12", ...
    timeout_s: float
    memory_mb: int
    environment: dict[str, str] = field(default_factory=dict)  # Environment.Variables, resolved
    role_arn: str = ""
    region: str = "us-east-1"
    account_id: str = "123456789012"
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions
