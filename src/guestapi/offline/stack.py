"""A deployed offline stack: what each service of the registry built from the template (every
value resolved), under its registry name; the services only read it. The properties are typed
views of `models`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    outputs: dict[str, str]  # the template's Outputs, resolved (ApiUrl as AWS would build it)
    models: Mapping[str, Any] = field(default_factory=dict)  # registry name -> built model

    @property
    def roles(self) -> dict[str, Role]:  # by ARN
        return self.models.get("roles", {})

    @property
    def identity_pools(self) -> dict[str, IdentityPool]:  # by pool id
        return self.models.get("identity_pools", {})

    @property
    def rest_apis(self) -> dict[str, RestApi]:  # by api id
        return self.models.get("rest_apis", {})

    @property
    def functions(self) -> dict[str, FunctionSpec]:  # by function ARN
        return self.models.get("functions", {})

    @property
    def lambda_permissions(self) -> tuple[LambdaPermission, ...]:
        return self.models.get("lambda_permissions", ())

    @property
    def tables(self) -> dict[str, TableSpec]:  # DynamoDB, by table name
        return self.models.get("tables", {})

    @property
    def parameters(self) -> dict[str, ParameterSpec]:  # SSM, by name
        return self.models.get("parameters", {})

    @property
    def web_acls(self) -> dict[str, WebAcl]:  # WAFv2, by ARN
        return self.models.get("web_acls", {})
