"""Fuzzing and abuse of the offline stack: mutated signed requests, random bytes, bad Cognito calls.

- Hypothesis mutates a correctly signed `GET /dev/demo` (method, path, query, signed headers,
  body, date, credential scope, signature, keys and tokens) and sends it to the in-process
  gateway (fast, no HTTP), then a smaller number over real HTTP: none may be served. Every
  mutation changes something the signature or the route covers; a mutation that leaves the
  canonical request unchanged (say, extra spaces in a signed header) would be a legitimate
  request, so none is generated.
- Random bytes in the path, headers and body go out over raw sockets, so bytes no HTTP library
  would send actually reach the server: no 5xx, and the server still answers afterwards.
- Malformed JSON, unknown targets and oversized bodies to the Cognito endpoint: HTTP 400 with
  the error code `guestapi.offline.cognito` documents for each.

Every refusal test is paired with its control: the unmutated request is served, and with the
signature comparison switched off the same mutations get through, so "zero accepted" is a
property of the verifier, not of the test.
"""

from __future__ import annotations

import dataclasses
import hmac
import http.client
import json
import socket
import string
import types
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import boto3
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from guestapi.offline.launch import OfflineStack, build, serve
from guestapi.offline.sigv4 import verifier
from guestapi.offline.sigv4.parsing import ALGORITHM
from guestapi.offline.wire import Request as IncomingRequest

pytestmark = pytest.mark.offline

REGION = "us-east-1"
SERVICE = "execute-api"
PATH = "/dev/demo"
IN_PROCESS_HOST = "127.0.0.1:4566"
COGNITO = "AWSCognitoIdentityService."
# The template's default stage throttle (10 req/s) would answer 429 to a fuzzer's valid controls.
HIGH_THROTTLE = {"ThrottlingRateLimit": "10000", "ThrottlingBurstLimit": "5000"}

# What API Gateway answers a signed route it refuses (docs/aws-behaviour.md#sigv4-refusals).
REFUSALS = {
    (403, "MissingAuthenticationTokenException"),
    (403, "ForbiddenException"),  # a path mutated into an unknown stage
    (403, "IncompleteSignatureException"),
    (403, "InvalidSignatureException"),
    (403, "UnrecognizedClientException"),
    (403, "ExpiredTokenException"),
    (403, "AccessDeniedException"),
}
# Over HTTP, a method the parser does not know (httptools) is refused before the gateway.
PARSER_REFUSAL = (400, None, b"Invalid HTTP request received.")
# Error codes guestapi.offline.cognito documents for requests it cannot serve.
COGNITO_BAD_REQUEST_CODES = {
    "SerializationException",
    "UnknownOperationException",
    "ValidationException",
}
# The operations an app calls without AWS credentials (DescribeIdentityPool needs them).
COGNITO_OPERATIONS = {
    "GetId",
    "GetCredentialsForIdentity",
    "GetOpenIdToken",
}

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ------------------------------------------------------------------------------ guests, signing
@dataclass(frozen=True)
class Guest:
    identity_id: str
    credentials: Credentials


@dataclass(frozen=True)
class Guests:
    a: Guest  # signs the requests
    b: Guest  # another install of the same pool: its keys and tokens get swapped in


def sign(
    guest: Guest,
    *,
    host: str,
    method: str = "GET",
    path: str = PATH,
    query: str = "",
    body: bytes = b"",
    region: str = REGION,
    service: str = SERVICE,
    secret: str | None = None,
) -> IncomingRequest:
    """A request signed by botocore, as the gateway would receive it."""
    creds = guest.credentials
    if secret is not None:
        creds = Credentials(creds.access_key, secret, creds.token)
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers={"Host": host})
    SigV4Auth(creds, service, region).add_auth(request)
    return IncomingRequest(
        method=method,
        raw_path=path,
        raw_query=query,
        headers=tuple(request.headers.items()),
        body=body,
        host=host,
    )


def header(req: IncomingRequest, name: str) -> str:
    return next(v for k, v in req.headers if k.lower() == name)


