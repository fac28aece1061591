"""CloudFormation mapping of Lambda: functions (code from a local CodeUri) and permissions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guestapi.offline.awslambda.permissions import LambdaPermission
from guestapi.offline.awslambda.spec import FunctionSpec, check_spec
from guestapi.offline.cfn.resources import Created, Deployed, Environment
from guestapi.template import TemplateError
from guestapi.template.local_code import PLACEHOLDER_BUCKET

FUNCTION = "AWS::Lambda::Function"
PERMISSION = "AWS::Lambda::Permission"

# Lambda's defaults for a function that sets neither (AWS::Lambda::Function reference).
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128


def function_id(created: Created, env: Environment) -> None:
    name = str(created.properties.get("FunctionName") or env.generated_name(created.logical_id))
    created.physical_id = name
    created.attributes["Arn"] = env.arn("lambda", f"function:{name}")


def permission_id(created: Created, env: Environment) -> None:
    created.physical_id = env.generated_name(created.logical_id)


def build_functions(deployed: Deployed, built: Mapping[str, Any]) -> dict[str, FunctionSpec]:
    """The stack's functions by ARN, each ready to run from its local code directory."""
    functions: dict[str, FunctionSpec] = {}
    for created in deployed.of_type(FUNCTION):
        props = created.properties
        runtime = str(props.get("Runtime") or "")
        variables = (props.get("Environment") or {}).get("Variables") or {}
        spec = FunctionSpec(
            logical_id=created.logical_id,
            name=created.physical_id,
            arn=created.attributes["Arn"],
            code_dir=_code_dir(created, deployed),
            handler=str(props.get("Handler") or ""),
            runtime=runtime,
            timeout_s=float(props.get("Timeout") or DEFAULT_TIMEOUT_S),
            memory_mb=int(props.get("MemorySize") or DEFAULT_MEMORY_MB),
            environment={str(k): _string(v) for k, v in variables.items()},
            role_arn=str(props.get("Role") or ""),
            region=deployed.env.region,
            account_id=deployed.env.account_id,
            reserved_concurrency=_optional_int(props.get("ReservedConcurrentExecutions")),
            log_group=str((props.get("LoggingConfig") or {}).get("LogGroup") or ""),
        )
        check_spec(spec)  # what Lambda refuses fails the deploy, in one line
        functions[spec.arn] = spec
    return functions


def _string(value: Any) -> str:
    # A YAML `true` in Variables reaches the function as "true", the way CloudFormation
    # turns scalars into the strings the property holds; Python's str() would say "True".
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _code_dir(created: Created, deployed: Deployed) -> Any:
    code = created.properties.get("Code") or {}
    if code.get("S3Bucket") == PLACEHOLDER_BUCKET and created.logical_id in deployed.env.local_code:
        code_dir = deployed.env.local_code[created.logical_id]
        # Checked here, for functions the stack creates: one whose Condition is false needs no
        # code, as CloudFormation never creates it.
        if not code_dir.is_dir():
            raise TemplateError(
                f"Resources.{created.logical_id}: CodeUri is not a directory next to the "
                f"template ({code_dir})"
            )
        return code_dir
    raise TemplateError(
        f"{created.logical_id}: only code from a local CodeUri (AWS::Serverless::Function) "
        "runs offline; S3 objects and ZipFile code are not available here"
    )


def build_permissions(deployed: Deployed, built: Mapping[str, Any]) -> tuple[LambdaPermission, ...]:
    """Resource-based permissions, with FunctionName (name or ARN) resolved to the function ARN."""
    by_name = {spec.name: arn for arn, spec in built["functions"].items()}
    permissions = []
    for created in deployed.of_type(PERMISSION):
        props = created.properties
        named = str(props.get("FunctionName", ""))
        arn = named if named in built["functions"] else by_name.get(named.rsplit(":", 1)[-1])
        if arn is None:
            deployed.env.warn(
                f"{created.logical_id}: function {named} is not part of this stack; "
                "its permission is ignored offline"
            )
            continue
        source = props.get("SourceArn")
        permissions.append(
            LambdaPermission(
                logical_id=created.logical_id,
                function_arn=arn,
                action=str(props.get("Action", "")),
                principal=str(props.get("Principal", "")),
                source_arn=None if source is None else str(source),
            )
        )
    return tuple(permissions)
