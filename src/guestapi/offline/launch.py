"""Deploy a template as an offline stack and run it: `build` wires the services, `serve` runs
them on one port in a background thread (tests), `scripts/local.py` runs them in the foreground.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import uvicorn

from guestapi.offline.apigateway import Gateway, management
from guestapi.offline.apigateway.lambda_proxy import LambdaProxyIntegration
from guestapi.offline.apigateway.pipeline import default_integrations
from guestapi.offline.awsapi.protocols import route_by_action
from guestapi.offline.awslambda.isolation import detect as detect_isolation
from guestapi.offline.awslambda.roles import ExecutionRoleCredentials, check_execution_roles
from guestapi.offline.awslambda.service import LambdaService
from guestapi.offline.cfn.engine import load_stack
from guestapi.offline.cognito import CognitoIdentityService
from guestapi.offline.cognito.scope_down import guest_session_policies
from guestapi.offline.cognito.service import DEFAULT_MAX_IDENTITIES
from guestapi.offline.credentials import DEFAULT_MAX_CREDENTIALS, CredentialStore
from guestapi.offline.dynamodb import DynamoDbEmulator, DynamoDbFrontDoor
from guestapi.offline.dynamodb.operations import Planner as DynamoDbPlanner
from guestapi.offline.iam.callers import CallerAuthority
from guestapi.offline.iam.simulator import ACTION as SIMULATE_ACTION
from guestapi.offline.iam.simulator import IamSimulator
from guestapi.offline.motoservice.callers import caller_lookup
from guestapi.offline.motoservice.service import MotoService
from guestapi.offline.protocol import MAX_HEAD_BYTES, AnyMethodProtocol
from guestapi.offline.registry import ENDPOINTS
from guestapi.offline.server import SHUTDOWN_GRACE_S, OfflineApp, OfflineServer, ServiceRoute
from guestapi.offline.sigv4.errors import SigV4ErrorKind
from guestapi.offline.ssm import SsmEmulator, SsmFrontDoor
from guestapi.offline.ssm.operations import Planner as SsmPlanner
from guestapi.offline.stack import Stack
from guestapi.offline.stack_outputs import NonLocalOutputError, local_outputs
from guestapi.offline.sts import StsService
from guestapi.offline.wire import Request, Response

log = logging.getLogger("guestapi.offline.server")

# The services a function's SDK calls reach on this port (botocore service ids).
FUNCTION_ENDPOINTS = ("cognito-identity", "sts", "dynamodb", "ssm")


@dataclass(frozen=True)
class OfflineStack:
    """A deployed offline stack: the model plus the services that answer for it."""

    stack: Stack
    store: CredentialStore
    cognito: CognitoIdentityService
    sts: StsService
    gateway: Gateway
    ssm: MotoService[SsmEmulator]
    # API Gateway's control plane (GetResources), which the check suite lists methods with.
    apigateway: management.ApiGatewayManagement
    lambdas: LambdaService | None = None
    # Service id -> URL, as functions reach them (AWS_ENDPOINT_URL_<SERVICE>); set by attach().
    endpoints: dict[str, str] = field(default_factory=dict)
    dynamodb: MotoService[DynamoDbEmulator] | None = None  # None: the template has no table

    def app(self) -> OfflineApp:
        """The ASGI app; the first service route is the fallback for unknown targets."""
        return OfflineApp(
            self.gateway, self.service_routes(), blocking_gateway=self.lambdas is not None
        )

    def attach(self, base_url: str) -> None:
        """Tell the services where the stack listens, before it serves its first request."""
        url = base_url.rstrip("/") + "/"
        self.endpoints.update({service: url for service in FUNCTION_ENDPOINTS})

    def stop_functions(self) -> None:
        """Abort every invocation in flight and end every sandbox: the first step of a stop, so
        that the server's graceful shutdown does not wait for functions to finish."""
        if self.lambdas is not None:
            self.lambdas.close()

    def close(self) -> None:
        """Stop what runs beside the server (function sandboxes, the moto emulators)."""
        self.stop_functions()
        self.ssm.close()
        if self.dynamodb is not None:
            self.dynamodb.close()

    def put_secure_parameter(self, name: str, value: str) -> None:
        """Seed an SSM SecureString, which CloudFormation cannot create, for functions to read
        (`SsmEmulator.put_secure_string`)."""
        self.ssm.start()
        self.ssm.emulator.put_secure_string(name, value)

    def service_routes(self) -> list[ServiceRoute]:
        iam = IamSimulator(self.stack.roles).handle
        routes = service_routes(self.cognito.handle, self.sts.handle, iam)
        if self.dynamodb is not None:
            routes.append(ServiceRoute(ENDPOINTS["dynamodb"], self.dynamodb.handle))
        routes.append(ServiceRoute(ENDPOINTS["ssm"], self.ssm.handle))
        routes.append(ServiceRoute(ENDPOINTS["apigateway"], self.apigateway.handle))
        return routes


