"""The environment a function's sandbox starts with: Lambda's reserved variables, the
function's own, its role's credentials and the offline stack's endpoints, and nothing else.

Reserved variables as AWS's "Defined runtime environment variables" lists them. Nothing of the
offline stack's own environment is inherited: a function must hold only its role's credentials,
never the developer's profile or CI's fake keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from guestapi.offline.awslambda.spec import FunctionSpec


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration})"


def endpoint_variables(endpoints: Mapping[str, str]) -> dict[str, str]:
    """Service-specific endpoint variables botocore reads: AWS_ENDPOINT_URL_<SERVICE ID>,
    the service id upper-cased with spaces as underscores (COGNITO_IDENTITY, DYNAMODB)."""
    return {
        f"AWS_ENDPOINT_URL_{service.upper().replace(' ', '_').replace('-', '_')}": url
        for service, url in endpoints.items()
    }


def sandbox_environment(
    spec: FunctionSpec, credentials: Credentials, endpoints: Mapping[str, str]
) -> dict[str, str]:
    env = {
        # Only what a process needs to start; no AWS_* of the parent's.
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",  # log lines reach the offline stack as they are written
        # The function's own variables first: the reserved ones below cannot be overridden.
        **spec.environment,
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"offline/[$LATEST]{credentials.access_key_id[-8:].lower()}",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        # No shared config or credentials files: the role's keys above are all it gets.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # Not a Lambda variable: the worker builds context.invoked_function_arn from it.
        "GUESTAPI_FUNCTION_ARN": spec.arn,
        **endpoint_variables(endpoints),
    }
    return env
