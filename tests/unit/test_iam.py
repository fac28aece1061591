"""IAM evaluation rules, table by table, then the template's own guest policies.

Each rule is shown from both sides (a case that matches and one that does not), so a rule
that was never applied, or always applied, fails here.
"""

from __future__ import annotations

import copy

import pytest
from _iam_template import NAMES, guest_role, method_arn

from guestapi.cognito_session_policy import DOCUMENT
from guestapi.offline.iam import Decision, evaluate, evaluate_session, evaluate_trust
from guestapi.offline.iam.callers import Denied

INVOKE = "execute-api:Invoke"
DEMO = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/demo"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(**fields) -> dict:
    return {"Effect": "Allow", **fields}


def deny(**fields) -> dict:
    return {"Effect": "Deny", **fields}


def allowed(statement: dict, *, action=INVOKE, resource=DEMO, context=None) -> bool:
    return evaluate(
        [policy(statement)], action=action, resource=resource, context=context or {}
    ).allowed


# --------------------------------------------------------------------------------------------
# Decision precedence
# --------------------------------------------------------------------------------------------
def test_allow_beats_implicit_deny() -> None:
    grant = allow(Sid="InvokeDemo", Action=INVOKE, Resource=DEMO)
    decision = evaluate([policy(grant)], action=INVOKE, resource=DEMO)
    assert decision == Decision(True, False, grant, "allowed by statement 'InvokeDemo'")


def test_implicit_deny_when_nothing_matches() -> None:
    decision = evaluate(
        [policy(allow(Action="s3:GetObject", Resource="*"))], action=INVOKE, resource=DEMO
    )
    assert decision == Decision(False, False, None, f"no statement allows {INVOKE} on {DEMO}")
    assert evaluate([], action=INVOKE, resource=DEMO).allowed is False


@pytest.mark.parametrize("deny_first", [True, False])
def test_explicit_deny_beats_allow_in_any_order_and_any_policy(deny_first) -> None:
    grant = allow(Action="execute-api:*", Resource="*")
    refuse = deny(Action=INVOKE, Resource=DEMO)
    policies = [policy(refuse), policy(grant)] if deny_first else [policy(grant), policy(refuse)]
    decision = evaluate(policies, action=INVOKE, resource=DEMO)
    assert (decision.allowed, decision.explicit_deny, decision.matched) == (False, True, refuse)
    assert decision.reason.startswith("explicit deny by statement #1 of policy")
    # The same Deny on another resource leaves the Allow in force.
    elsewhere = evaluate(policies, action=INVOKE, resource=DEMO.replace("GET", "PUT"))
    assert (elsewhere.allowed, elsewhere.matched) == (True, grant)


def test_statement_may_be_a_single_object() -> None:
    doc = {"Version": "2012-10-17", "Statement": allow(Action=INVOKE, Resource=DEMO)}
    assert evaluate([doc], action=INVOKE, resource=DEMO).allowed
    assert not evaluate([doc], action=INVOKE, resource=DEMO + "x").allowed


# --------------------------------------------------------------------------------------------
# Action / NotAction, Resource / NotResource, wildcards
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("statement", "action", "expected"),
    [
        (allow(Action=INVOKE, Resource="*"), INVOKE, True),
        (allow(Action="EXECUTE-API:invoke", Resource="*"), INVOKE, True),  # case-insensitive
        (allow(Action=["s3:GetObject", INVOKE], Resource="*"), INVOKE, True),
        (allow(Action=["s3:GetObject"], Resource="*"), INVOKE, False),
        (allow(Action="execute-api:*", Resource="*"), INVOKE, True),
        (allow(Action="execute-api:Inv?ke", Resource="*"), INVOKE, True),
        (allow(Action="execute-api:Inv?", Resource="*"), INVOKE, False),
        (allow(Action="*", Resource="*"), INVOKE, True),
        (allow(Action="execute-api:ManageConnections", Resource="*"), INVOKE, False),
        (allow(NotAction="s3:*", Resource="*"), INVOKE, True),
        (allow(NotAction="execute-api:*", Resource="*"), INVOKE, False),
        (allow(NotAction=["s3:*", "EXECUTE-API:INVOKE"], Resource="*"), INVOKE, False),
    ],
)
def test_action_matching(statement, action, expected) -> None:
    assert allowed(statement, action=action) is expected