def service_routes(
    cognito: Callable[[Request], Response],
    sts: Callable[[Request], Response] | None = None,
    iam: Callable[[Request], Response] | None = None,
) -> list[ServiceRoute]:
    """The endpoints served at `/`: Cognito Identity by X-Amz-Target; STS and IAM's
    SimulatePrincipalPolicy by their form body, told apart by its Action."""
    routes = [ServiceRoute(ENDPOINTS["cognito-identity"], cognito)]
    if sts is not None:
        routed = route_by_action({SIMULATE_ACTION: iam}, sts) if iam is not None else sts
        # STS and IAM own no template resource, so no registry entry names them.
        routes.append(ServiceRoute(StsService, routed))
    return routes


def _default_template() -> Path:
    from guestapi.assets import template_path

    return template_path()


def build(
    template: Path | str | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    stack_name: str = "guest-api-local",
    credential_ttl: int = 3600,
    clock: Callable[[], datetime] | None = None,
    warn: Callable[[str], None] | None = None,
    honour_presigned_expires: bool = False,
    unknown_key_error_type: str = SigV4ErrorKind.UNRECOGNIZED_CLIENT.value,
    max_credentials: int = DEFAULT_MAX_CREDENTIALS,
    max_identities: int = DEFAULT_MAX_IDENTITIES,
    guest_session_policy: str = "none",
) -> OfflineStack:
    """Deploy `template` (default: the project's own) in memory and wire its services.

    The options are local.py's: `guest_session_policy` (cognito/scope_down.py),
    `honour_presigned_expires` and `unknown_key_error_type` (the two unsettled answers of
    docs/aws-behaviour.md, Known differences 7 and 1), and the stores' bounds, which refuse new
    entries when full and revoke nobody.
    """
    session_policies = guest_session_policies(guest_session_policy)  # refused before any work
    now = clock or (lambda: datetime.now(UTC))
    stack = load_stack(
        template if template is not None else _default_template(),
        region=region,
        account_id=account_id,
        stack_name=stack_name,
        overrides=overrides,
        warn=warn or log.warning,
    )
    store = CredentialStore(clock=now, max_entries=max_credentials)
    authority = CallerAuthority(region=stack.region, store=store, roles=stack.roles, clock=now)
    cognito = CognitoIdentityService(
        stack,
        store,
        clock=now,
        credential_ttl=timedelta(seconds=credential_ttl),
        authority=authority,
        max_identities=max_identities,
        guest_session_policies=session_policies,
    )
    sts = StsService(stack, store, cognito, clock=now)
    endpoints: dict[str, str] = {}
    integrations = default_integrations(stack)
    lambdas = None
    if stack.functions:
        check_execution_roles(stack.functions, stack.roles)
        isolation = detect_isolation()
        if (warning := isolation.warning()) is not None:
            (warn or log.warning)(warning)
        lambdas = LambdaService(
            stack.functions,
            credentials_for=ExecutionRoleCredentials(store, stack.roles),
            endpoints=endpoints,
            isolation=isolation,
        )
        integrations["AWS_PROXY"] = LambdaProxyIntegration(stack, lambdas)
    gateway = Gateway(
        stack,
        store,
        clock=now,
        integrations=integrations,
        honour_presigned_expires=honour_presigned_expires,
        unknown_key_error_type=unknown_key_error_type,
    )
    dynamodb, ssm = _moto_services(stack, store, now)
    control = management.ApiGatewayManagement.for_stack(stack, store, now)  # GetResources
    offline = OfflineStack(
        stack, store, cognito, sts, gateway, ssm, control, lambdas, endpoints, dynamodb
    )
    try:
        for service in (dynamodb, ssm):
            if service is not None:
                service.deploy()
    except BaseException:
        offline.close()
        raise
    return offline