def with_header(req: IncomingRequest, name: str, value: str | None) -> IncomingRequest:
    """Replace (or drop, with None) every header called `name`, keeping the others in order."""
    kept = [(k, v) for k, v in req.headers if k.lower() != name]
    if value is not None:
        kept.append((name, value))
    return dataclasses.replace(req, headers=tuple(kept))


def auth_parts(req: IncomingRequest) -> dict[str, str]:
    _, _, rest = header(req, "authorization").partition(" ")
    return dict(part.strip().split("=", 1) for part in rest.split(","))


def with_auth(req: IncomingRequest, **changes: str) -> IncomingRequest:
    parts = auth_parts(req) | changes
    value = (
        f"{ALGORITHM} Credential={parts['Credential']}, "
        f"SignedHeaders={parts['SignedHeaders']}, Signature={parts['Signature']}"
    )
    return with_header(req, "authorization", value)


def documented_5xx(req: IncomingRequest, status: int, body: bytes) -> bool:
    """The one 5xx this template is known to give on AWS: SAM's OPTIONS mock, non-JSON type.

    Its request template is keyed application/json and passthrough is WHEN_NO_MATCH, so any other
    Content-Type reaches the MOCK integration with no statusCode: "Execution failed due to
    configuration error: Unable to parse statusCode" (aws/aws-sam-cli#2483, alma-cdk/openapix#37).
    """
    content_type = next((v for k, v in req.headers if k.lower() == "content-type"), None)
    return (
        status == 500
        and req.method.upper() == "OPTIONS"
        and content_type is not None
        and content_type.split(";")[0].strip().lower() != "application/json"
        and json.loads(body) == {"message": "Internal server error"}
    )


def served_protected(status: int, body: bytes) -> bool:
    """The protected answer: only GET /demo with a valid guest signature gets it."""
    return status == 200 and b"identityId" in body


# ------------------------------------------------------------------------------ mutations
@dataclass(frozen=True)
class Mutation:
    label: str
    apply: Callable[[IncomingRequest, Guests], IncomingRequest]

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Mutation({self.label})"


def _edit(text: str, op: str, at: int, char: str) -> str:
    at %= len(text) + 1
    if op == "insert":
        return text[:at] + char + text[at:]
    at = min(at, len(text) - 1)
    if op == "replace":
        return text[:at] + char + text[at + 1 :]
    return text[:at] + text[at + 1 :]


def _normalised(value: str) -> str:
    return " ".join(value.split())  # SigV4 trims header values and folds inner spaces


EDITS = st.tuples(
    st.sampled_from(["insert", "replace", "delete"]),
    st.integers(min_value=0, max_value=2000),
    st.sampled_from(string.ascii_letters + string.digits + "-._~/%+=:"),
)
# Methods the HTTP parser lets through, other than the route's GET. OPTIONS is left out: it is
# the open CORS preflight route by design (AddDefaultAuthorizerToCorsPreflight: false), answered
# without looking at any signature; test_signed_options_is_only_the_preflight covers it. Case
# variants of GET ("get") are left out here because httptools refuses them with 400 before the
# gateway sees them: test_lowercase_method_is_refused_over_http covers that layer.
OTHER_METHODS = st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "HEAD", "TRACE"]) | st.text(
    alphabet=string.ascii_uppercase, min_size=1, max_size=8
).filter(lambda m: m not in ("GET", "OPTIONS"))


def _method() -> st.SearchStrategy[Mutation]:
    return OTHER_METHODS.map(
        lambda m: Mutation(f"method {m}", lambda r, g: dataclasses.replace(r, method=m))
    )


def _path() -> st.SearchStrategy[Mutation]:
    def make(edit: tuple[str, int, str]) -> Mutation | None:
        path = _edit(PATH, *edit)
        if path == PATH:
            return None
        return Mutation(f"path {path!r}", lambda r, g: dataclasses.replace(r, raw_path=path))

    return EDITS.map(make).filter(lambda m: m is not None)  # type: ignore[return-value]