BASE = "arn:aws:execute-api:us-east-1:123456789012:abc123"


@pytest.mark.parametrize(
    ("resource_pattern", "resource", "expected"),
    [
        (f"{BASE}/dev/GET/demo", f"{BASE}/dev/GET/demo", True),
        (f"{BASE}/dev/GET/demo", f"{BASE}/dev/get/demo", False),  # resources are case-sensitive
        (f"{BASE}/dev/GET/demo/*", f"{BASE}/dev/GET/demo", False),  # amplify-cli#1905
        (f"{BASE}/dev/GET/demo/*", f"{BASE}/dev/GET/demo/x", True),
        (f"{BASE}/dev/*/demo", f"{BASE}/dev/POST/demo", True),
        (f"{BASE}/dev/*", f"{BASE}/dev/GET/a/b/c", True),  # '*' crosses '/'
        (f"{BASE}/?ev/GET/demo", f"{BASE}/dev/GET/demo", True),
        (f"{BASE}/?ev/GET/demo", f"{BASE}/prod/GET/demo", False),
        # fnmatch would read [dp] as a class; IAM has no classes, so it is literal text.
        (f"{BASE}/[dp]ev/GET/demo", f"{BASE}/dev/GET/demo", False),
        (f"{BASE}/[dp]ev/GET/demo", f"{BASE}/[dp]ev/GET/demo", True),
        ("arn:aws:execute-api:*:123456789012:abc123/dev/GET/demo", f"{BASE}/dev/GET/demo", True),
        ("*", f"{BASE}/dev/GET/demo", True),
        # Resource doc: a '*' inside a segment stays in it; a '*' ending a segment may run on.
        ("arn:aws:s3:::bucket*key", "arn:aws:s3:::bucket:x:key", False),
        ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket:x:key", True),
        ("arn:aws:execute-api:us-*-1:123456789012:abc123/*", f"{BASE}/dev/GET/demo", True),
        (
            "arn:aws:execute-api:us-*-1:123456789012:abc123/*",
            BASE.replace("us-east-1", "us-east-2") + "/x",
            False,
        ),
    ],
)
def test_resource_matching(resource_pattern, resource, expected) -> None:
    assert allowed(allow(Action=INVOKE, Resource=resource_pattern), resource=resource) is expected


def test_resource_list_and_not_resource() -> None:
    both = allow(Action=INVOKE, Resource=[f"{BASE}/dev/GET/a", f"{BASE}/dev/GET/demo"])
    assert allowed(both) and not allowed(both, resource=f"{BASE}/dev/GET/b")
    everything_but = allow(Action=INVOKE, NotResource=f"{BASE}/dev/POST/*")
    assert allowed(everything_but)
    assert not allowed(everything_but, resource=f"{BASE}/dev/POST/demo")


@pytest.mark.parametrize(
    "statement",
    [
        allow(Resource="*"),  # no Action
        allow(Action=INVOKE, NotAction="s3:*", Resource="*"),  # both
        allow(Action=INVOKE),  # no Resource
    ],
)
def test_malformed_statement_never_matches_and_is_reported(statement) -> None:
    decision = evaluate([policy(statement)], action=INVOKE, resource=DEMO)
    assert not decision.allowed
    assert "skipped: needs exactly one of" in decision.reason


def test_effect_must_be_allow_or_deny() -> None:
    decision = evaluate(
        [policy({"Effect": "allow", "Action": "*", "Resource": "*"})], action=INVOKE, resource=DEMO
    )
    assert not decision.allowed and "Effect must be Allow or Deny" in decision.reason


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------
def cond(block: dict, context: dict) -> bool:
    return allowed(allow(Action=INVOKE, Resource="*", Condition=block), context=context)


