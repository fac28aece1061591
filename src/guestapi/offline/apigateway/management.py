"""API Gateway's control plane, as far as the check suite uses it: GetResources (the API's
methods) and GetStage (its throttles), signed for `apigateway` and authorized by IAM, answered in
botocore's rest-json shapes (docs/aws-behaviour.md#getresources). It shares the stack's port;
`server.route_service` sends it the requests signed for `apigateway`.

The caller is the account's deployer, as on AWS, where check.py signs with whatever botocore
finds; offline that is the published key pair of `guestapi.deployer`, whose policy
(`deployer_policy`) allows what the check suite reads and nothing more. Any other caller the
stack knows is decided by its own role's policies, which normally allow none of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from guestapi import deployer
from guestapi.offline import sigv4
from guestapi.offline.apigateway.errors import (
    AccessDeniedException,
    BadRequestException,
    NotFoundException,
    SignatureRefused,
)
from guestapi.offline.apigateway.model import Method, RestApi
from guestapi.offline.awsapi import AwsService, Call, RestJson
from guestapi.offline.credentials import CredentialStore, IssuedCredential
from guestapi.offline.iam.callers import not_authorized
from guestapi.offline.iam.context import ContextValue, condition_keys
from guestapi.offline.iam.model import Role
from guestapi.offline.iam.policy import evaluate
from guestapi.offline.wire import Request

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack

SERVICE = "apigateway"  # the SigV4 signing name, and the IAM action prefix
ACTION = "apigateway:GET"
DEFAULT_LIMIT, MAX_LIMIT = 25, 500  # the documented page size and its maximum


def _not_found(call: Call) -> NotFoundException:
    # Only GetResources and GetStage are served, both GET: anything else is not found here.
    if call.request.method != "GET":
        return NotFoundException("Invalid method for this resource")
    return NotFoundException("Unsupported operation offline")


# The offline deployer's key pair, as SigV4 verification knows a credential.
_DEPLOYER_KEY = sigv4.KnownCredential(
    deployer.ACCESS_KEY_ID, deployer.SECRET_ACCESS_KEY, None, None
)


def deployer_policy(partition: str, region: str) -> dict[str, Any]:
    """What the offline deployer may do: read the stack's REST APIs (all the check suite asks)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CheckSuiteReadsTheApi",
                "Effect": "Allow",
                "Action": ACTION,
                "Resource": f"arn:{partition}:apigateway:{region}::/restapis/*",
            }
        ],
    }


def resource_id(api_id: str, path: str) -> str:
    """A stable 10-character id per resource, shaped like AWS's (`3kzxbg5sa2`)."""
    digest = hashlib.sha256(f"{api_id} {path}".encode()).hexdigest()
    return digest[:10]


