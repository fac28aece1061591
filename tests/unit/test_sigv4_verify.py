"""The offline SigV4 verifier against the official vectors, real signers, and every refusal.

Every refusal test is paired with the untampered request being accepted, so a check that
always refused (or never ran) would fail here.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import _sigv4_clients as clients
import pytest
from _sigv4_vectors import load_cases
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guestapi.offline import sigv4
from guestapi.offline.apigateway.responses import DEFAULTS, SIGV4_RESPONSE_TYPES
from guestapi.offline.sigv4 import (
    KnownCredential,
    SigV4Error,
    has_signature,
    verifier,
    verify,
)
from guestapi.offline.wire import Request as IncomingRequest

CASES = load_cases()


def gateway_answer(err: SigV4Error) -> tuple[str, int]:
    """The gateway response type and status API Gateway gives this refusal."""
    response_type = SIGV4_RESPONSE_TYPES[err.kind]
    return response_type, DEFAULTS[response_type][0]


CASE_IDS = [c.name for c in CASES]


# --------------------------------------------------------------------------------------------
# helpers: edit a received request the way a tamperer (or a broken proxy) would
# --------------------------------------------------------------------------------------------
def header(req: IncomingRequest, name: str) -> str | None:
    return next((v for n, v in req.headers if n.lower() == name.lower()), None)


def with_header(req: IncomingRequest, name: str, value: str | None) -> IncomingRequest:
    """Replace (or, with None, remove) every header called `name`; add it when absent."""
    kept = [(n, v) for n, v in req.headers if n.lower() != name.lower()]
    if value is not None:
        kept.append((name, value))
    host = (value or "") if name.lower() == "host" else req.host
    return dataclasses.replace(req, headers=tuple(kept), host=host)


def with_param(req: IncomingRequest, key: str, raw_value: str | None) -> IncomingRequest:
    """Replace (or remove) the raw value of query parameter `key`; append it when absent."""
    pieces, found = [], False
    for piece in req.raw_query.split("&") if req.raw_query else []:
        k, _, _ = piece.partition("=")
        if k == key:
            found = True
            if raw_value is not None:
                pieces.append(f"{k}={raw_value}")
        else:
            pieces.append(piece)
    if not found and raw_value is not None:
        pieces.append(f"{key}={raw_value}")
    return dataclasses.replace(req, raw_query="&".join(pieces))


def param(req: IncomingRequest, key: str) -> str | None:
    for piece in req.raw_query.split("&"):
        k, _, v = piece.partition("=")
        if k == key:
            return v
    return None


def flip_hex(sig: str) -> str:
    return ("0" if sig[0] != "0" else "1") + sig[1:]


def refused(req: IncomingRequest, now: datetime, **kw) -> SigV4Error:
    kw.setdefault("region", clients.REGION)
    kw.setdefault("lookup", clients.lookup)
    with pytest.raises(SigV4Error) as info:
        verify(req, now=now, **kw)
    return info.value


def accepted(req: IncomingRequest, now: datetime, **kw) -> sigv4.VerifiedCaller:
    kw.setdefault("region", clients.REGION)
    kw.setdefault("lookup", clients.lookup)
    return verify(req, now=now, **kw)


# --------------------------------------------------------------------------------------------
# Official AWS SigV4 test vectors (normalized cases: the execute-api flavour)
# --------------------------------------------------------------------------------------------
def _vector_lookup(case):
    return lambda key: case.credential if key == case.credential.access_key_id else None


def _verify_case(case, req=None):
    return verify(
        req or case.request,
        region=case.region,
        service=case.service,
        now=case.now,
        lookup=_vector_lookup(case),
    )


def test_vector_suite_is_loaded() -> None:
    # 31 normalized cases, each with a header and a query form: a silent empty list would make
    # every parametrized vector test vacuous.
    assert len(CASES) == 62
    assert {c.form for c in CASES} == {"header", "query"}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_vector_accepted(case) -> None:
    caller = _verify_case(case)
    assert caller.form == case.form
    assert caller.credential == case.credential
    assert "host" in caller.signed_headers


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c.omit_session_token], ids=lambda c: c.name
)
def test_vector_recomputation_equals_official_intermediates(case) -> None:
    """A wrong signature makes the verifier report its canonical request and string to sign:
    they must be byte for byte the suite's expected intermediate values."""
    if case.form == "header":
        auth = header(case.request, "Authorization")
        sig = auth.rsplit("Signature=", 1)[1]
        bad = with_header(case.request, "Authorization", auth.replace(sig, flip_hex(sig)))
    else:
        bad = with_param(
            case.request, "X-Amz-Signature", flip_hex(param(case.request, "X-Amz-Signature"))
        )
    with pytest.raises(SigV4Error) as info:
        _verify_case(case, bad)
    canonical = (case.folder / f"{case.form}-canonical-request.txt").read_text(encoding="utf-8")
    to_sign = (case.folder / f"{case.form}-string-to-sign.txt").read_text(encoding="utf-8")
    assert info.value.error_type == "InvalidSignatureException"
    assert info.value.message == (
        f"{verifier.MISMATCH_PREFIX}\n\nThe Canonical String for this request should have been\n"
        f"'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
    )