CONDITION_TABLE = [
    # operator, policy value(s), request value(s), expected
    ("StringEquals", "abc", "abc", True),
    ("StringEquals", "abc", "ABC", False),
    ("StringEquals", "a*", "abc", False),  # no wildcards in StringEquals
    ("StringNotEquals", "abc", "abd", True),
    ("StringNotEquals", "abc", "abc", False),
    ("StringEqualsIgnoreCase", "abc", "ABC", True),
    ("StringEqualsIgnoreCase", "abc", "ABD", False),
    ("StringNotEqualsIgnoreCase", "abc", "ABC", False),
    ("StringNotEqualsIgnoreCase", "abc", "xyz", True),
    ("StringLike", "a*c", "abbbc", True),
    ("StringLike", "a?c", "abc", True),
    ("StringLike", "a?c", "abbc", False),
    ("StringLike", "a[b]c", "abc", False),  # no character classes
    ("StringNotLike", "a*", "abc", False),
    ("StringNotLike", "a*", "xbc", True),
    ("NumericEquals", "10", "10.0", True),
    ("NumericEquals", "10", "11", False),
    ("NumericEquals", "10", "ten", False),
    ("NumericNotEquals", "10", "11", True),
    ("NumericNotEquals", "10", "10", False),
    ("NumericLessThan", "10", "9", True),
    ("NumericLessThan", "10", "10", False),
    ("NumericLessThanEquals", "10", "10", True),
    ("NumericLessThanEquals", "10", "11", False),
    ("NumericGreaterThan", "10", "11", True),
    ("NumericGreaterThan", "10", "10", False),
    ("NumericGreaterThanEquals", "10", "10", True),
    ("NumericGreaterThanEquals", "10", "9", False),
    ("DateEquals", "2026-11-26T10:00:00Z", "2026-11-26T10:00:00Z", True),
    ("DateEquals", "2026-11-26T10:00:00Z", "1795687200", True),  # epoch seconds
    ("DateNotEquals", "2026-11-26T10:00:00Z", "2026-11-26T10:00:01Z", True),
    ("DateLessThan", "2026-11-26T10:00:00Z", "2026-11-26T09:59:59Z", True),
    ("DateLessThan", "2026-11-26T10:00:00Z", "2026-11-26T10:00:00Z", False),
    ("DateLessThanEquals", "2026-11-26T10:00:00Z", "2026-11-26T10:00:00Z", True),
    ("DateGreaterThan", "2026-11-26", "2026-11-26T00:00:01Z", True),
    ("DateGreaterThan", "2026-11-26", "2026-11-25T23:59:59Z", False),
    ("DateGreaterThanEquals", "2026-11-26T10:00:00Z", "2026-11-26T10:00:00Z", True),
    ("DateLessThan", "2026-11-26T10:00:00Z", "not a date", False),
    ("Bool", "true", "true", True),
    ("Bool", True, "true", True),  # YAML/JSON booleans in the policy
    ("Bool", "true", "false", False),
    ("BinaryEquals", "QmluYXJ5", "QmluYXJ5", True),
    ("BinaryEquals", "QmluYXJ5", "QmluYXJ6", False),
    ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
    ("IpAddress", "203.0.113.0/24", "198.51.100.7", False),
    ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
    ("IpAddress", "203.0.113.0/24", "2001:db8::1", False),
    ("IpAddress", "203.0.113.0/24", "not-an-ip", False),
    ("NotIpAddress", "203.0.113.0/24", "198.51.100.7", True),
    ("NotIpAddress", "203.0.113.0/24", "203.0.113.7", False),
    (
        "ArnEquals",
        "arn:aws:iam::123456789012:role/guest",
        "arn:aws:iam::123456789012:role/guest",
        True,
    ),
    (
        "ArnEquals",
        "arn:aws:iam::123456789012:role/guest",
        "arn:aws:iam::123456789012:role/admin",
        False,
    ),
    ("ArnLike", "arn:aws:iam::*:role/g*", "arn:aws:iam::123456789012:role/guest", True),
    ("ArnLike", "arn:aws:iam::*:role/g*", "arn:aws:iam::123456789012:user/guest", False),
    ("ArnLike", "arn:aws:iam::*:role/*", "not-an-arn", False),
    # Arn* compare the six colon-separated parts one by one: a '*' never spans parts here.
    ("ArnLike", "arn:aws:*:role/guest", "arn:aws:iam::123456789012:role/guest", False),
    ("ArnLike", "arn:aws:iam::*:role/guest", "arn:aws:iam::123456789012:x:role/guest", False),
    ("ArnLike", "arn:aws:logs:*:*:log-group:*", "arn:aws:logs:us-east-1:1:log-group:g", True),
    (
        "ArnNotEquals",
        "arn:aws:iam::123456789012:role/guest",
        "arn:aws:iam::123456789012:role/admin",
        True,
    ),
    ("ArnNotLike", "arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/guest", False),
    ("ArnNotLike", "arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:user/guest", True),
]