def _paths(api: RestApi) -> list[str]:
    """Every resource path of the API: the root, each path declared, and every path between."""
    paths = {"/"}
    for resource in api.resources:
        parts = [p for p in resource.path.split("/") if p]
        paths.update("/" + "/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return sorted(paths)


def _method(http_method: str, method: Method, embed: bool) -> dict[str, Any]:
    if not embed:
        return {}
    shown: dict[str, Any] = {
        "httpMethod": http_method,
        "authorizationType": method.authorization_type,
        "apiKeyRequired": False,
    }
    if method.integration is not None:
        shown["methodIntegration"] = {"type": method.integration.type}
    return shown


def resources_of(api: RestApi, *, embed: bool) -> list[dict[str, Any]]:
    """The API's resources as GetResources lists them, sorted by path."""
    by_path = {r.path: r for r in api.resources}
    items = []
    for path in _paths(api):
        item: dict[str, Any] = {"id": resource_id(api.api_id, path), "path": path}
        if path != "/":
            parent, _, part = path.rpartition("/")
            item["parentId"] = resource_id(api.api_id, parent or "/")
            item["pathPart"] = part
        declared = by_path.get(path)
        if declared is not None and declared.methods:
            item["resourceMethods"] = {
                verb: _method(verb, m, embed) for verb, m in declared.methods.items()
            }
        items.append(item)
    return items


class ApiGatewayManagement(AwsService):
    """Answers GetResources and GetStage for the REST APIs of one offline stack."""

    NAME = "apigateway"
    MAX_BODY = 64 * 1024  # GET takes no body; a bound on what is read anyway
    INVALID = BadRequestException
    protocol = RestJson("apigateway", ("GetResources", "GetStage"), not_found=_not_found)

    def __init__(
        self,
        *,
        rest_apis: Mapping[str, RestApi],
        roles: Mapping[str, Role],
        store: CredentialStore,
        region: str,
        account_id: str,
        partition: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._apis = rest_apis
        self._roles = roles
        self._store = store
        self._region = region
        self._account_id = account_id
        self._partition = partition
        self._clock = clock
        self.operations = {"GetResources": self._get_resources, "GetStage": self._get_stage}

    @classmethod
    def for_stack(
        cls, stack: Stack, store: CredentialStore, clock: Callable[[], datetime]
    ) -> ApiGatewayManagement:
        return cls(
            rest_apis=stack.rest_apis,
            roles=stack.roles,
            store=store,
            region=stack.region,
            account_id=stack.account_id,
            partition=stack.partition,
            clock=clock,
        )

    def admit(self, call: Call) -> None:
        """SigV4 for `apigateway`, then IAM: apigateway:GET on the resource the call reads."""
        try:
            policies, caller_arn, session = self._caller(call.request)
        except sigv4.SigV4Error as error:
            raise SignatureRefused(error) from None
        call.logged["caller"] = caller_arn
        # The deployer is an IAM user, no session: only the request's own keys.
        context = condition_keys(
            session, request=call.request, now=self._clock(), region=self._region
        )
        arn = f"arn:{self._partition}:apigateway:{self._region}::/restapis/{call.params['restapi_id']}"
        if call.operation == "GetStage":
            arn += f"/stages/{call.params['stage_name']}"
        else:
            arn += "/resources"
        self.authorize(policies, caller_arn, arn, context)

    def _caller(
        self, request: Request
    ) -> tuple[Sequence[Mapping[str, Any]], str, IssuedCredential | None]:
        """The verified caller's identity policies, ARN and session (None for the deployer);
        raises sigv4.SigV4Error."""

        # (what SigV4 knows of the key, the session it belongs to: None for the deployer)
        Signer = tuple[sigv4.KnownCredential, IssuedCredential | None]

        def find(access_key_id: str) -> Signer | None:
            if access_key_id == deployer.ACCESS_KEY_ID:
                return _DEPLOYER_KEY, None
            issued = self._store.lookup(access_key_id)
            return None if issued is None else (issued.known(), issued)

        _, caller = sigv4.verify_caller(
            request,
            region=self._region,
            service=SERVICE,
            now=self._clock(),
            find=find,
            credential=lambda signer: signer[0],
        )
        if caller is None:
            arn = f"arn:{self._partition}:iam::{self._account_id}:user/{deployer.USER_NAME}"
            return [deployer_policy(self._partition, self._region)], arn, None
        role = self._roles.get(caller.role_arn)
        return (role.policies if role is not None else ()), caller.assumed_role_arn, caller

    def authorize(
        self,
        policies: Sequence[Mapping[str, Any]],
        caller_arn: str,
        resource: str,
        context: Mapping[str, ContextValue],
    ) -> None:
        """Raise AccessDeniedException unless `policies` allow apigateway:GET on `resource`."""
        decision = evaluate(policies, action=ACTION, resource=resource, context=context)
        if not decision.allowed:
            raise AccessDeniedException(not_authorized(caller_arn, ACTION, resource, decision))

    def _api(self, api_id: str) -> RestApi:
        api = self._apis.get(api_id)
        if api is None:
            raise NotFoundException.api(self._account_id, api_id)
        return api

    def _get_stage(self, call: Call) -> dict[str, Any]:
        stage = self._api(call.params["restapi_id"]).stages.get(call.params["stage_name"])
        if stage is None:
            raise NotFoundException.stage()
        settings = {
            key: {"throttlingRateLimit": t.rate_limit, "throttlingBurstLimit": t.burst_limit}
            for key, t in stage.throttles.items()
        }
        body: dict[str, Any] = {
            "stageName": stage.name,
            "deploymentId": stage.deployment_id,
            "methodSettings": settings,
            "variables": dict(stage.variables),
        }
        if stage.access_log_format:
            body["accessLogSettings"] = {"format": stage.access_log_format}
        return body

    def _get_resources(self, call: Call) -> dict[str, Any]:
        try:
            query = parse_qs(call.request.raw_query, keep_blank_values=True, max_num_fields=16)
        except ValueError:
            raise BadRequestException("Invalid query string") from None
        api = self._api(call.params["restapi_id"])
        embed = "methods" in ",".join(query.get("embed", [])).split(",")
        items = resources_of(api, embed=embed)
        limit = _number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        start = _number(query, "position", 0, 0, len(items))
        body: dict[str, Any] = {"item": items[start : start + limit]}
        if start + limit < len(items):
            # An opaque token on AWS; here the index of the next page's first resource.
            body["position"] = str(start + limit)
        return body


def _number(query: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        number = int(values[0])
    except ValueError:
        number = -1
    if not low <= number <= high:
        raise BadRequestException(f"Invalid {name} value: {values[0][:32]}")
    return number