def _query() -> st.SearchStrategy[Mutation]:
    keys = st.sampled_from(
        ["X-Amz-Date", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "a"]
    ) | st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=12)
    values = st.text(alphabet=string.ascii_letters + string.digits, max_size=12)

    def make(kv: tuple[str, str]) -> Mutation:
        query = f"{kv[0]}={kv[1]}"
        return Mutation(f"query {query!r}", lambda r, g: dataclasses.replace(r, raw_query=query))

    return st.tuples(keys, values).map(make)


SIGNED_HEADERS = st.sampled_from(["host", "x-amz-date", "x-amz-security-token"])


def _signed_header(names: st.SearchStrategy[str] = SIGNED_HEADERS) -> st.SearchStrategy[Mutation]:

    def make(args: tuple[str, tuple[str, int, str], bool]) -> Mutation:
        name, edit, duplicate = args

        def apply(r: IncomingRequest, g: Guests) -> IncomingRequest:
            old = header(r, name)
            new = _edit(old, *edit)
            if _normalised(new) == _normalised(old):
                new = old + "0"  # an edit that only moved spaces would change nothing signed
            if duplicate:  # a second copy of the header, as a smuggling attempt
                return dataclasses.replace(r, headers=(*r.headers, (name, new)))
            return with_header(r, name, new)

        return Mutation(f"header {name} edit {edit} duplicate={duplicate}", apply)

    return st.tuples(names, EDITS, st.booleans()).map(make)


def _body() -> st.SearchStrategy[Mutation]:
    return st.binary(min_size=1, max_size=256).map(
        lambda b: Mutation(f"body {b[:16]!r}", lambda r, g: dataclasses.replace(r, body=b))
    )


def _date() -> st.SearchStrategy[Mutation]:
    shifts = st.integers(min_value=1, max_value=10**7).flatmap(lambda n: st.sampled_from([n, -n]))

    def make(seconds: int) -> Mutation:
        def apply(r: IncomingRequest, g: Guests) -> IncomingRequest:
            moment = datetime.strptime(header(r, "x-amz-date"), "%Y%m%dT%H%M%SZ")
            shifted = (moment + timedelta(seconds=seconds)).strftime("%Y%m%dT%H%M%SZ")
            return with_header(r, "x-amz-date", shifted)

        return Mutation(f"date {seconds:+d} s", apply)

    return shifts.map(make)


def _scope() -> st.SearchStrategy[Mutation]:
    # Credential = key/day/region/service/terminator; replace one element with something else.
    element = st.integers(min_value=0, max_value=4)
    replacement = st.sampled_from(
        ["us-west-2", "eu-west-1", "s3", "execute-api", "aws4_request", "20200101", ""]
    ) | st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=16)

    def make(args: tuple[int, str]) -> Mutation:
        index, value = args

        def apply(r: IncomingRequest, g: Guests) -> IncomingRequest:
            parts = auth_parts(r)["Credential"].split("/")
            parts[index] = value if value != parts[index] else value + "x"
            return with_auth(r, Credential="/".join(parts))

        return Mutation(f"scope[{index}] = {value!r}", apply)

    return st.tuples(element, replacement).map(make)


def _signature() -> st.SearchStrategy[Mutation]:
    def make(args: tuple[int, str, str]) -> Mutation:
        at, char, kind = args

        def apply(r: IncomingRequest, g: Guests) -> IncomingRequest:
            sig = auth_parts(r)["Signature"]
            if kind == "flip":
                i = at % len(sig)
                new = (
                    sig[:i]
                    + (char if char != sig[i] else ("0" if sig[i] != "0" else "1"))
                    + sig[i + 1 :]
                )
            elif kind == "truncate":
                new = sig[: at % len(sig)]
            else:
                new = sig.upper() if sig.upper() != sig else sig + "0"
            return with_auth(r, Signature=new)

        return Mutation(f"signature {kind} at {at} with {char!r}", apply)

    return st.tuples(
        st.integers(min_value=0, max_value=63),
        st.sampled_from("0123456789abcdef"),
        st.sampled_from(["flip", "truncate", "upper"]),
    ).map(make)


