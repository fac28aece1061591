"""moto's server for one AWS service, in-process, started and stopped with the stack.

moto's `ThreadedMotoServer` serves every AWS service moto knows, prints to stdout when it starts
and logs every request to stderr through werkzeug. This runs the same server loop
(`werkzeug.serving.make_server` with moto's request handler, both as `ThreadedMotoServer` uses
them) on one service's application (moto's `create_backend_app(<service>)`), with request
logging off. Only a front door should call it: moto checks no signature or policy.

moto keeps its data in process-wide backends, one per (account, region). Every request carries
`x-moto-account-id` (moto's own header for this), so the resources live in the stack's account
and their ARNs name it.

moto answers anyone who reaches its port, with no signature: listing tables, reading SecureStrings
decrypted, writing items. A function's code (or any local process) could find that port. So the
server is sealed: `_Sealed` wraps moto's WSGI app and answers 403, with no data, to any request
that lacks this launch's key in `x-guestapi-backend-key`. The key is made at `start` with
`secrets` and held only in this process's memory (never in argv, the environment or a file a
function's sandbox could read); the front door (`Upstream`) and the internal client add it.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
from botocore.config import Config
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


# The moto services the offline stack runs: moto's and botocore's names for them.
MotoService = Literal["dynamodb", "ssm"]


class EmulatorError(GuestApiError):
    """An emulator could not start or create the stack's resources."""


_SESSION_LOCK = threading.Lock()


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


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


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


class MotoServer:
    """moto's `service` on 127.0.0.1 with a boto3 client to it in the stack's account.

    `label` names the service in errors ("DynamoDB"). Not reentrant: `start` and `stop` are
    called by the emulator that owns it.
    """

    def __init__(
        self,
        service: MotoService,
        *,
        label: str,
        region: str,
        account_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._service = service
        self._label = label
        self._region = region
        self._account_id = account_id
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._key = ""

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise EmulatorError(f"the {self._label} emulator is not running")
        return f"http://{self._server.host}:{self._server.port}"  # werkzeug's: the bound port

    @property
    def upstream(self) -> Upstream:
        """What a front door needs to reach this server: its URL and this launch's key."""
        return Upstream(self.endpoint, self._key)

    @property
    def client(self) -> Any:
        """A boto3 client straight to moto, in the stack's account (no IAM)."""
        if self._client is None:
            raise EmulatorError(f"the {self._label} emulator is not running")
        return self._client

    def start(self) -> None:
        if self._server is not None:
            return
        self._key = secrets.token_urlsafe(32)
        try:
            self._server = make_server(
                self._host,
                self._port,
                _sealed(create_backend_app(self._service), self._key),
                threaded=True,
                request_handler=_QuietHandler,
            )
        except OSError as error:
            raise EmulatorError(
                f"cannot listen on {self._host}:{self._port} for {self._label}: {error.strerror}"
            ) from None
        # shutdown() waits for the loop to look up, every poll interval (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"offline-{self._service}",
            daemon=True,
        )
        self._thread.start()
        self._client = self._new_client()

    def stop(self) -> None:
        """Stop serving, release the port and the thread (the owner deletes its data first)."""
        if self._server is None:
            return
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
                self._service,
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

        client.meta.events.register(f"before-sign.{self._service}", to_stack_account)
        return client
