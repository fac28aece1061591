"""A deployed offline stack: what each service package built from the template, in one record.

Every value is resolved (no intrinsic functions remain). Each field is owned by one service
package (`apigateway`, `cognito`, `iam`, ...), whose `cfn.py` builds it; the services only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guestapi.offline.apigateway.model import RestApi
from guestapi.offline.awslambda.permissions import LambdaPermission
from guestapi.offline.awslambda.spec import FunctionSpec
from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.iam.model import Role
from guestapi.offline.ssm.parameters import ParameterSpec
from guestapi.offline.waf.model import WebAcl


@dataclass(frozen=True)
class Stack:
    region: str
    account_id: str
    partition: str
    rest_apis: dict[str, RestApi]  # by api id
    identity_pools: dict[str, IdentityPool]  # by pool id
    roles: dict[str, Role]  # by ARN
    outputs: dict[str, str]  # the template's Outputs, resolved (ApiUrl as AWS would build it)
    skipped: tuple[tuple[str, str], ...] = ()  # (logical id, resource type) not emulated
    stack_name: str = ""
    functions: dict[str, FunctionSpec] = field(default_factory=dict)  # by function ARN
    lambda_permissions: tuple[LambdaPermission, ...] = ()
    tables: dict[str, TableSpec] = field(default_factory=dict)  # by table name
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)  # SSM, by name
    web_acls: dict[str, WebAcl] = field(default_factory=dict)  # WAFv2, by ARN