@pytest.mark.parametrize(("operator", "policy_value", "request_value", "expected"), CONDITION_TABLE)
def test_condition_operator(operator, policy_value, request_value, expected) -> None:
    assert cond({operator: {"k:key": policy_value}}, {"k:key": request_value}) is expected


NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
    "ArnNotEquals",
    "ArnNotLike",
}


@pytest.mark.parametrize("operator", sorted({row[0] for row in CONDITION_TABLE}))
def test_missing_key_fails_positive_operators_and_satisfies_negated_ones(operator) -> None:
    assert cond({operator: {"k:key": "x"}}, {}) is (operator in NEGATED)
    # IfExists: an absent key never blocks the statement...
    assert cond({operator + "IfExists": {"k:key": "x"}}, {}) is True


def test_if_exists_still_applies_the_test_when_the_key_is_present() -> None:
    block = {"StringEqualsIfExists": {"aws:UserAgent": "guest-app/*"}}
    assert cond(
        {"StringLikeIfExists": {"aws:UserAgent": "guest-app/*"}}, {"aws:UserAgent": "guest-app/2"}
    )
    assert not cond(
        {"StringLikeIfExists": {"aws:UserAgent": "guest-app/*"}}, {"aws:UserAgent": "curl/8"}
    )
    assert not cond(block, {"aws:UserAgent": "guest-app/2"})  # StringEquals takes '*' literally


