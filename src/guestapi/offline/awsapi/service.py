"""What every AWS API of the offline stack does the same way, in the order AWS's front layer does.

A service declares its protocol (`protocols.py`), body limit and operation table; `handle` does
the rest: a body over `MAX_BODY` is refused before anything parses, hashes or forwards it, an
operation the table lacks gets the protocol's unknown-operation answer, `admit` checks signature
and IAM where needed, then the handler answers and the protocol renders the answer or the
`AwsError`. One log line per call (ids, never credentials), escaped and cut (`wire.loggable`):
every part may come from the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import ClassVar

from guestapi.offline.awsapi.errors import AwsError
from guestapi.offline.awsapi.protocols import Call, Json, Params, Query, RestJson
from guestapi.offline.wire import Request, Response, loggable

Handler = Callable[[Call], Params | Response]
MAX_LOG_LINE = 1024


class AwsService:
    """An AWS API as the offline stack serves it: `handle` one request, get one response."""

    NAME: ClassVar[str]  # the botocore service id, first word of the log line
    MAX_BODY: ClassVar[int]
    INVALID: ClassVar[type[AwsError]]  # the service's constraint-violation error
    # Waits on something else (DynamoDB and SSM forward to moto): the server calls it from
    # worker threads so it cannot stall the event loop.
    BLOCKING: ClassVar[bool] = False

    protocol: ClassVar[Json | Query | RestJson]
    operations: Mapping[str, Handler]

    def _log(self, line: str) -> None:
        logging.getLogger(type(self).__module__).info(line)

    def handle(self, request: Request) -> Response:
        call = Call(request, self.protocol.new_request_id())
        try:
            result = self._serve(call)
        except AwsError as error:
            self._log_line(call, f"{error.status} {error.code}")
            return self.protocol.error(error, call.request_id)
        if isinstance(result, Response):  # forwarded as another server answered it
            self._log_line(call, str(result.status))
            return result
        self._log_line(call, "200")
        return self.protocol.answer(call, result)

    def _serve(self, call: Call) -> Params | Response:
        size = len(call.request.body)
        if size > self.MAX_BODY:
            raise self.INVALID(f"Request body is {size} bytes; the limit is {self.MAX_BODY}.")
        call.operation = self.protocol.operation_of(call)
        handler = self.operations.get(call.operation)
        if handler is None:
            raise self.protocol.unknown_operation(call)
        self.admit(call)
        call.params = self.protocol.params_of(call)
        return handler(call)

    def admit(self, call: Call) -> None:
        """Raise the AwsError AWS answers when this caller may not make this call."""

    def _log_line(self, call: Call, result: str) -> None:
        parts = [self.NAME, loggable(call.operation or "-", 80)]
        parts += [f"{name}={value}" for name, value in call.logged.items()]
        parts.append(f"-> {result}")
        if call.detail:
            parts.append(f"({call.detail})")
        self._log(loggable(" ".join(parts), MAX_LOG_LINE))
