"""The environment a function's sandbox starts with: Lambda's defined variables, the
function's own, its role's credentials and the offline stack's endpoints, and nothing else.

Nothing of the offline stack's own environment is inherited but what a process needs to start
(PATH, and PYTHONPATH / LD_LIBRARY_PATH when the interpreter was started with them): a function
must hold only its role's credentials, never the developer's profile or CI's fake keys.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from guestapi.offline.awslambda.spec import FunctionSpec, LambdaConfigError

# Inherited from the offline stack because the interpreter may need them to start; none of
# them is reserved on Lambda either, so a function's Environment may still override them.
_INHERITED = ("PATH", "PYTHONPATH", "LD_LIBRARY_PATH")
_SERVICE_ID = re.compile(r"[A-Z0-9_]+")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def __repr__(self) -> str:  # never the secret or the token
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration})"


def endpoint_variables(endpoints: Mapping[str, str]) -> dict[str, str]:
    """Service-specific endpoint variables botocore reads: AWS_ENDPOINT_URL_<SERVICE>, the
    service id upper-cased with spaces and hyphens as underscores: "cognito-identity",
    "Cognito Identity" and "COGNITO_IDENTITY" all give AWS_ENDPOINT_URL_COGNITO_IDENTITY."""
    variables = {}
    for service, url in endpoints.items():
        name = service.upper().replace(" ", "_").replace("-", "_")
        if not _SERVICE_ID.fullmatch(name):
            raise LambdaConfigError(f"endpoint for {service!r}: not an AWS service id")
        variables[f"AWS_ENDPOINT_URL_{name}"] = url
    return variables


def sandbox_environment(
    spec: FunctionSpec,
    credentials: Credentials,
    endpoints: Mapping[str, str],
    *,
    log_stream: str,
) -> dict[str, str]:
    inherited = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    return {
        **inherited,
        # Unreserved variables Lambda sets, which a function may override.
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        **spec.environment,  # its reserved keys were refused by check_spec
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_ACCESS_KEY": credentials.access_key_id,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        # A Lambda sandbox has no shared config or credentials file. Without these, botocore
        # would read the developer's ~/.aws (found through the password database even
        # without HOME) and could pick up a profile's region, endpoints or settings.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **endpoint_variables(endpoints),
    }


def log_stream_name(started: datetime, instance: str) -> str:
    """Lambda's stream name for one execution environment: `YYYY/MM/DD/[$LATEST]<id>`."""
    return f"{started:%Y/%m/%d}/[$LATEST]{instance}"