def test_null_operator() -> None:
    assert cond({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not cond({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "x"})
    assert cond({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "x"})
    assert not cond({"Null": {"aws:TokenIssueTime": False}}, {})


def test_condition_keys_are_case_insensitive() -> None:
    assert cond({"IpAddress": {"AWS:SourceIP": "203.0.113.0/24"}}, {"aws:sourceip": "203.0.113.9"})
    assert not cond(
        {"IpAddress": {"AWS:SourceIP": "203.0.113.0/24"}}, {"aws:sourceip": "192.0.2.1"}
    )


def test_several_values_are_or_keys_and_operators_are_and() -> None:
    values_or = {"StringEquals": {"k:a": ["x", "y"]}}
    assert cond(values_or, {"k:a": "y"}) and not cond(values_or, {"k:a": "z"})
    keys_and = {"StringEquals": {"k:a": "x", "k:b": "y"}}
    assert cond(keys_and, {"k:a": "x", "k:b": "y"})
    assert not cond(keys_and, {"k:a": "x", "k:b": "n"})
    ops_and = {"StringEquals": {"k:a": "x"}, "NumericLessThan": {"k:n": "5"}}
    assert cond(ops_and, {"k:a": "x", "k:n": "4"})
    assert not cond(ops_and, {"k:a": "x", "k:n": "6"})


@pytest.mark.parametrize(
    ("operator", "request_values", "expected"),
    [
        ("ForAnyValue:StringEquals", ["a", "z"], True),
        ("ForAnyValue:StringEquals", ["y", "z"], False),
        ("ForAnyValue:StringEquals", [], False),
        ("ForAnyValue:StringEquals", None, False),
        ("ForAllValues:StringEquals", ["a", "b"], True),
        ("ForAllValues:StringEquals", ["a", "z"], False),
        ("ForAllValues:StringEquals", [], True),  # vacuous truth, as IAM documents
        ("ForAllValues:StringEquals", None, True),
        ("ForAnyValue:StringLike", ["x", "b-suffix"], True),
        ("ForAllValues:StringNotEquals", ["y", "z"], True),
        ("ForAllValues:StringNotEquals", ["a", "z"], False),
        ("ForAnyValue:StringNotEquals", ["a", "z"], True),
        ("ForAnyValue:StringNotEquals", ["a", "b"], False),
        ("ForAnyValue:StringEqualsIfExists", None, True),
    ],
)
def test_set_operators(operator, request_values, expected) -> None:
    patterns = ["a", "b*"] if "Like" in operator else ["a", "b"]
    context = {} if request_values is None else {"k:tags": request_values}
    assert cond({operator: {"k:tags": patterns}}, context) is expected


def test_plain_operator_on_a_multivalued_key() -> None:
    assert cond({"StringEquals": {"k:tags": "a"}}, {"k:tags": ["z", "a"]})
    assert cond({"StringNotEquals": {"k:tags": "a"}}, {"k:tags": ["z", "y"]})
    assert not cond({"StringNotEquals": {"k:tags": "a"}}, {"k:tags": ["z", "a"]})


@pytest.mark.parametrize(
    "operator",
    ["StringEqualsTypo", "stringequals", "IfExists", "ForSomeValues:StringEquals", "NullIfExists"],
)
def test_unknown_operator_makes_the_statement_not_match_and_says_why(operator) -> None:
    good = allow(Sid="Good", Action=INVOKE, Resource="*", Condition={"StringEquals": {"k:a": "x"}})
    typo = copy.deepcopy(good) | {"Sid": "Typo", "Condition": {operator: {"k:a": "x"}}}
    assert allowed(good, context={"k:a": "x"})
    decision = evaluate([policy(typo)], action=INVOKE, resource=DEMO, context={"k:a": "x"})
    assert not decision.allowed
    assert (
        f"statement 'Typo' skipped: unsupported condition operator {operator!r}" in decision.reason
    )


def test_unknown_operator_in_a_deny_is_reported() -> None:
    refuse = deny(Sid="Broken", Action="*", Resource="*", Condition={"StringEqualz": {"k:a": "x"}})
    decision = evaluate(
        [policy(allow(Action="*", Resource="*"), refuse)], action=INVOKE, resource=DEMO
    )
    # The broken Deny cannot apply (documented limitation); the Allow decides, and the caller
    # can see from `matched` which statement it was.
    assert decision.allowed and decision.matched["Effect"] == "Allow"


def test_policy_variables_in_conditions_take_the_request_value() -> None:
    stmt = allow(
        Sid="Var",
        Action=INVOKE,
        Resource="*",
        Condition={"StringLike": {"k:path": "home/${aws:username}/*"}},
    )
    for who, allowed in (("alice", True), ("bob", False)):
        decision = evaluate(
            [policy(stmt)],
            action=INVOKE,
            resource=DEMO,
            context={"k:path": "home/alice/x", "aws:username": who},
        )
        assert decision.allowed is allowed


def test_first_matching_allow_is_the_one_reported() -> None:
    first, second = (
        allow(Sid="First", Action="*", Resource="*"),
        allow(Sid="Second", Action=INVOKE, Resource=DEMO),
    )
    decision = evaluate([policy(first, second)], action=INVOKE, resource=DEMO)
    assert (decision.matched, decision.reason) == (first, "allowed by statement 'First'")


SUB = "cognito-identity.amazonaws.com:sub"
OWN_ITEMS = "arn:aws:dynamodb:us-east-1:123456789012:table/T/${cognito-identity.amazonaws.com:sub}"


@pytest.mark.parametrize(
    ("context", "resource", "allowed"),
    [
        # AWS's fine-grained example: each identity reaches only its own key.
        (
            {SUB: "us-east-1:abc"},
            "arn:aws:dynamodb:us-east-1:123456789012:table/T/us-east-1:abc",
            True,
        ),
        (
            {SUB: "us-east-1:abc"},
            "arn:aws:dynamodb:us-east-1:123456789012:table/T/us-east-1:xyz",
            False,
        ),
        # No value and no default: the pattern matches nothing, not even the literal text.
        ({}, OWN_ITEMS, False),
        # Several values cannot fill one variable.
        ({SUB: ["a", "b"]}, "arn:aws:dynamodb:us-east-1:123456789012:table/T/a", False),
    ],
)
def test_policy_variables_in_resources(context, resource: str, allowed: bool) -> None:
    stmt = allow(Sid="Own", Action="dynamodb:GetItem", Resource=OWN_ITEMS)
    decision = evaluate(
        [policy(stmt)], action="dynamodb:GetItem", resource=resource, context=context
    )
    assert decision.allowed is allowed


def test_a_policy_variable_default_fills_an_absent_key() -> None:
    stmt = allow(Sid="D", Action=INVOKE, Resource="arn:aws:s3:::b/${aws:username, 'anon'}/x")
    assert evaluate([policy(stmt)], action=INVOKE, resource="arn:aws:s3:::b/anon/x").allowed
    present = {"aws:username": "alice"}
    assert evaluate(
        [policy(stmt)], action=INVOKE, resource="arn:aws:s3:::b/alice/x", context=present
    ).allowed
    assert not evaluate(
        [policy(stmt)], action=INVOKE, resource="arn:aws:s3:::b/anon/x", context=present
    ).allowed


# --------------------------------------------------------------------------------------------
# Trust policies
# --------------------------------------------------------------------------------------------
COGNITO = {"Federated": "cognito-identity.amazonaws.com"}
ASSUME = "sts:AssumeRoleWithWebIdentity"


@pytest.mark.parametrize(
    ("principal_element", "principal", "expected"),
    [
        ({"Federated": "cognito-identity.amazonaws.com"}, COGNITO, True),
        ({"Federated": ["accounts.google.com", "cognito-identity.amazonaws.com"]}, COGNITO, True),
        ({"Federated": "accounts.google.com"}, COGNITO, False),
        ({"Service": "cognito-identity.amazonaws.com"}, COGNITO, False),  # type matters
        ({"Federated": "cognito-identity.*"}, COGNITO, False),  # no wildcards in Principal
        ("*", COGNITO, True),
        ({"AWS": "*"}, {"AWS": "arn:aws:iam::123456789012:root"}, True),
    ],
)
def test_trust_principal(principal_element, principal, expected) -> None:
    doc = policy(allow(Principal=principal_element, Action=ASSUME))
    assert evaluate_trust(doc, principal=principal, action=ASSUME, context={}).allowed is expected


def test_trust_not_principal_and_missing_principal() -> None:
    doc = policy(allow(NotPrincipal={"Federated": "accounts.google.com"}, Action=ASSUME))
    assert evaluate_trust(doc, principal=COGNITO, action=ASSUME, context={}).allowed
    assert not evaluate_trust(
        doc, principal={"Federated": "accounts.google.com"}, action=ASSUME, context={}
    ).allowed
    nobody = policy(allow(Action=ASSUME))
    decision = evaluate_trust(nobody, principal=COGNITO, action=ASSUME, context={})
    assert not decision.allowed and "Principal / NotPrincipal" in decision.reason


def test_trust_explicit_deny_wins() -> None:
    doc = policy(allow(Principal="*", Action="sts:*"), deny(Principal=COGNITO, Action=ASSUME))
    decision = evaluate_trust(doc, principal=COGNITO, action=ASSUME, context={})
    assert (decision.allowed, decision.explicit_deny) == (False, True)


# --------------------------------------------------------------------------------------------
# The template's own guest role
# --------------------------------------------------------------------------------------------
TRUST, POLICIES = guest_role()
POOL = NAMES["IdentityPool"]


def test_template_policies_were_found() -> None:
    assert POLICIES and TRUST["Statement"]


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (method_arn("GET", "/demo"), True),
        (method_arn("POST", "/demo"), False),
        (method_arn("GET", "/demo/x"), False),
        (method_arn("GET", "/"), False),
        (method_arn("GET", "/demo", stage="prod"), False),
        (method_arn("GET", "/demo", api="zzzzzzzzzz"), False),
        (method_arn("GET", "/demo", region="eu-west-1"), False),
        (method_arn("GET", "/demo", account="210987654321"), False),
    ],
)
def test_guest_policy_invokes_exactly_get_demo(resource, expected) -> None:
    decision = evaluate(POLICIES, action=INVOKE, resource=resource)
    assert decision.allowed is expected
    if not expected:
        assert decision.reason == f"no statement allows {INVOKE} on {resource}"
    assert not evaluate(POLICIES, action="execute-api:ManageConnections", resource=resource).allowed