def _shift_date(stamp: str) -> str:
    moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ") + timedelta(seconds=1)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _mutate(case, what: str) -> IncomingRequest:
    req = case.request
    if what == "method":
        return dataclasses.replace(req, method="POST" if req.method == "GET" else "GET")
    if what == "path":
        return dataclasses.replace(req, raw_path=req.raw_path + "x")
    if what == "query":
        return with_param(req, "extra", "1")
    if what == "signed-header":
        return with_header(req, "Host", req.host + ".example")
    if what == "body":
        return dataclasses.replace(req, body=req.body + b"x")
    if what == "date":
        if case.form == "header":
            return with_header(req, "X-Amz-Date", _shift_date(header(req, "X-Amz-Date")))
        return with_param(req, "X-Amz-Date", _shift_date(param(req, "X-Amz-Date")))
    if what == "region":
        if case.form == "header":
            auth = header(req, "Authorization")
            return with_header(req, "Authorization", auth.replace("/us-east-1/", "/us-west-2/"))
        cred = param(req, "X-Amz-Credential")
        return with_param(
            req, "X-Amz-Credential", cred.replace("%2Fus-east-1%2F", "%2Fus-west-2%2F")
        )
    if what == "signature":
        if case.form == "header":
            auth = header(req, "Authorization")
            sig = auth.rsplit("Signature=", 1)[1]
            return with_header(req, "Authorization", auth.replace(sig, flip_hex(sig)))
        return with_param(req, "X-Amz-Signature", flip_hex(param(req, "X-Amz-Signature")))
    raise AssertionError(what)


MUTATIONS = ["method", "path", "query", "signed-header", "body", "date", "region", "signature"]