def _signed_headers_list() -> st.SearchStrategy[Mutation]:
    # "add" sends the header too: a name listed in SignedHeaders with no such header in the
    # request is test_signed_headers_naming_an_absent_header_are_refused's case.
    def make(args: tuple[str, str]) -> Mutation:
        kind, name = args

        def apply(r: IncomingRequest, g: Guests) -> IncomingRequest:
            names = auth_parts(r)["SignedHeaders"].split(";")
            if kind == "drop":
                names.remove(names[len(name) % len(names)])
                return with_auth(r, SignedHeaders=";".join(names))
            added = with_header(r, name, "fuzz")
            return with_auth(added, SignedHeaders=";".join(sorted({*names, name})))

        return Mutation(f"SignedHeaders {kind} {name}", apply)

    return st.tuples(
        st.sampled_from(["drop", "add"]),
        st.sampled_from(["content-type", "user-agent", "x-amz-content-sha256", "accept", "x"]),
    ).map(make)


def _key_mutations() -> list[Mutation]:
    def b_key(r: IncomingRequest, g: Guests) -> IncomingRequest:
        parts = auth_parts(r)["Credential"].split("/")
        parts[0] = g.b.credentials.access_key
        return with_header(
            with_auth(r, Credential="/".join(parts)),
            "x-amz-security-token",
            g.b.credentials.token,
        )

    def b_token(r: IncomingRequest, g: Guests) -> IncomingRequest:
        return with_header(r, "x-amz-security-token", g.b.credentials.token)

    def no_token(r: IncomingRequest, g: Guests) -> IncomingRequest:
        return with_header(r, "x-amz-security-token", None)

    def wrong_secret(r: IncomingRequest, g: Guests) -> IncomingRequest:
        return sign(g.a, host=r.host, secret="x" * 40)

    def unknown_key(r: IncomingRequest, g: Guests) -> IncomingRequest:
        parts = auth_parts(r)["Credential"].split("/")
        parts[0] = "ASIA" + "Z" * 16
        return with_auth(r, Credential="/".join(parts))

    return [
        Mutation("B's key and token, A's signature", b_key),
        Mutation("B's session token", b_token),
        Mutation("session token dropped", no_token),
        Mutation("re-signed with a wrong secret", wrong_secret),
        Mutation("unknown access key", unknown_key),
    ]


KEY_MUTATIONS = _key_mutations()


def _resigned_elsewhere() -> st.SearchStrategy[Mutation]:
    """Correctly signed by the guest, but for something the guest may not do."""
    segments = st.lists(
        st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=8),
        min_size=1,
        max_size=3,
    )

    def make(args: tuple[str, list[str], str, str]) -> Mutation | None:
        method, parts, region, service = args
        path = "/" + "/".join(parts)
        if (method, path, region, service) == ("GET", PATH, REGION, SERVICE):
            return None

        def apply(r: IncomingRequest, g: Guests) -> IncomingRequest:
            return sign(g.a, host=r.host, method=method, path=path, region=region, service=service)

        return Mutation(f"re-signed {method} {path} for {region}/{service}", apply)

    return (
        st.tuples(
            OTHER_METHODS | st.just("GET"),
            segments | st.just(["dev", "demo"]),
            st.sampled_from([REGION, "us-west-2"]),
            st.sampled_from([SERVICE, "s3", "execute-api-x"]),
        )
        .map(make)
        .filter(lambda m: m is not None)
    )  # type: ignore[return-value]


MUTATIONS = st.one_of(
    _method(),
    _path(),
    _query(),
    _signed_header(),
    _body(),
    _date(),
    _scope(),
    _signature(),
    _signed_headers_list(),
    st.sampled_from(KEY_MUTATIONS),
    _resigned_elsewhere(),
)
# The mutations a verifier without its signature check would let through (for the control).
SIGNATURE_ONLY = st.one_of(
    _query(), _body(), _signature(), _signed_header(st.just("host")), st.just(KEY_MUTATIONS[3])
)