def trust_context(aud=POOL, amr=("unauthenticated",)) -> dict:
    context: dict = {}
    if aud is not None:
        context["cognito-identity.amazonaws.com:aud"] = aud
    if amr is not None:
        context["cognito-identity.amazonaws.com:amr"] = list(amr)
    return context


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (trust_context(), True),
        (trust_context(amr=["authenticated", "graph.facebook.com"]), False),
        (trust_context(amr=["authenticated"]), False),
        (trust_context(aud="us-east-1:99999999-9999-9999-9999-999999999999"), False),
        (trust_context(amr=None), False),
        (trust_context(amr=[]), False),
        (trust_context(aud=None), False),
    ],
)
def test_guest_trust_policy(context, expected) -> None:
    decision = evaluate_trust(TRUST, principal=COGNITO, action=ASSUME, context=context)
    assert decision.allowed is expected


def test_guest_trust_policy_refuses_other_principals_and_actions() -> None:
    ok = trust_context()
    assert evaluate_trust(TRUST, principal=COGNITO, action=ASSUME, context=ok).allowed
    assert not evaluate_trust(
        TRUST, principal={"Service": "lambda.amazonaws.com"}, action=ASSUME, context=ok
    ).allowed
    assert not evaluate_trust(TRUST, principal=COGNITO, action="sts:AssumeRole", context=ok).allowed


