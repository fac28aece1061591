"""The offline stack's services: the one list to extend. Each entry names the resource types its
model builder reads, the physical-id factories of the types it owns, its builder (its part of
`Stack.models`, under its name) and the API it answers at `/`, if any. The engine creates
resources and builds the models in this order; a created type no entry reads is skipped with a
warning (`cfn/unemulated.py`). Adding a service: its package, one entry here, and its handler in
launch.py if it has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from guestapi.offline.apigateway import cfn as apigateway
from guestapi.offline.apigateway.management import ApiGatewayManagement
from guestapi.offline.awsapi import AwsService
from guestapi.offline.awslambda import cfn as awslambda
from guestapi.offline.cfn import unemulated
from guestapi.offline.cfn.resources import ModelBuilder, PhysicalIdFactory
from guestapi.offline.cognito import CognitoIdentityService
from guestapi.offline.cognito import cfn as cognito
from guestapi.offline.dynamodb import DynamoDbFrontDoor
from guestapi.offline.dynamodb import cfn as dynamodb
from guestapi.offline.iam import cfn as iam
from guestapi.offline.ssm import SsmFrontDoor
from guestapi.offline.ssm import cfn as ssm
from guestapi.offline.waf import cfn as waf
from guestapi.template.openapi import REST_API


@dataclass(frozen=True)
class Service:
    model: str  # its key in Stack.models
    reads: frozenset[str]  # the resource types whose created resources `build` reads
    build: ModelBuilder
    physical_ids: Mapping[str, PhysicalIdFactory] = field(default_factory=dict)
    # The API it answers at `/`: its name, body limit and how a request finds it
    # (`AwsService.protocol`, server.route_service).
    endpoint: type[AwsService] | None = None


SERVICES: tuple[Service, ...] = (
    # Built in this order: a builder reads the models built before it (the roles first).
    Service("roles", iam.CONSUMES, iam.build_roles, {iam.ROLE: iam.role_id}),
    Service(
        "identity_pools",
        cognito.CONSUMES,
        cognito.build_identity_pools,
        {cognito.IDENTITY_POOL: cognito.identity_pool_id},
        CognitoIdentityService,
    ),
    Service(
        "rest_apis",
        apigateway.CONSUMES,
        apigateway.build_rest_apis,
        {
            REST_API: apigateway.rest_api_id,
            apigateway.STAGE: apigateway.stage_id,
            apigateway.DEPLOYMENT: apigateway.deployment_id,
            apigateway.RESOURCE: apigateway.resource_id,
        },
        ApiGatewayManagement,
    ),
    Service(
        "functions",
        frozenset({awslambda.FUNCTION}),
        awslambda.build_functions,
        {awslambda.FUNCTION: awslambda.function_id},
    ),
    Service(
        "lambda_permissions",
        frozenset({awslambda.PERMISSION}),
        awslambda.build_permissions,
        {awslambda.PERMISSION: awslambda.permission_id},
    ),
    Service(
        "tables",
        dynamodb.CONSUMES,
        dynamodb.build_tables,
        {dynamodb.TABLE: dynamodb.table_id},
        DynamoDbFrontDoor,
    ),
    Service(
        "parameters",
        ssm.CONSUMES,
        ssm.build_parameters,
        {ssm.PARAMETER: ssm.parameter_id},
        SsmFrontDoor,
    ),
    Service("web_acls", waf.CONSUMES, waf.build_web_acls, {waf.WEB_ACL: waf.web_acl_id}),
)

ENDPOINTS: dict[str, type[AwsService]] = {
    s.endpoint.NAME: s.endpoint for s in SERVICES if s.endpoint
}
READ: frozenset[str] = frozenset().union(*(s.reads for s in SERVICES))
_PHYSICAL_IDS: dict[str, PhysicalIdFactory] = {
    "AWS::Logs::LogGroup": unemulated.log_group_id,
    **{kind: factory for s in SERVICES for kind, factory in s.physical_ids.items()},
}


def physical_id_factory(resource_type: str) -> PhysicalIdFactory:
    """Its service's factory; CloudFormation's generated name for a type no service owns."""
    return _PHYSICAL_IDS.get(resource_type, unemulated.generated_name_id)
