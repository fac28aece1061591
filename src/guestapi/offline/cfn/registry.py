"""Which service package deploys which resource type: the one list to extend.

`PHYSICAL_IDS`: the function that gives a resource type the physical id and attributes AWS
would. `MODEL_BUILDERS`: in order, the Stack field each service builds, the resource types it
consumes and its builder. A created type that no builder consumes is skipped with a warning.
"""

from __future__ import annotations

from guestapi.offline.apigateway import cfn as apigateway
from guestapi.offline.awslambda import cfn as awslambda
from guestapi.offline.cfn import unemulated
from guestapi.offline.cfn.resources import ModelBuilder, PhysicalIdFactory
from guestapi.offline.cognito import cfn as cognito
from guestapi.offline.dynamodb import cfn as dynamodb
from guestapi.offline.iam import cfn as iam
from guestapi.offline.ssm import cfn as ssm
from guestapi.offline.waf import cfn as waf

PHYSICAL_IDS: dict[str, PhysicalIdFactory] = {
    apigateway.REST_API: apigateway.rest_api_id,
    apigateway.STAGE: apigateway.stage_id,
    apigateway.DEPLOYMENT: apigateway.deployment_id,
    apigateway.RESOURCE: apigateway.resource_id,
    cognito.IDENTITY_POOL: cognito.identity_pool_id,
    iam.ROLE: iam.role_id,
    dynamodb.TABLE: dynamodb.table_id,
    ssm.PARAMETER: ssm.parameter_id,
    "AWS::Logs::LogGroup": unemulated.log_group_id,
    waf.WEB_ACL: waf.web_acl_id,
    awslambda.FUNCTION: awslambda.function_id,
    awslambda.PERMISSION: awslambda.permission_id,
}

MODEL_BUILDERS: tuple[tuple[str, frozenset[str], ModelBuilder], ...] = (
    ("roles", iam.CONSUMES, iam.build_roles),
    ("identity_pools", cognito.CONSUMES, cognito.build_identity_pools),
    ("rest_apis", apigateway.CONSUMES, apigateway.build_rest_apis),
    ("functions", frozenset({awslambda.FUNCTION}), awslambda.build_functions),
    ("lambda_permissions", frozenset({awslambda.PERMISSION}), awslambda.build_permissions),
    ("tables", dynamodb.CONSUMES, dynamodb.build_tables),
    ("parameters", ssm.CONSUMES, ssm.build_parameters),
    ("web_acls", waf.CONSUMES, waf.build_web_acls),
)


def physical_id_factory(resource_type: str) -> PhysicalIdFactory:
    return PHYSICAL_IDS.get(resource_type, unemulated.generated_name_id)