@pytest.mark.parametrize("what", MUTATIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_vector_mutation_rejected(case, what) -> None:
    with pytest.raises(SigV4Error) as info:
        _verify_case(case, _mutate(case, what))
    assert info.value.error_type == "InvalidSignatureException"
    if what == "region":
        assert info.value.message == "Credential should be scoped to a valid region. "
    else:
        assert info.value.message.startswith(verifier.MISMATCH_PREFIX)


def test_presigned_token_may_be_added_after_signing_but_must_still_match_the_key() -> None:
    (case,) = [c for c in CASES if c.name == "post-sts-header-after[query]"]
    _verify_case(case)  # the official vector: token appended after signing
    other = dataclasses.replace(case.credential, session_token="some-other-token")
    with pytest.raises(SigV4Error) as info:
        verify(
            case.request,
            region=case.region,
            service=case.service,
            now=case.now,
            lookup=lambda key: other,
        )
    assert info.value.error_type == "UnrecognizedClientException"


# --------------------------------------------------------------------------------------------
# Real signing clients
# --------------------------------------------------------------------------------------------
TRICKY_PARAMS = [("q", "a+b"), ("r", "a b"), ("rep", "2"), ("rep", "1"), ("t", "x:y"), ("e", "")]
SIGNED_BY_CLIENTS = {
    "aws4auth-get": lambda: clients.aws4auth("GET", "/dev/demo"),
    "aws4auth-tricky-path-query": lambda: clients.aws4auth(
        "GET", "/dev/a b/ü:x+y", params=TRICKY_PARAMS
    ),
    "aws4auth-post-body": lambda: clients.aws4auth(
        "POST", "/dev/demo", body=b'{"n": 1}', headers={"Content-Type": "application/json"}
    ),
    "botocore-header-get": lambda: clients.botocore_header("GET", "/dev/demo"),
    "botocore-header-tricky": lambda: clients.botocore_header(
        "GET", "/dev/a%20b/%C3%BC:x+y/%E2%82%AC", params=TRICKY_PARAMS
    ),
    "botocore-header-post-body": lambda: clients.botocore_header(
        "POST", "/dev/demo", body=b"name=a+b&x=%20", headers={"Content-Type": "text/plain"}
    ),
    "botocore-presigned-get": lambda: clients.botocore_presigned("GET", "/dev/demo"),
    "botocore-presigned-tricky": lambda: clients.botocore_presigned(
        "GET", "/dev/a%20b/%C3%BC:x+y?q=a%2Bb&r=a%20b&t=x%3Ay"
    ),
    # (SigV4QueryAuth moves a body into the query, so presigned bodies are covered by the
    # official post-x-www-form-urlencoded vectors instead.)
    "botocore-presigned-delete": lambda: clients.botocore_presigned("DELETE", "/dev/items/1"),
}


@pytest.mark.parametrize("name", list(SIGNED_BY_CLIENTS))
def test_real_client_accepted_and_tamper_refused(name) -> None:
    req, at = SIGNED_BY_CLIENTS[name]()
    caller = accepted(req, at)
    assert caller.credential == clients.CREDENTIAL
    assert caller.form == ("query" if "presigned" in name else "header")
    for tampered in (
        dataclasses.replace(req, raw_path=req.raw_path + "x"),
        dataclasses.replace(req, body=req.body + b"!"),
        dataclasses.replace(req, method="PUT"),
        with_param(req, "injected", "1"),
    ):
        assert refused(tampered, at).error_type == "InvalidSignatureException"


def test_client_that_signs_user_agent_is_accepted_though_botocore_would_skip_it() -> None:
    req, at = clients.aws4auth(
        "GET",
        "/dev/demo",
        headers={"User-Agent": "guest-app/1.0"},
        include_hdrs=["host", "user-agent", "x-amz-*"],
    )
    assert "user-agent" in accepted(req, at).signed_headers
    # Why the verifier selects headers itself: botocore's own selection drops user-agent.
    stock = SigV4Auth(Credentials("a", "b"), "execute-api", "us-east-1")
    probe = AWSRequest("GET", "https://h/", headers={"User-Agent": "x", "Host": "h"})
    assert "user-agent" not in stock.headers_to_sign(probe)
    # ...and the signed User-Agent is really bound to the signature.
    changed = with_header(req, "User-Agent", "guest-app/2.0")
    assert refused(changed, at).error_type == "InvalidSignatureException"


def test_unsigned_headers_may_change_freely() -> None:
    req, at = clients.botocore_header("GET", "/dev/demo")
    accepted(with_header(req, "X-Forwarded-For", "203.0.113.9"), at)


def test_raw_path_must_not_be_unquoted_before_verifying() -> None:
    req, at = clients.botocore_header("GET", "/dev/a%20b/%C3%BC")
    accepted(req, at)
    decoded = dataclasses.replace(req, raw_path=unquote(req.raw_path))
    assert refused(decoded, at).error_type == "InvalidSignatureException"


@pytest.mark.parametrize("suffix", ["#frag", "\t", "\r\n"])
def test_characters_urlsplit_would_drop_stay_in_the_path(suffix) -> None:
    req, at = clients.botocore_header("GET", "/dev/demo")
    accepted(req, at)
    assert refused(dataclasses.replace(req, raw_path="/dev/demo" + suffix), at).error_type == (
        "InvalidSignatureException"
    )


def test_query_plus_and_percent20_are_the_same_space_but_not_a_plus() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo", params=[("q", "a b")])
    assert req.raw_query == "q=a+b"  # requests writes a space as '+'
    accepted(req, at)
    accepted(dataclasses.replace(req, raw_query="q=a%20b"), at)
    assert refused(dataclasses.replace(req, raw_query="q=a%2Bb"), at).error_type == (
        "InvalidSignatureException"
    )


def test_duplicate_authorization_headers_are_refused() -> None:
    req, at = clients.botocore_header("GET", "/dev/demo")
    auth = header(req, "Authorization")
    doubled = dataclasses.replace(req, headers=(*req.headers, ("Authorization", auth)))
    err = refused(doubled, at)
    assert err.error_type == "IncompleteSignatureException"
    assert err.message == "Only one Authorization header is allowed."


def test_cached_signing_key_gives_botocore_own_signature() -> None:
    creds = ReadOnlyCredentials("AKID", "secret/key+1", None)
    ours = verifier.ReceivedRequestSigner(creds, "execute-api", "eu-west-1", frozenset({"host"}))
    stock = SigV4Auth(creds, "execute-api", "eu-west-1")
    for day in ("20261126", "20261127", "20261126"):
        request = AWSRequest("GET", "https://h/")
        request.context["timestamp"] = f"{day}T000000Z"
        assert ours.signature("string to sign", request) == stock.signature(
            "string to sign", request
        )


# --------------------------------------------------------------------------------------------
# Each refusal: exact type, message and gateway response
# --------------------------------------------------------------------------------------------
def test_unsigned_request_is_missing_authentication_token() -> None:
    signed, at = clients.botocore_header("GET", "/dev/demo")
    accepted(signed, at)
    unsigned = with_header(signed, "Authorization", None)
    assert not has_signature(unsigned)
    err = refused(unsigned, at)
    assert (err.error_type, err.message, *gateway_answer(err)) == (
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
        "MISSING_AUTHENTICATION_TOKEN",
        403,
    )


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ((("authorization", "AWS4-HMAC-SHA256 x"),), "", True),
        ((("Authorization", "   "),), "", False),
        ((), "X-Amz-Signature=abc", True),
        ((), "a=1&X-Amz-Credential=AKID%2F20261126", True),
        ((), "x-amz-signature=abc", False),  # AWS query parameter names are case-sensitive
        ((("X-Amz-Date", "20261126T000000Z"),), "X-Amz-Date=1", False),
    ],
)
def test_has_signature(headers, query, expected) -> None:
    req = IncomingRequest("GET", "/dev/demo", query, headers, b"", "h")
    assert has_signature(req) is expected