# ------------------------------------------------------------------------------ in-process
def _json(target: str, body: dict[str, str]) -> IncomingRequest:
    return IncomingRequest("POST", "/", "", (("X-Amz-Target", target),), json.dumps(body).encode())


def _guest_in_process(offline: OfflineStack) -> Guest:
    pool = next(iter(offline.stack.identity_pools))
    answer = offline.cognito.handle(_json(COGNITO + "GetId", {"IdentityPoolId": pool}))
    identity_id = json.loads(answer.body)["IdentityId"]
    answer = offline.cognito.handle(
        _json(COGNITO + "GetCredentialsForIdentity", {"IdentityId": identity_id})
    )
    c = json.loads(answer.body)["Credentials"]
    return Guest(identity_id, Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"]))


@pytest.fixture(scope="module")
def offline() -> OfflineStack:
    return build(overrides=HIGH_THROTTLE)


@pytest.fixture(scope="module")
def guests(offline: OfflineStack) -> Guests:
    return Guests(_guest_in_process(offline), _guest_in_process(offline))


def _answer(offline: OfflineStack, req: IncomingRequest) -> tuple[int, str | None, bytes]:
    resp = offline.gateway.handle(req)
    return resp.status, dict(resp.headers).get("x-amzn-ErrorType"), resp.body


def test_unmutated_request_is_served(offline: OfflineStack, guests: Guests) -> None:
    status, _, body = _answer(offline, sign(guests.a, host=IN_PROCESS_HOST))
    assert served_protected(status, body)
    assert json.loads(body)["identityId"] == guests.a.identity_id


@pytest.mark.slow
@settings(FUZZ, max_examples=3000)
@given(mutation=MUTATIONS)
def test_no_mutated_request_is_served_in_process(
    offline: OfflineStack, guests: Guests, mutation: Mutation
) -> None:
    event(mutation.label.split()[0])  # --hypothesis-show-statistics: which kinds ran
    req = mutation.apply(sign(guests.a, host=IN_PROCESS_HOST), guests)
    status, error_type, body = _answer(offline, req)
    assert not served_protected(status, body), mutation.label
    assert (status, error_type) in REFUSALS, (mutation.label, status, error_type, body[:200])
    event(error_type or str(status))


@pytest.mark.parametrize("mutation", KEY_MUTATIONS, ids=lambda m: m.label)
def test_swapped_or_wrong_keys_are_refused(
    offline: OfflineStack, guests: Guests, mutation: Mutation
) -> None:
    # Few distinct values, so hypothesis may draw some of them rarely: each one, every run.
    req = mutation.apply(sign(guests.a, host=IN_PROCESS_HOST), guests)
    status, error_type, body = _answer(offline, req)
    assert not served_protected(status, body)
    assert (status, error_type) in REFUSALS


@settings(FUZZ, max_examples=100)
@given(mutation=SIGNATURE_ONLY)
def test_without_the_signature_check_the_same_mutations_get_through(
    offline: OfflineStack, guests: Guests, mutation: Mutation
) -> None:
    # The control for the test above: swap the module's hmac for one whose comparison always
    # succeeds (the verifier compares signatures and tokens with hmac.compare_digest). With the
    # protection gone, mutated requests are served, so the oracle above can see an acceptance.
    with pytest.MonkeyPatch.context() as patch:
        always_equal = types.SimpleNamespace(compare_digest=lambda a, b: True, new=hmac.new)
        patch.setattr(verifier, "hmac", always_equal)
        req = mutation.apply(sign(guests.a, host=IN_PROCESS_HOST), guests)
        status, error_type, body = _answer(offline, req)
    # A mutation that breaks the header's structure (say, an empty Signature=) is refused
    # before any comparison, with or without this protection: not what this control is about.
    assume(error_type != "IncompleteSignatureException")
    assert served_protected(status, body), mutation.label


@pytest.mark.slow
@settings(FUZZ, max_examples=2000)
@given(
    method=st.sampled_from(["GET", "POST", "OPTIONS", "PUT"]) | st.text(max_size=8),
    path=st.sampled_from([PATH, "/", "/dev", "/dev/demo/"])
    | st.text(alphabet=st.characters(max_codepoint=255), max_size=40),
    query=st.text(alphabet=st.characters(max_codepoint=255), max_size=40),
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                ["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Host", "Content-Type"]
            )
            | st.text(min_size=1, max_size=12),
            st.text(alphabet=st.characters(max_codepoint=255), max_size=80),
        ),
        max_size=6,
    ),
    auth_tail=st.none() | st.text(alphabet=st.characters(max_codepoint=255), max_size=200),
    body=st.binary(max_size=256),
)
def test_random_requests_never_crash_the_gateway(
    offline: OfflineStack,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    auth_tail: str | None,
    body: bytes,
) -> None:
    if auth_tail is not None:  # reach deep into the Authorization parser
        headers = [*headers, ("Authorization", f"{ALGORITHM} {auth_tail}")]
    req = IncomingRequest(method, path, query, tuple(headers), body, IN_PROCESS_HOST)
    status, _, answer = _answer(offline, req)  # an exception here fails the test
    assert status < 500 or documented_5xx(req, status, answer), (status, answer)
    assert not served_protected(status, answer)


