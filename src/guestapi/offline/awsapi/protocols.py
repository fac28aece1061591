"""One serializer per AWS protocol the offline stack speaks: `Json` (AWS JSON 1.0/1.1: Cognito
Identity, DynamoDB, SSM), `Query` (form in, XML out: STS, IAM) and `RestJson` (API Gateway's
control plane). Each reads its service's protocol details (JSON version, X-Amz-Target prefix, XML
namespace, API version, HTTP routes) from botocore's service model, the one the SDKs are
generated from, rather than repeating them; where captured answers differ between services
(DynamoDB's `__type` namespaces and crc32, x-amzn-ErrorType), the difference is an argument.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.loaders
import botocore.model

from guestapi.aws_constants import ERROR_TYPE_HEADER, REQUEST_ID_HEADER, TARGET_HEADER
from guestapi.offline.awsapi.errors import (
    AwsError,
    InvalidAction,
    SerializationException,
    UnknownOperationException,
)
from guestapi.offline.wire import Request, Response, new_request_id

Params = Mapping[str, Any]


@functools.cache
def service_model(name: str) -> botocore.model.ServiceModel:
    """botocore's model of service `name` ("cognito-identity"), loaded once per process."""
    model = botocore.loaders.Loader().load_service_model(name, "service-2")
    return botocore.model.ServiceModel(model, name)


@dataclass
class Call:
    """One call being served: what the protocol read, and what the service's log line says."""

    request: Request
    request_id: str
    operation: str = ""
    params: Params = field(default_factory=dict)
    logged: dict[str, str] = field(default_factory=dict)  # name=value pairs for the log line
    detail: str = ""  # in parentheses at the end of the log line (why it was refused, ...)
    caller: Any = None  # who `AwsService.admit` found the caller to be, for the handler


class Json:
    """AWS JSON 1.0 / 1.1.

    `namespace` is written before the code in every error's `__type` ("" for none: Cognito and
    SSM write the bare code), `namespaces` by code where it differs; `message_keys` gives the
    message member by code ("message" otherwise). `error_type_header` adds x-amzn-ErrorType to
    errors, `checksum` x-amz-crc32 (DynamoDB: botocore checks it). DynamoDB's quirks all.
    """

    form = False
    signing_name = ""

    def __init__(
        self,
        service: str,
        *,
        namespace: str = "",
        namespaces: Mapping[str, str] | None = None,
        message_keys: Mapping[str, str] | None = None,
        error_type_header: bool = True,
        checksum: bool = False,
        request_ids: Callable[[], str] = new_request_id,
    ) -> None:
        model = service_model(service)
        self.operations = frozenset(model.operation_names)
        self.content_type = f"application/x-amz-json-{model.metadata['jsonVersion']}"
        self.target_prefix = f"{model.metadata['targetPrefix']}."
        self._namespace = namespace
        self._namespaces = dict(namespaces or {})
        self._message_keys = dict(message_keys or {})
        self._error_type_header = error_type_header
        self._checksum = checksum
        self.new_request_id = request_ids

    def operation_of(self, call: Call) -> str:
        target = call.request.header(TARGET_HEADER) or ""
        return (
            target.removeprefix(self.target_prefix) if target.startswith(self.target_prefix) else ""
        )

    def unknown_operation(self, call: Call) -> AwsError:
        return UnknownOperationException()

    def params_of(self, call: Call) -> Params:
        body = call.request.body
        if not body.strip():  # botocore sends at least "{}", a raw caller maybe nothing
            return {}
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):  # ValueError covers bad JSON and bad UTF-8
            raise SerializationException(SerializationException.NOT_JSON) from None
        if not isinstance(parsed, dict):
            raise SerializationException(SerializationException.NOT_AN_OBJECT)
        return parsed

    def answer(self, call: Call, result: Params) -> Response:
        return self._json(200, result, call.request_id)

    def error(self, error: AwsError, request_id: str) -> Response:
        namespace = self._namespaces.get(error.code, self._namespace)
        payload = {"__type": f"{namespace}#{error.code}" if namespace else error.code}
        if error.message is not None:
            payload[self._message_keys.get(error.code, "message")] = error.message
        response = self._json(error.status, payload, request_id)
        if self._error_type_header:
            response.headers.append((ERROR_TYPE_HEADER, error.code))
        if self._checksum:
            response.headers.append(("x-amz-crc32", str(zlib.crc32(response.body))))
        return response

    def _json(self, status: int, payload: object, request_id: str) -> Response:
        headers = [("Content-Type", self.content_type), (REQUEST_ID_HEADER, request_id)]
        return Response(status, headers, json.dumps(payload, separators=(",", ":")).encode())