def _partial_auth(req: IncomingRequest, drop: str) -> str:
    auth = header(req, "Authorization")
    algorithm, _, rest = auth.partition(" ")
    parts = [p.strip() for p in rest.split(",") if not p.strip().startswith(drop + "=")]
    return f"{algorithm} {', '.join(parts)}"


@pytest.mark.parametrize("drop", ["Credential", "SignedHeaders", "Signature"])
def test_incomplete_authorization_names_the_missing_part(drop) -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    accepted(req, at)
    signature = header(req, "Authorization").rsplit("Signature=", 1)[1]
    value = _partial_auth(req, drop)
    err = refused(with_header(req, "Authorization", value), at)
    shown = value.replace(signature, "<redacted>")
    assert err.error_type == "IncompleteSignatureException"
    assert gateway_answer(err)[0] == "INVALID_SIGNATURE"
    assert err.message == f"Authorization header requires '{drop}' parameter. Authorization={shown}"
    assert signature not in err.message


def test_incomplete_authorization_without_any_date() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    undated = with_header(req, "X-Amz-Date", None)
    err = refused(undated, at)
    auth = header(req, "Authorization")
    signature = auth.rsplit("Signature=", 1)[1]
    assert err.message == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={auth.replace(signature, '<redacted>')}"
    )
    # A Date header satisfies the date requirement (only the removed Signature is reported).
    dated = with_header(
        with_header(undated, "Date", "Thu, 26 Nov 2026 10:00:00 GMT"),
        "Authorization",
        _partial_auth(req, "Signature"),
    )
    assert refused(dated, at).message.startswith(
        "Authorization header requires 'Signature' parameter. Authorization="
    )


def test_bearer_token_in_authorization_is_refused_without_echoing_it() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJndWVzdCJ9.c2VjcmV0LXNpZ25hdHVyZQ"
    err = refused(with_header(req, "Authorization", f"Bearer {jwt}"), at)
    assert err.error_type == "IncompleteSignatureException"
    # AWS's current wording: the header named only by its SHA-256, base64 (public captures).
    digest = base64.b64encode(hashlib.sha256(f"Bearer {jwt}".encode()).digest()).decode()
    assert err.message == (
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
        f"SHA-256 and encoded with Base64): '{digest}'."
    )
    assert jwt not in err.message
    err = refused(with_header(req, "Authorization", jwt), at)
    assert err.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. Authorization=<redacted>"
    )
    assert jwt not in err.message and jwt not in str(err)