# --------------------------------------------------------------------------------------------
# Bite: widening the template's policies allows exactly what the narrow ones refused
# --------------------------------------------------------------------------------------------
def _widened(change) -> list[dict]:
    policies = copy.deepcopy(POLICIES)
    change(policies[0]["Statement"][0])
    return policies


@pytest.mark.parametrize(
    ("change", "resource"),
    [
        (
            lambda s: s.update(Resource=s["Resource"].replace("/GET/demo", "/*")),
            method_arn("POST", "/demo"),
        ),
        (lambda s: s.update(Resource=s["Resource"] + "/*"), method_arn("GET", "/demo/x")),
        (
            lambda s: s.update(Resource=s["Resource"].replace("/dev/", "/*/")),
            method_arn("GET", "/demo", stage="prod"),
        ),
        (
            lambda s: s.update(Action="execute-api:*", Resource="*"),
            method_arn("DELETE", "/admin", api="zzzzzzzzzz"),
        ),
    ],
)
def test_widened_identity_policy_allows_what_the_narrow_one_denied(change, resource) -> None:
    assert not evaluate(POLICIES, action=INVOKE, resource=resource).allowed
    assert evaluate(_widened(change), action=INVOKE, resource=resource).allowed


def test_widened_action_allows_other_execute_api_actions() -> None:
    resource = method_arn("GET", "/demo")
    assert not evaluate(POLICIES, action="execute-api:InvalidateCache", resource=resource).allowed
    wide = _widened(lambda s: s.update(Action="execute-api:*"))
    assert evaluate(wide, action="execute-api:InvalidateCache", resource=resource).allowed