def _moto_services(
    stack: Stack, store: CredentialStore, clock: Callable[[], datetime]
) -> tuple[MotoService[DynamoDbEmulator] | None, MotoService[SsmEmulator]]:
    """moto's DynamoDB (when the template has tables) and SSM, behind their front doors."""
    region, account, partition = stack.region, stack.account_id, stack.partition
    callers = caller_lookup(store, stack.roles)
    dynamodb = None
    if stack.tables:
        dynamodb = MotoService(
            DynamoDbEmulator(list(stack.tables.values()), region=region, account_id=account),
            partial(
                DynamoDbFrontDoor,
                DynamoDbPlanner(region, account, partition, stack.tables),
                lookup_caller=callers,
                clock=clock,
            ),
        )
    ssm = MotoService(
        SsmEmulator(list(stack.parameters.values()), region=region, account_id=account),
        partial(
            SsmFrontDoor, SsmPlanner(region, account, partition), lookup_caller=callers, clock=clock
        ),
    )
    return dynamodb, ssm


def bind(host: str, port: int) -> socket.socket:
    """Bind before serving so that `--port 0` knows its port before the outputs are written."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def make_server(app: OfflineApp, stop_work: Callable[[], None] = lambda: None) -> uvicorn.Server:
    """The server for `app`; `stop_work` runs first when it stops (OfflineStack.stop_functions)."""
    config = uvicorn.Config(
        app,
        # httptools, the faster parser, with h11 for connections that send a method it does
        # not know (see AnyMethodProtocol).
        http=AnyMethodProtocol,
        lifespan="off",
        # uvicorn's access log would print full URLs, and a presigned URL's query holds the
        # signature and the session token: the gateway logs one safe line instead.
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
        timeout_keep_alive=30,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        # The caller's address is the socket's: uvicorn would otherwise take X-Forwarded-For
        # from a local client, letting it choose aws:SourceIp and $context.identity.sourceIp.
        proxy_headers=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )
    return OfflineServer(config, stop_work)


def base_url_for(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@contextmanager
def serve(
    template: Path | str | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    credential_ttl: int = 3600,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    clock: Callable[[], datetime] | None = None,
    guest_session_policy: str = "none",
) -> Iterator[dict[str, str]]:
    """Run the offline stack in a background thread; yield its outputs; stop on exit."""
    offline = build(
        template,
        overrides=overrides,
        region=region,
        account_id=account_id,
        credential_ttl=credential_ttl,
        clock=clock,
        guest_session_policy=guest_session_policy,
    )
    with running(offline, host=host, port=port) as outputs:
        yield outputs


@contextmanager
def running(
    offline: OfflineStack, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[dict[str, str]]:
    """Serve an already built stack in a background thread (tests keep it to look inside)."""
    sock = bind(host, port)
    try:
        outputs = local_outputs(offline.stack, base_url_for(sock))
    except NonLocalOutputError:
        sock.close()
        offline.close()
        raise
    offline.attach(base_url_for(sock))
    server = make_server(offline.app(), offline.stop_functions)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="offline-stack", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the offline stack's server stopped during start-up")
            time.sleep(0.01)
        yield outputs
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        offline.close()