def test_a_repeated_signature_part_is_refused_not_first_wins() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    accepted(req, at)
    auth = header(req, "Authorization")
    # The valid signature first, a forged one second: before, the first one won.
    doubled = with_header(req, "Authorization", auth + ", Signature=" + "0" * 64)
    err = refused(doubled, at)
    assert err.error_type == "IncompleteSignatureException"
    assert "more than one 'Signature' parameter" in err.message


def test_duplicate_x_amz_date_headers_are_named_as_such() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    stamp = header(req, "X-Amz-Date")
    doubled = dataclasses.replace(req, headers=(*req.headers, ("X-Amz-Date", stamp)))
    err = refused(doubled, at)
    assert (err.error_type, err.message) == (
        "IncompleteSignatureException",
        "Only one X-Amz-Date header is allowed.",
    )


def test_unsupported_algorithm_is_incomplete() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    auth = header(req, "Authorization").replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1)
    err = refused(with_header(req, "Authorization", auth), at)
    assert err.error_type == "IncompleteSignatureException"
    assert "AWS4-HMAC-SHA512" in err.message


@pytest.mark.parametrize(
    ("region", "service", "message"),
    [
        ("us-west-2", "execute-api", "Credential should be scoped to a valid region. "),
        ("us-east-1", "lambda", "Credential should be scoped to correct service: 'execute-api'. "),
        (
            "eu-west-1",
            "s3",
            "Credential should be scoped to a valid region. "
            "Credential should be scoped to correct service: 'execute-api'. ",
        ),
    ],
)
def test_wrong_scope_region_or_service(region, service, message) -> None:
    good, at = clients.aws4auth("GET", "/dev/demo")
    accepted(good, at)
    req, at = clients.aws4auth("GET", "/dev/demo", region=region, service=service)
    err = refused(req, at)
    assert (err.error_type, err.message, gateway_answer(err)[0]) == (
        "InvalidSignatureException",
        message,
        "INVALID_SIGNATURE",
    )


def test_scope_date_must_be_the_day_of_x_amz_date() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo", amz_date="20261126T100000Z")
    accepted(req, at)
    auth = header(req, "Authorization").replace("/20261126/", "/20261125/")
    err = refused(with_header(req, "Authorization", auth), at)
    assert err.error_type == "InvalidSignatureException"
    assert err.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20261125' != '20261126', from '20261126T100000Z'. "
    )


def test_malformed_credential() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    auth = header(req, "Authorization").replace("/execute-api/aws4_request", "", 1)
    err = refused(with_header(req, "Authorization", auth), at)
    assert err.error_type == "IncompleteSignatureException"
    assert err.message.startswith("Credential must have exactly 5 slash-delimited elements")


def test_signature_expired_has_aws_wording_and_boundary() -> None:
    req, _ = clients.aws4auth("GET", "/dev/demo", amz_date="20261126T100000Z")
    accepted(req, datetime(2026, 11, 26, 10, 5, 0, tzinfo=UTC))  # exactly 5 min: still fine
    err = refused(req, datetime(2026, 11, 26, 10, 10, 1, tzinfo=UTC))
    assert (err.error_type, gateway_answer(err)[0]) == (
        "InvalidSignatureException",
        "INVALID_SIGNATURE",
    )
    # The example of docs/aws-behaviour.md#sigv4-refusals, character for character.
    assert err.message == (
        "Signature expired: 20261126T100000Z is now earlier than 20261126T100501Z "
        "(20261126T101001Z - 5 min.)"
    )


def test_signature_not_yet_current_has_aws_wording_and_boundary() -> None:
    req, _ = clients.aws4auth("GET", "/dev/demo", amz_date="20261126T100000Z")
    accepted(req, datetime(2026, 11, 26, 9, 55, 0, tzinfo=UTC))
    err = refused(req, datetime(2026, 11, 26, 9, 54, 59, tzinfo=UTC))
    assert err.error_type == "InvalidSignatureException"
    assert err.message == (
        "Signature not yet current: 20261126T100000Z is still later than 20261126T095959Z "
        "(20261126T095459Z + 5 min.)"
    )


def test_presigned_url_keeps_the_fixed_window_by_default() -> None:
    # Services other than S3 are reported to ignore X-Amz-Expires (docs/aws-behaviour.md).
    req, at = clients.botocore_presigned("GET", "/dev/demo", expires=60)
    accepted(req, at + timedelta(minutes=5))  # past X-Amz-Expires, inside the window
    err = refused(req, at + timedelta(minutes=5, seconds=1))
    assert err.message.startswith("Signature expired:")
    assert err.message.endswith(" - 5 min.)")
    long_lived, at = clients.botocore_presigned("GET", "/dev/demo", expires=3600)
    assert refused(long_lived, at + timedelta(minutes=6)).message.startswith("Signature expired:")