# ------------------------------------------------------------------------------ over HTTP
@pytest.fixture(scope="module")
def http_stack() -> Iterator[dict[str, str]]:
    with serve(overrides=HIGH_THROTTLE) as outputs:
        yield outputs


def _host(outputs: dict[str, str]) -> str:
    return urlsplit(outputs["ApiUrl"]).netloc


@pytest.fixture(scope="module")
def http_guests(http_stack: dict[str, str]) -> Guests:
    cognito = boto3.client(
        "cognito-identity",
        region_name=http_stack["Region"],
        endpoint_url=http_stack["CognitoIdentityEndpoint"],
        config=Config(signature_version=UNSIGNED),
    )

    def guest() -> Guest:
        identity_id = cognito.get_id(IdentityPoolId=http_stack["IdentityPoolId"])["IdentityId"]
        c = cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
        return Guest(identity_id, Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"]))

    return Guests(guest(), guest())


def send(outputs: dict[str, str], req: IncomingRequest) -> tuple[int, str | None, bytes]:
    """Send exactly these headers (duplicates too) with http.client; no Host of its own."""
    conn = http.client.HTTPConnection(_host(outputs), timeout=10)
    try:
        target = req.raw_path + (f"?{req.raw_query}" if req.raw_query else "")
        conn.putrequest(req.method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in req.headers:
            conn.putheader(name, value)
        if req.body:
            conn.putheader("Content-Length", str(len(req.body)))
        conn.endheaders(req.body or None)
        resp = conn.getresponse()
        return resp.status, resp.getheader("x-amzn-ErrorType"), resp.read()
    finally:
        conn.close()


def send_raw(outputs: dict[str, str], data: bytes) -> int | None:
    """Write raw bytes, read the answer until the server closes; the status, or None."""
    host, port = _host(outputs).rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    first = b"".join(chunks).split(b"\r\n", 1)[0]
    if not first.startswith(b"HTTP/1.1 "):
        return None
    return int(first.split()[1])


def test_unmutated_request_is_served_over_http(http_stack, http_guests: Guests) -> None:
    status, _, body = send(http_stack, sign(http_guests.a, host=_host(http_stack)))
    assert served_protected(status, body)


@settings(FUZZ, max_examples=500)
@given(mutation=MUTATIONS)
def test_no_mutated_request_is_served_over_http(
    http_stack: dict[str, str], http_guests: Guests, mutation: Mutation
) -> None:
    req = mutation.apply(sign(http_guests.a, host=_host(http_stack)), http_guests)
    status, error_type, body = send(http_stack, req)
    assert not served_protected(status, body), mutation.label
    refused = (status, error_type) in REFUSALS or (status, error_type, body) == PARSER_REFUSAL
    assert refused, (mutation.label, status, error_type, body[:200])


def test_signed_headers_naming_an_absent_header_are_refused(
    http_stack: dict[str, str], http_guests: Guests
) -> None:
    # AWS builds the canonical request from SignedHeaders as given: a listed header that is not
    # in the request changes the canonical request, so the client's signature cannot match.
    req = sign(http_guests.a, host=_host(http_stack))
    names = auth_parts(req)["SignedHeaders"].split(";")
    assert "content-type" not in names and header(req, "host")
    claimed = with_auth(req, SignedHeaders=";".join(sorted([*names, "content-type"])))
    assert send(http_stack, req)[0] == 200  # control: the same request as signed is served
    status, error_type, body = send(http_stack, claimed)
    assert not served_protected(status, body)
    assert (status, error_type) == (403, "InvalidSignatureException")


def test_lowercase_method_is_refused_over_http(http_stack, http_guests: Guests) -> None:
    # Methods are case-sensitive: a lower-case `get` is no method of /demo, so it gets the
    # gateway's 403 Missing Authentication Token (tests/offline/test_http_methods.py), never
    # the signed GET's 200. Same signed request, only the case differs.
    req = sign(http_guests.a, host=_host(http_stack))
    head = "".join(f"{k}: {v}\r\n" for k, v in req.headers) + "Connection: close\r\n\r\n"
    assert send_raw(http_stack, f"GET {PATH} HTTP/1.1\r\n{head}".encode()) == 200
    for method in ("get", "Get", "gET"):
        assert send_raw(http_stack, f"{method} {PATH} HTTP/1.1\r\n{head}".encode()) == 403


def test_signed_options_is_only_the_preflight(http_stack, http_guests: Guests) -> None:
    req = sign(http_guests.a, host=_host(http_stack), method="OPTIONS")
    status, _, body = send(http_stack, req)
    assert status == 200 and not served_protected(status, body)


FIELDS = ["X-Fuzz", "Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Content-Type", "Host"]


def test_random_bytes_over_http_never_5xx(http_stack, http_guests: Guests) -> None:
    statuses: Counter[int | None] = Counter()

    @settings(FUZZ, max_examples=500)
    @given(
        path=st.binary(max_size=48),
        field=st.sampled_from(FIELDS),
        value=st.binary(max_size=160),
        body=st.binary(max_size=512),
    )
    def fuzz(path: bytes, field: str, value: bytes, body: bytes) -> None:
        data = (
            b"GET /dev/demo"
            + path
            + b" HTTP/1.1\r\n"
            + (b"" if field == "Host" else b"Host: " + _host(http_stack).encode() + b"\r\n")
            + field.encode()
            + b": "
            + value
            + b"\r\n"
            + b"Content-Length: "
            + str(len(body)).encode()
            + b"\r\n"
            + b"Connection: close\r\n\r\n"
            + body
        )
        status = send_raw(http_stack, data)
        statuses[status] += 1
        assert status is None or status < 500, (path, field, value, status)

    fuzz()
    # Answers came back (not only dropped connections), and the server still serves a guest.
    assert sum(n for s, n in statuses.items() if s is not None) > 0, statuses
    status, _, body = send(http_stack, sign(http_guests.a, host=_host(http_stack)))
    assert served_protected(status, body)


# ------------------------------------------------------------------------------ Cognito abuse
def cognito_call(
    outputs: dict[str, str], target: str | None, body: bytes
) -> tuple[int, str | None, dict]:
    conn = http.client.HTTPConnection(_host(outputs), timeout=30)
    try:
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        if target is not None:
            headers["X-Amz-Target"] = target
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, resp.getheader("x-amzn-ErrorType"), json.loads(raw)
    finally:
        conn.close()


def assert_bad_request(answer: tuple[int, str | None, dict], code: str) -> None:
    status, error_type, body = answer
    assert code in COGNITO_BAD_REQUEST_CODES
    assert (status, error_type, body.get("__type")) == (400, code, code), answer


def assert_get_id_served(outputs: dict[str, str]) -> None:
    body = json.dumps({"IdentityPoolId": outputs["IdentityPoolId"]}).encode()
    status, _, answer = cognito_call(outputs, COGNITO + "GetId", body)
    assert status == 200 and answer["IdentityId"].startswith(REGION + ":")


def test_valid_cognito_call_is_served(http_stack) -> None:
    assert_get_id_served(http_stack)


def _not_json_object(data: bytes) -> bool:
    if not data.strip():
        return False  # an empty body is read as {} (validation, not serialization)
    try:
        return not isinstance(json.loads(data), dict)
    except (ValueError, RecursionError):
        return True


@settings(FUZZ, max_examples=60)
@given(
    operation=st.sampled_from(sorted(COGNITO_OPERATIONS)),
    body=st.binary(min_size=1, max_size=200).filter(_not_json_object)
    | st.sampled_from([b"[]", b"1", b'"x"', b"null", b"{", b'{"IdentityPoolId":', b"\xff\xfe{}"]),
)
def test_malformed_json_is_a_serialization_error(http_stack, operation: str, body: bytes) -> None:
    assert_bad_request(
        cognito_call(http_stack, COGNITO + operation, body), "SerializationException"
    )


@given(body=st.binary(max_size=64))
@settings(FUZZ, max_examples=20)
def test_describe_identity_pool_needs_credentials_whatever_the_body(
    http_stack, body: bytes
) -> None:
    # Authentication comes before the body is read, as on AWS: no signature, no parse errors.
    status, error_type, payload = cognito_call(http_stack, COGNITO + "DescribeIdentityPool", body)
    assert (status, error_type, payload.get("__type")) == (
        400,
        "MissingAuthenticationTokenException",
        "MissingAuthenticationTokenException",
    )


@settings(FUZZ, max_examples=40)
@given(
    member=st.sampled_from(["IdentityPoolId", "IdentityId"]),
    value=st.integers()
    | st.lists(st.integers(), max_size=2)
    | st.booleans()
    | st.floats(allow_nan=False),
)
def test_wrongly_typed_member_is_a_serialization_error(http_stack, member: str, value) -> None:
    operation = "GetId" if member == "IdentityPoolId" else "GetCredentialsForIdentity"
    body = json.dumps({member: value}).encode()
    assert_bad_request(
        cognito_call(http_stack, COGNITO + operation, body), "SerializationException"
    )


@settings(FUZZ, max_examples=60)
@given(
    target=st.none()
    | st.text(alphabet=string.printable.strip(string.whitespace) + " ", max_size=60).map(
        lambda t: COGNITO + t
    )
    | st.sampled_from(
        [COGNITO, COGNITO + "getid", COGNITO + "GetID", "GetId", COGNITO[:-1] + ":GetId"]
    )
)
def test_unknown_target_is_an_unknown_operation(http_stack, target: str | None) -> None:
    if target is not None and target.removeprefix(COGNITO) in COGNITO_OPERATIONS:
        target += "x"  # GetId itself is the control, in test_valid_cognito_call_is_served
    body = json.dumps({"IdentityPoolId": http_stack["IdentityPoolId"]}).encode()
    assert_bad_request(cognito_call(http_stack, target, body), "UnknownOperationException")


@pytest.mark.parametrize("size", [64 * 1024 + 1, 1024 * 1024, 11 * 1024 * 1024])
def test_huge_body_is_a_validation_error(http_stack, size: int) -> None:
    # A JSON object padded past the 64 KiB limit, so only the size is wrong.
    head = json.dumps({"IdentityPoolId": http_stack["IdentityPoolId"], "Pad": ""}).encode()
    body = head[:-2] + b" " * (size - len(head)) + head[-2:]
    assert len(body) == size
    assert_bad_request(cognito_call(http_stack, COGNITO + "GetId", body), "ValidationException")


def test_cognito_endpoint_still_serves_after_abuse(http_stack) -> None:
    # Same module-scoped stack as the abuse above (tests run in file order).
    assert_get_id_served(http_stack)