class Query:
    """The Query protocol: form in, XML out. `malformed` is the service's error for a body that
    is no form (or has over `max_fields` fields)."""

    form = True
    target_prefix = ""
    signing_name = ""

    def __init__(
        self, service: str, *, malformed: Callable[[str], AwsError], max_fields: int
    ) -> None:
        metadata = service_model(service).metadata
        self.namespace = metadata["xmlNamespace"]
        self.version = metadata["apiVersion"]
        self._malformed = malformed
        self._max_fields = max_fields
        self.new_request_id = new_request_id

    def operation_of(self, call: Call) -> str:
        call.params = self.form_of(call.request.body)
        action = str(call.params.get("Action", ""))
        return action if call.params.get("Version", self.version) == self.version else ""

    def form_of(self, body: bytes) -> dict[str, str]:
        try:
            return _form(body, self._max_fields)
        except ValueError:  # bad UTF-8 or too many fields
            raise self._malformed("The request body is not a valid form.") from None

    def unknown_operation(self, call: Call) -> AwsError:
        return InvalidAction.of(
            str(call.params.get("Action", "")), str(call.params.get("Version", self.version))
        )

    def params_of(self, call: Call) -> Params:
        return call.params  # read with the Action

    def answer(self, call: Call, result: Params) -> Response:
        root = ET.Element(f"{call.operation}Response", xmlns=self.namespace)
        _xml(ET.SubElement(root, f"{call.operation}Result"), result)
        _xml(ET.SubElement(root, "ResponseMetadata"), {"RequestId": call.request_id})
        return self._xml_response(200, root, call.request_id)

    def error(self, error: AwsError, request_id: str) -> Response:
        root = ET.Element("ErrorResponse", xmlns=self.namespace)
        detail = {"Type": "Sender", "Code": error.code, "Message": error.message or ""}
        _xml(ET.SubElement(root, "Error"), detail)
        _xml(root, {"RequestId": request_id})
        return self._xml_response(error.status, root, request_id)

    @staticmethod
    def _xml_response(status: int, root: ET.Element, request_id: str) -> Response:
        body = ET.tostring(root, encoding="unicode").encode()
        return Response(
            status, [("Content-Type", "text/xml"), (REQUEST_ID_HEADER, request_id)], body
        )


def _form(body: bytes, max_fields: int) -> dict[str, str]:
    """A form's fields, the first value of each (a repeated field's first one wins)."""
    fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    return {key: values[0] for key, values in fields.items()}


def route_by_action(
    handlers: Mapping[str, Callable[[Request], Response]],
    fallback: Callable[[Request], Response],
) -> Callable[[Request], Response]:
    """One form-body route for several Query-protocol services, picked by the form's Action.

    STS and IAM share the endpoint here (on AWS they have their own hosts); an Action no
    handler claims, or a body that is no form, goes to `fallback` (STS), which answers it.
    """

    def route(request: Request) -> Response:
        try:
            action = _form(request.body, _ROUTE_FIELDS).get("Action", "")
        except ValueError:
            action = ""
        return handlers.get(action, fallback)(request)

    return route


_ROUTE_FIELDS = 1000  # SimulatePrincipalPolicy's many members; STS refuses over 50 itself


def _xml(parent: ET.Element, value: Params) -> None:
    """`value` as the Query protocol's XML: members in order, lists as `<member>` elements."""
    for name, member in value.items():
        _xml_value(ET.SubElement(parent, name), member)


def _xml_value(element: ET.Element, value: object) -> None:
    if isinstance(value, Mapping):
        _xml(element, value)
    elif isinstance(value, list):
        for item in value:
            _xml_value(ET.SubElement(element, "member"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


class RestJson:
    """rest-json: each operation at its model's method and URI, path labels as its params.

    `not_found` is the service's answer to a request no operation of `operations` matches.
    """

    form = False
    target_prefix = ""

    def __init__(
        self,
        service: str,
        operations: Iterable[str],
        *,
        not_found: Callable[[Call], AwsError],
    ) -> None:
        model = service_model(service)
        self.signing_name = model.signing_name or model.endpoint_prefix
        self._routes = [(op, *_route(model.operation_model(op).http)) for op in operations]
        self._not_found = not_found
        self.new_request_id = new_request_id

    def operation_of(self, call: Call) -> str:
        for operation, method, pattern in self._routes:
            match = pattern.match(call.request.raw_path)
            if match is not None and call.request.method == method:
                call.params = {name: unquote(value) for name, value in match.groupdict().items()}
                return operation
        return ""

    def unknown_operation(self, call: Call) -> AwsError:
        return self._not_found(call)

    def params_of(self, call: Call) -> Params:
        return call.params  # the path's labels

    def answer(self, call: Call, result: Params) -> Response:
        headers = [("Content-Type", "application/json"), (REQUEST_ID_HEADER, call.request_id)]
        return Response(200, headers, json.dumps(result).encode())

    def error(self, error: AwsError, request_id: str) -> Response:
        headers = [
            ("Content-Type", "application/json"),
            (REQUEST_ID_HEADER, request_id),
            (ERROR_TYPE_HEADER, error.code),
        ]
        return Response(error.status, headers, json.dumps({"message": error.message}).encode())


def _route(http: Mapping[str, str]) -> tuple[str, re.Pattern[str]]:
    """(method, path pattern) of a model's `"GET /restapis/{restapi_id}/resources"`."""
    path = http["requestUri"].split("?", 1)[0].rstrip("/")
    pattern = re.sub(
        r"\\\{(\w+)(\\\+)?\\\}",
        lambda m: f"(?P<{m[1]}>.+)" if m[2] else f"(?P<{m[1]}>[^/]+)",
        re.escape(path),
    )
    return http["method"], re.compile(f"^{pattern}/?$")