def test_presigned_url_can_live_for_its_x_amz_expires() -> None:
    req, at = clients.botocore_presigned("GET", "/dev/demo", expires=60)
    accepted(req, at + timedelta(seconds=60), honour_expires=True)
    now = at + timedelta(seconds=61)
    err = refused(req, now, honour_expires=True)
    fmt = "%Y%m%dT%H%M%SZ"
    assert err.error_type == "InvalidSignatureException"
    assert err.message == (
        f"Signature expired: {at.strftime(fmt)} is now earlier than "
        f"{(at + timedelta(seconds=1)).strftime(fmt)} ({now.strftime(fmt)} - 60 sec.)"
    )
    long_lived, at = clients.botocore_presigned("GET", "/dev/demo", expires=3600)
    accepted(long_lived, at + timedelta(minutes=59), honour_expires=True)
    # A presigned URL from the future is refused like a header signature from the future.
    assert refused(req, at - timedelta(minutes=5, seconds=1)).message.startswith(
        "Signature not yet current:"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "X-Amz-Expires should be a number"),
        ("-1", "X-Amz-Expires must be non-negative"),
        ("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
    ],
)
def test_presigned_expires_must_be_sane(value, message) -> None:
    req, at = clients.botocore_presigned("GET", "/dev/demo")
    err = refused(with_param(req, "X-Amz-Expires", value), at)
    assert (err.error_type, err.message) == ("IncompleteSignatureException", message)


def test_presigned_url_missing_parameters() -> None:
    req, at = clients.botocore_presigned("GET", "/dev/demo")
    stripped = with_param(with_param(req, "X-Amz-Signature", None), "X-Amz-Date", None)
    assert has_signature(stripped)  # X-Amz-Credential is still there
    err = refused(stripped, at)
    assert err.error_type == "IncompleteSignatureException"
    assert err.message == (
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-Date'. "
        "Re-examine the query-string parameters."
    )
    wrong_alg = with_param(req, "X-Amz-Algorithm", "AWS4-HMAC-SHA1")
    assert refused(wrong_alg, at).message == 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'


def test_host_must_be_signed() -> None:
    req, at = clients.aws4auth("GET", "/dev/demo")
    auth = header(req, "Authorization")
    signed_headers = auth.split("SignedHeaders=")[1].split(",")[0]
    without_host = ";".join(h for h in signed_headers.split(";") if h != "host")
    err = refused(with_header(req, "Authorization", auth.replace(signed_headers, without_host)), at)
    assert (
        err.message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    )


INVALID_TOKEN = "The security token included in the request is invalid."


def test_unknown_access_key_is_unrecognized_client() -> None:
    req, at = clients.botocore_header("GET", "/dev/demo")
    accepted(req, at)
    err = refused(req, at, lookup=lambda key: None)
    assert (err.error_type, err.message, *gateway_answer(err)) == (
        "UnrecognizedClientException",
        INVALID_TOKEN,
        "DEFAULT_4XX",
        403,
    )


@pytest.mark.parametrize("form", ["header", "query"])
def test_session_token_must_belong_to_the_key(form) -> None:
    sign = clients.botocore_header if form == "header" else clients.botocore_presigned
    req, at = sign("GET", "/dev/demo")
    accepted(req, at)
    other = dataclasses.replace(clients.CREDENTIAL, session_token="another-sessions-token")
    err = refused(req, at, lookup=lambda key: other)
    assert (err.error_type, err.message) == ("UnrecognizedClientException", INVALID_TOKEN)
    # A long-term key (no token on record) must not come with one either...
    longterm = dataclasses.replace(clients.CREDENTIAL, session_token=None)
    assert refused(req, at, lookup=lambda key: longterm).error_type == "UnrecognizedClientException"
    # ...and temporary keys are useless without their token.
    tokenless, at2 = sign("GET", "/dev/demo", credential=longterm)
    accepted(tokenless, at2, lookup=lambda key: longterm)
    assert refused(tokenless, at2).error_type == "UnrecognizedClientException"


