"""moto's server for one AWS service, in-process, quiet and sealed, holding the stack's resources
of that service: created at `start`, as CloudFormation creates them at deploy, deleted at `stop`.

moto's `ThreadedMotoServer` serves every service, prints when it starts and logs each request;
this runs the same loop (werkzeug's `make_server` with moto's request handler) on one service's
application, quietly. moto's backends are process-wide, one per (account, region): requests carry
the stack's account (`x-moto-account-id`, moto's own header), and a resource that exists already
(another running stack of that account and region) is refused, not shared.

moto answers anyone who reaches its port, with no signature (listing tables, reading
SecureStrings decrypted), and a function's code could find that port. So it is sealed: it
answers 403, with no data, to a request without this launch's key in `x-guestapi-backend-key`.
The key is made at `start` with `secrets` and held only in this process's memory (never in
argv, the environment or a file a sandbox could read); only the front door (`Upstream`) and
`client` send it.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from guestapi.errors import GuestApiError

# moto checks no credential; these only have to be well-formed for botocore to sign.
_INTERNAL_KEY = "AKIAOFFLINEMOTO00000"
_INTERNAL_SECRET = "offline-moto-internal-not-a-secret000000"
ACCOUNT_HEADER = "x-moto-account-id"
KEY_HEADER = "x-guestapi-backend-key"
_KEY_ENVIRON = "HTTP_X_GUESTAPI_BACKEND_KEY"  # the header as WSGI names it
_POLL_SECONDS = 0.05
_REFUSED = b'{"message":"This back-end answers the offline stack\'s front door only."}'
_SESSION_LOCK = threading.Lock()

R = TypeVar("R")
# The moto services the offline stack runs: moto's and botocore's names for them.
MotoServiceName = Literal["dynamodb", "ssm"]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class EmulatorError(GuestApiError):
    """An emulator could not start or create the stack's resources."""


@functools.cache
def _session() -> boto3.session.Session:
    # One session for every emulator: a new one loads botocore's service model again (~35 ms
    # of each start).
    return boto3.session.Session()


@dataclass(frozen=True)
class Upstream:
    """Where a front door reaches its moto server, and the key that server requires."""

    url: str
    key: str = field(repr=False)

    def headers(self) -> dict[str, str]:
        return {KEY_HEADER: self.key}


class _Sealed:
    """moto's WSGI app, reachable only with the launch's key (checked in constant time)."""

    def __init__(self, app: WsgiApp, key: str) -> None:
        self._app = app
        self._key = key.encode()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        given = str(environ.pop(_KEY_ENVIRON, "")).encode("latin-1", "replace")
        if not hmac.compare_digest(given, self._key):
            start_response(
                "403 Forbidden",
                [("Content-Type", "application/json"), ("Content-Length", str(len(_REFUSED)))],
            )
            return [_REFUSED]
        return self._app(environ, start_response)


def _sealed(app: WsgiApp, key: str) -> WsgiApp:
    return _Sealed(app, key)


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one stderr line per request otherwise; the front door logs what matters


class MotoEmulator(Generic[R]):
    """A service's moto server and the resources this emulator put there. A context manager.

    A service names its moto service (`SERVICE`), the code moto answers for a resource that
    exists (`EXISTS`), how to create the template's `resources` (`_create_all`, each through
    `_create`) and how to delete one (`_delete`).
    """

    SERVICE: ClassVar[MotoServiceName]
    LABEL: ClassVar[str]  # in errors: "DynamoDB"
    KIND: ClassVar[str]  # what a resource is: "table"
    EXISTS: ClassVar[str]  # moto's error code for a resource that exists

    def __init__(
        self,
        resources: Sequence[R],
        *,
        region: str,
        account_id: str,
    ) -> None:
        self.resources = tuple(resources)
        self._region = region
        self._account_id = account_id
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._key = ""
        self._created: list[str] = []
        self._lock = threading.Lock()  # a start may race another (a first request, a seeding)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise EmulatorError(f"the {self.LABEL} emulator is not running")
        return f"http://{self._server.host}:{self._server.port}"  # werkzeug's: the bound port

    @property
    def upstream(self) -> Upstream:
        """What a front door needs to reach this server: its URL and this launch's key."""
        return Upstream(self.endpoint, self._key)

    @property
    def client(self) -> Any:
        """A boto3 client straight to moto, in the stack's account (no IAM)."""
        if self._client is None:
            raise EmulatorError(f"the {self.LABEL} emulator is not running")
        return self._client

    def start(self) -> Self:
        with self._lock:
            if self._server is not None:
                return self
            self._serve()
            try:
                self._create_all()
            except BaseException:
                self._stop()
                raise
        return self

    def stop(self) -> None:
        """Delete what this emulator created, stop serving, release the port and thread."""
        with self._lock:
            self._stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ for the services
    def _create_all(self) -> None:
        """Create the template's resources (called with the lock held, the server running)."""

    def _delete(self, name: str) -> None:
        raise NotImplementedError

    def _create(self, name: str, where: str, operation: str, create: Callable[[], object]) -> None:
        """Create resource `name` by `create()` (moto's `operation`); `where` names its origin."""
        if self._server is None:
            raise EmulatorError(f"the {self.LABEL} emulator is not running")
        try:
            create()
        except ClientError as error:
            detail = error.response.get("Error", {})
            if detail.get("Code", "") == self.EXISTS:
                raise EmulatorError(
                    f"{where}: {self.KIND} {name} already exists in this process's {self.LABEL} "
                    f"emulator (another offline stack of account {self._account_id} in "
                    f"{self._region} is running)"
                ) from None
            message = detail.get("Message", str(error))
            raise EmulatorError(f"{where}: {operation} {name}: {message}") from None
        if name not in self._created:
            self._created.append(name)

    # ------------------------------------------------------------------ the server
    def _serve(self) -> None:
        self._key = secrets.token_urlsafe(32)
        try:
            self._server = make_server(
                "127.0.0.1",
                0,  # any free port: only this process needs to know it
                _sealed(create_backend_app(self.SERVICE), self._key),
                threaded=True,
                request_handler=_QuietHandler,
            )
        except OSError as error:
            raise EmulatorError(
                f"cannot listen on 127.0.0.1 for {self.LABEL}: {error.strerror}"
            ) from None
        # shutdown() waits for the loop to look up, every poll interval (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"offline-{self.SERVICE}",
            daemon=True,
        )
        self._thread.start()
        self._client = self._new_client()

    def _stop(self) -> None:
        if self._server is None:
            return
        for name in reversed(self._created):
            with contextlib.suppress(ClientError, BotoCoreError):  # already gone
                self._delete(name)
        self._created.clear()
        self._client.close()
        self._client = None
        self._server.shutdown()  # serve_forever returns; werkzeug closes the socket
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = None
        self._thread = None

    def _new_client(self) -> Any:
        with _SESSION_LOCK:  # creating clients from one session is not thread-safe
            client = _session().client(
                self.SERVICE,
                endpoint_url=self.endpoint,
                region_name=self._region,
                aws_access_key_id=_INTERNAL_KEY,
                aws_secret_access_key=_INTERNAL_SECRET,
                config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
            )
        account, key = self._account_id, self._key

        def to_stack_account(request: Any, **_: Any) -> None:
            request.headers[ACCOUNT_HEADER] = account
            request.headers[KEY_HEADER] = key

        client.meta.events.register(f"before-sign.{self.SERVICE}", to_stack_account)
        return client