@pytest.mark.parametrize(
    ("drop", "context"),
    [
        ("ForAnyValue:StringLike", trust_context(amr=["authenticated"])),
        ("StringEquals", trust_context(aud="us-east-1:99999999-9999-9999-9999-999999999999")),
    ],
)
def test_trust_conditions_are_what_refuses(drop, context) -> None:
    assert not evaluate_trust(TRUST, principal=COGNITO, action=ASSUME, context=context).allowed
    loose = copy.deepcopy(TRUST)
    del loose["Statement"][0]["Condition"][drop]
    assert evaluate_trust(loose, principal=COGNITO, action=ASSUME, context=context).allowed


def test_reads_context_tells_which_policies_need_the_request_context() -> None:
    from guestapi.offline.iam import reads_context

    plain = policy(allow(Sid="P", Action=INVOKE, Resource=DEMO))
    conditional = policy(
        allow(
            Sid="C",
            Action=INVOKE,
            Resource=DEMO,
            Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        )
    )
    variable = policy(allow(Sid="V", Action=INVOKE, Resource="arn:aws:s3:::b/${aws:username}"))
    assert reads_context([plain]) is False
    assert reads_context([plain, conditional]) is True
    assert reads_context([variable]) is True


# ---------------------------------------------------------------------- session policies
def _allow(action: str, resource: str = "*") -> dict:
    return {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def test_a_session_policy_intersects_with_the_role() -> None:
    role = (_allow("execute-api:Invoke"), _allow("polly:SynthesizeSpeech"))
    # Allowed by the role, not by Cognito's published guest policy: refused, and the session
    # policy is the one named.
    refused = evaluate_session(role, (DOCUMENT,), action="execute-api:Invoke", resource="arn:x")
    assert (refused.allowed, refused.explicit_deny, refused.policy_type) == (
        False,
        False,
        "session",
    )
    assert refused.reason.startswith("no session policy allows execute-api:Invoke")
    # Allowed by both: allowed. Allowed by the session policy only: the role refuses.
    both = evaluate_session(role, (DOCUMENT,), action="polly:SynthesizeSpeech", resource="*")
    assert both.allowed
    neither = evaluate_session(role, (DOCUMENT,), action="translate:TranslateText", resource="*")
    assert (neither.allowed, neither.policy_type) == (False, "identity-based")
    # Without session policies the role alone decides.
    assert evaluate_session(role, (), action="execute-api:Invoke", resource="arn:x").allowed


def test_an_explicit_deny_in_a_session_policy_wins() -> None:
    deny = {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    decision = evaluate_session(
        (_allow("dynamodb:GetItem"),), (deny,), action="dynamodb:GetItem", resource="arn:t"
    )
    assert (decision.allowed, decision.explicit_deny, decision.policy_type) == (
        False,
        True,
        "session",
    )
    message = Denied("arn:aws:sts::1:assumed-role/r/s", "dynamodb:GetItem", "arn:t", decision)
    assert message.message().endswith("with an explicit deny in a session policy")
    implicit = evaluate_session(
        (_allow("dynamodb:GetItem"),),
        (_allow("kms:Decrypt"),),
        action="dynamodb:GetItem",
        resource="arn:t",
    )
    assert (
        Denied("u", "dynamodb:GetItem", "arn:t", implicit)
        .message()
        .endswith("because no session policy allows the dynamodb:GetItem action")
    )