def test_expired_credentials() -> None:
    req, at = clients.botocore_header("GET", "/dev/demo")

    def store(expiration):
        return lambda key: dataclasses.replace(clients.CREDENTIAL, expiration=expiration)

    accepted(req, at, lookup=store(at + timedelta(seconds=1)))
    err = refused(req, at, lookup=store(at))
    assert (err.error_type, err.message, gateway_answer(err)[0]) == (
        "ExpiredTokenException",
        "The security token included in the request is expired",
        "EXPIRED_TOKEN",
    )


def test_content_sha256_header_must_match_the_body_received() -> None:
    body = b'{"amount": 1}'
    digest = hashlib.sha256(body).hexdigest()
    req, at = clients.botocore_header(
        "POST", "/dev/demo", body=body, headers={"X-Amz-Content-Sha256": digest}
    )
    accepted(req, at)
    swapped = dataclasses.replace(req, body=b'{"amount": 1000000}')

    # The bite: stock botocore trusts the header, so a naive recomputation over the swapped
    # body reproduces the client's signature exactly.
    signed_names = header(req, "Authorization").split("SignedHeaders=")[1].split(",")[0]
    naive = AWSRequest(
        "POST",
        f"https://{clients.HOST}/dev/demo",
        data=swapped.body,
        headers={n: v for n, v in swapped.headers if n.lower() in signed_names.split(";")},
    )
    naive.context["timestamp"] = header(req, "X-Amz-Date")
    stock = SigV4Auth(
        Credentials(
            clients.CREDENTIAL.access_key_id,
            clients.CREDENTIAL.secret_access_key,
            clients.CREDENTIAL.session_token,
        ),
        "execute-api",
        "us-east-1",
    )
    naive_sig = stock.signature(stock.string_to_sign(naive, stock.canonical_request(naive)), naive)
    assert header(req, "Authorization").endswith(f"Signature={naive_sig}")

    err = refused(swapped, at)
    assert err.error_type == "InvalidSignatureException"
    real = hashlib.sha256(swapped.body).hexdigest()
    assert f"x-amz-content-sha256:{real}\n" in err.message
    assert err.message.split("'\n\nThe String-to-Sign")[0].endswith(f"\n{real}")
    assert digest not in err.message


def test_unsigned_content_sha256_header_that_lies_is_refused() -> None:
    req, at = clients.aws4auth(
        "POST", "/dev/demo", body=b"abc", include_hdrs=["host", "x-amz-date"]
    )
    assert "x-amz-content-sha256" not in accepted(req, at).signed_headers
    lying = with_header(req, "X-Amz-Content-Sha256", hashlib.sha256(b"other").hexdigest())
    assert refused(lying, at).error_type == "InvalidSignatureException"


def test_signature_mismatch_message_shape() -> None:
    req, at = clients.botocore_header("GET", "/dev/demo", params=[("a", "1")])
    auth = header(req, "Authorization")
    sig = auth.rsplit("Signature=", 1)[1]
    err = refused(with_header(req, "Authorization", auth.replace(sig, flip_hex(sig))), at)
    assert err.message.startswith(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation "
        "for details.\n\nThe Canonical String for this request should have been\n'GET\n/dev/demo\na=1\n"
    )
    stamp = header(req, "X-Amz-Date")
    assert f"\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n{stamp}\n" in err.message
    assert err.message.endswith("'\n")
    assert gateway_answer(err) == ("INVALID_SIGNATURE", 403)


def test_errors_never_carry_the_secret_and_log_text_carries_no_credential_material() -> None:
    req, at = clients.botocore_header("GET", "/dev/demo")
    sig = header(req, "Authorization").rsplit("Signature=", 1)[1]
    errors = [
        refused(
            with_header(
                req, "Authorization", header(req, "Authorization").replace(sig, flip_hex(sig))
            ),
            at,
        ),
        refused(with_header(req, "Authorization", _partial_auth(req, "Credential")), at),
        refused(req, at + timedelta(minutes=6)),
        refused(req, at, lookup=lambda key: None),
        refused(
            req, at, lookup=lambda key: dataclasses.replace(clients.CREDENTIAL, session_token="x")
        ),
    ]
    secret, token = clients.CREDENTIAL.secret_access_key, clients.CREDENTIAL.session_token
    for err in errors:
        assert secret not in err.message
        for text in (str(err), err.reason):
            assert secret not in text and token not in text and sig not in text
    assert secret not in repr(clients.CREDENTIAL) and token not in repr(clients.CREDENTIAL)


