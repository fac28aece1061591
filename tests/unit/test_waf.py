"""The offline stack's WAF: a web ACL deployed from template.yaml guards its stage, and its
per-IP rate rule on the unsigned /attest routes blocks a flood from one address while every
other address, and every other path, still gets through."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from guestapi.offline.apigateway import Gateway
from guestapi.offline.cfn.engine import load_stack
from guestapi.offline.credentials import CredentialStore
from guestapi.offline.waf import WebAclEvaluator
from guestapi.offline.waf.model import Rule, WebAcl
from guestapi.offline.waf.statements import matches
from guestapi.offline.wire import Request

CHALLENGE = "/dev/attest/challenge"


def _request(path: str, ip: str = "203.0.113.7", method: str = "POST") -> Request:
    return Request(method, path, "", (("Host", "localhost"),), b"", "localhost", ip)


def _by_path(path: str, position: str = "STARTS_WITH") -> dict:
    return {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": position,
            "SearchString": path,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def _rate_acl(limit: int, scope: dict | None = None) -> WebAcl:
    body: dict = {"Limit": limit, "AggregateKeyType": "IP", "EvaluationWindowSec": 60}
    if scope is not None:
        body["ScopeDownStatement"] = scope
    rule = Rule("per-ip", 0, "Block", {"RateBasedStatement": body})
    return WebAcl("Acl", "arn:acl", "acl", "Allow", (rule,))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_statements_match_as_written() -> None:
    challenge = _request(CHALLENGE)
    assert matches(_by_path("/dev/attest"), challenge)
    assert not matches(_by_path("/attest"), challenge)
    assert matches({"OrStatement": {"Statements": [_by_path("/x"), _by_path("/dev/")]}}, challenge)
    assert not matches(
        {"AndStatement": {"Statements": [_by_path("/x"), _by_path("/dev/")]}}, challenge
    )
    assert matches({"NotStatement": {"Statement": _by_path("/x")}}, challenge)
    assert matches(_by_path("challenge", "ENDS_WITH"), challenge)
    assert matches(_by_path("/attest/", "CONTAINS"), challenge)
    # A statement type the offline stack does not evaluate never matches.
    assert not matches({"GeoMatchStatement": {"CountryCodes": ["US"]}}, challenge)


def test_a_rate_rule_blocks_one_address_past_its_limit_for_its_window() -> None:
    clock = Clock()
    acl = WebAclEvaluator(_rate_acl(10, _by_path("/dev/attest")), monotonic=clock)
    verdicts = [acl.blocking_rule(_request(CHALLENGE)) for _ in range(12)]
    assert verdicts == [None] * 10 + ["per-ip", "per-ip"]
    # Another address, and another path from the flooding address, get through.
    assert acl.blocking_rule(_request(CHALLENGE, ip="198.51.100.1")) is None
    assert acl.blocking_rule(_request("/dev/demo", method="GET")) is None
    clock.now += 59  # still inside the 60 s window: every request counted, blocked too
    assert acl.blocking_rule(_request(CHALLENGE)) == "per-ip"
    clock.now += 61  # the window has passed
    assert acl.blocking_rule(_request(CHALLENGE)) is None


def test_rules_apply_by_priority_and_the_default_action_decides_the_rest() -> None:
    allow = Rule("let-demo", 0, "Allow", _by_path("/dev/demo"))
    block = Rule("no-dev", 1, "Block", _by_path("/dev/"))
    acl = WebAclEvaluator(WebAcl("Acl", "arn:acl", "acl", "Allow", (allow, block)))
    assert acl.blocking_rule(_request("/dev/demo")) is None
    assert acl.blocking_rule(_request("/dev/other")) == "no-dev"
    assert acl.blocking_rule(_request("/prod/x")) is None
    closed = WebAclEvaluator(WebAcl("Acl", "arn:acl", "closed", "Block", (allow,)))
    assert closed.blocking_rule(_request("/prod/x")) == "closed"


@pytest.fixture(scope="module")
def monitor_gateway(template_path: Path) -> Gateway:
    stack = load_stack(
        template_path,
        overrides={"AttestationMode": "monitor", "AttestWafRateLimit": "10"},
        warn=lambda _: None,
    )
    return Gateway(stack, CredentialStore(clock=lambda: datetime.now(UTC)))


def test_the_templates_attest_rule_guards_the_unsigned_routes_offline(monitor_gateway) -> None:
    answers = [monitor_gateway.handle(_request(CHALLENGE, ip="192.0.2.9")) for _ in range(12)]
    # The first ten reach API Gateway (and find no function here: no Lambda service wired);
    # the rest are WAF's, with the gateway response API Gateway gives a WAF block.
    assert all(a.status != 403 for a in answers[:10])
    for answer in answers[10:]:
        assert answer.status == 403
        assert answer.header("x-amzn-ErrorType") == "WAFFilteredException"
        assert answer.body == b'{"message":"Forbidden"}'
    assert monitor_gateway.handle(_request(CHALLENGE, ip="192.0.2.10")).status != 403
    # GET /demo from the flooding address is not WAF's to block: a plain unsigned refusal.
    demo = monitor_gateway.handle(_request("/dev/demo", ip="192.0.2.9", method="GET"))
    assert demo.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"


def test_without_the_rule_the_flood_goes_through(template_path: Path) -> None:
    # The protection removed (EnableAttestWafRule=false): nothing blocks the twelfth request.
    stack = load_stack(
        template_path,
        overrides={"AttestationMode": "monitor", "EnableAttestWafRule": "false"},
        warn=lambda _: None,
    )
    gateway = Gateway(stack, CredentialStore(clock=lambda: datetime.now(UTC)))
    answers = [gateway.handle(_request(CHALLENGE, ip="192.0.2.9")) for _ in range(12)]
    assert all(a.header("x-amzn-ErrorType") != "WAFFilteredException" for a in answers)