def test_naive_now_is_a_programming_error() -> None:
    req, at = clients.botocore_header("GET", "/dev/demo")
    with pytest.raises(ValueError):
        verify(req, region="us-east-1", now=at.replace(tzinfo=None), lookup=clients.lookup)


# --------------------------------------------------------------------------------------------
# Property: no mutation of a signed part is ever accepted
# --------------------------------------------------------------------------------------------
def _base_requests():
    at = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
    header_req, _ = clients.aws4auth(
        "POST",
        "/dev/items/a b",
        params=[("q", "x y"), ("q", "1")],
        body=b'{"k": "v"}',
        headers={"Content-Type": "application/json"},
        amz_date="20261126T100000Z",
    )
    vector = next(c for c in CASES if c.name == "get-vanilla-query-order-key-case[query]")
    return [
        (header_req, at, clients.lookup, "execute-api"),
        (vector.request, vector.now, _vector_lookup(vector), vector.service),
    ]


BASES = _base_requests()
ALNUM = st.sampled_from("abcXYZ019")


@st.composite
def mutated(draw):
    req, now, lookup, service = draw(st.sampled_from(BASES))
    kind = draw(
        st.sampled_from(
            [
                "method",
                "path",
                "query-add",
                "query-value",
                "query-drop",
                "header-value",
                "header-drop",
                "body",
                "signature",
            ]
        )
    )
    if kind == "method":
        new = draw(
            st.sampled_from(
                [m for m in ("GET", "PUT", "POST", "DELETE", "PATCH") if m != req.method]
            )
        )
        req = dataclasses.replace(req, method=new)
    elif kind == "path":
        pos = draw(st.integers(1, len(req.raw_path)))
        req = dataclasses.replace(
            req, raw_path=req.raw_path[:pos] + draw(ALNUM) + req.raw_path[pos:]
        )
    elif kind == "query-add":
        req = dataclasses.replace(
            req,
            raw_query="&".join(p for p in (req.raw_query, f"{draw(ALNUM)}z={draw(ALNUM)}") if p),
        )
    elif kind in ("query-value", "query-drop"):
        pieces = req.raw_query.split("&")
        i = draw(st.integers(0, len(pieces) - 1))
        if kind == "query-drop":
            del pieces[i]
        else:
            pieces[i] = pieces[i] + draw(ALNUM)
        req = dataclasses.replace(req, raw_query="&".join(pieces))
    elif kind in ("header-value", "header-drop"):
        auth = header(req, "Authorization")
        signed = (
            auth.split("SignedHeaders=")[1].split(",")[0].split(";")
            if auth
            else unquote(param(req, "X-Amz-SignedHeaders")).split(";")
        )
        name = draw(st.sampled_from(signed))
        value = header(req, name)
        req = with_header(req, name, None if kind == "header-drop" else value + draw(ALNUM))
    elif kind == "body":
        req = dataclasses.replace(req, body=req.body + draw(ALNUM).encode())
    else:
        auth = header(req, "Authorization")
        if auth:
            sig = auth.rsplit("Signature=", 1)[1]
            i = draw(st.integers(0, len(sig) - 1))
            ch = draw(st.sampled_from([c for c in "0123456789abcdef" if c != sig[i]]))
            req = with_header(req, "Authorization", auth.replace(sig, sig[:i] + ch + sig[i + 1 :]))
        else:
            sig = param(req, "X-Amz-Signature")
            i = draw(st.integers(0, len(sig) - 1))
            ch = draw(st.sampled_from([c for c in "0123456789abcdef" if c != sig[i]]))
            req = with_param(req, "X-Amz-Signature", sig[:i] + ch + sig[i + 1 :])
    return req, now, lookup, service


def test_property_bases_are_valid() -> None:
    for req, now, lookup, service in BASES:
        verify(req, region="us-east-1", service=service, now=now, lookup=lookup)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_no_mutation_of_a_signed_part_is_accepted(example) -> None:
    req, now, lookup, service = example
    with pytest.raises(SigV4Error):
        verify(req, region="us-east-1", service=service, now=now, lookup=lookup)


def test_known_credential_record_is_what_the_store_returns() -> None:
    # The record the gateway gets back is the store's own object, not a copy with a new token.
    req, at = clients.botocore_header("GET", "/dev/demo")
    record = KnownCredential(**dataclasses.asdict(clients.CREDENTIAL))
    assert accepted(req, at, lookup=lambda key: record).credential is record
