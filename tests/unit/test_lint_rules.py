"""The project's cfn-lint rules (guestapi.lint_rules): each mistake in a copy of the template
makes its rule fail with a message naming the mistake; the template as shipped passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint_file
from cfnlint.config import ManualArgs

from _template_variants import write_variant

# Each test runs cfn-lint (in-process, 0.5-2 s a template): kept out of `make test`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
RULES = "guestapi.lint_rules"

GET_SUMMARY = "              summary: Tells the signed-in guest who it is.\n"
NO_AUTH = "              security:\n                - NONE: []\n"
RESOURCE = (
    'Resource: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:'
    '${Api}/${StageName}/GET/demo"'
)
AUD_LINES = (
    "              StringEquals:\n"
    "                cognito-identity.amazonaws.com:aud: !Ref IdentityPool\n"
)
AMR_LINES = (
    "              ForAnyValue:StringLike:\n"
    "                cognito-identity.amazonaws.com:amr: unauthenticated\n"
)
POST_DEMO = """              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": 200}'
                responses:
                  default:
                    statusCode: "200"
"""


def findings(template: Path, *, rules: bool = True) -> list[tuple[str, str]]:
    config = ManualArgs(append_rules=[RULES] if rules else [], regions=["us-east-1"])
    return [(m.rule.id, m.message) for m in lint_file(template, config=config)]


def ours(template: Path) -> list[tuple[str, str]]:
    return [(rule, message) for rule, message in findings(template) if rule.startswith("E91")]


def variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return write_variant(TEMPLATE, tmp_path, *edits)


def test_rules_load_through_append_rules():
    from cfnlint.rules import Rules

    loaded = Rules.create_from_module(RULES)
    assert sorted(loaded) == ["E9101", "E9102", "E9103", "E9104", "E9105", "E9106", "E9107"]


@pytest.mark.parametrize(
    "template",
    [TEMPLATE, ROOT / "examples" / "lambda-route" / "template.yaml"],
    ids=["project", "lambda-route"],
)
def test_shipped_templates_have_no_findings(template):
    assert findings(template) == []


# (name, edits, rule, words the message must hold)
MISTAKES = [
    (
        "a second method added but not granted",
        [
            (
                "          /demo:\n            get:\n",
                "          /demo:\n            post:\n" + POST_DEMO + "            get:\n",
            )
        ],
        "E9107",
        "Api: POST /demo is not granted to the guest role",
    ),
    (
        "auth removed from one method",
        [(GET_SUMMARY, GET_SUMMARY + NO_AUTH)],
        "E9101",
        "Api: GET /demo does not use AWS_IAM authorization",
    ),
    (
        "preflight authorized",
        [
            (
                "AddDefaultAuthorizerToCorsPreflight: false",
                "AddDefaultAuthorizerToCorsPreflight: true",
            )
        ],
        "E9102",
        "Api: OPTIONS /demo is authorized",
    ),
    (
        "policy widened to /*",
        [("/${StageName}/GET/demo", "/${StageName}/*")],
        "E9103",
        "its method is a wildcard",
    ),
    (
        "any stage",
        [("/${StageName}/GET/demo", "/*/GET/demo")],
        "E9103",
        "its stage is a wildcard",
    ),
    (
        "any API",
        [("${Api}/${StageName}/GET/demo", "*/${StageName}/GET/demo")],
        "E9103",
        "its api is a wildcard",
    ),
    (
        "execute-api:*",
        [("Action: execute-api:Invoke", "Action: execute-api:*")],
        "E9103",
        "allows the action wildcard 'execute-api:*'",
    ),
    (
        "NotResource",
        [(RESOURCE, RESOURCE.replace("Resource:", "NotResource:"))],
        "E9103",
        "allows with NotResource",
    ),
    (
        "aud dropped",
        [(AUD_LINES, "")],
        "E9104",
        "GuestRole: trust statement 0 does not pin cognito-identity.amazonaws.com:aud",
    ),
    (
        "aud widened to StringLike *",
        [
            (
                AUD_LINES,
                AUD_LINES.replace("StringEquals", "StringLike").replace("!Ref IdentityPool", '"*"'),
            )
        ],
        "E9104",
        "does not pin cognito-identity.amazonaws.com:aud",
    ),
    (
        "amr dropped",
        [(AMR_LINES, "")],
        "E9104",
        "does not pin cognito-identity.amazonaws.com:amr",
    ),
    (
        "classic flow on by default",
        [
            (
                'Default: "false"\n    AllowedValues: ["true", "false"]\n    Description: >-\n      Allow the basic',
                'Default: "true"\n    AllowedValues: ["true", "false"]\n    Description: >-\n      Allow the basic',
            )
        ],
        "E9105",
        "IdentityPool: AllowClassicFlow is true with the default parameters",
    ),
    (
        "DEFAULT_5XX without CORS",
        [
            (
                "        DEFAULT_5XX:\n          ResponseParameters:\n            Headers:\n"
                "              Access-Control-Allow-Origin: !Sub \"'${AllowedOrigin}'\"\n",
                "        DEFAULT_5XX:\n          ResponseParameters:\n            Headers:\n",
            )
        ],
        "E9106",
        "Api: gateway response DEFAULT_5XX lacks Access-Control-Allow-Origin",
    ),
]


@pytest.mark.parametrize(
    ("edits", "rule", "message"),
    [m[1:] for m in MISTAKES],
    ids=[m[0] for m in MISTAKES],
)
def test_each_mistake_fails_its_rule_with_a_message_naming_it(tmp_path, edits, rule, message):
    found = ours(variant(tmp_path, *edits))
    assert any(r == rule and message in m for r, m in found), found


def test_without_the_rules_cfn_lint_accepts_a_widened_policy(tmp_path):
    # The bite is the project's rules: cfn-lint's own rules find nothing wrong with `/*`.
    widened = variant(tmp_path, ("/${StageName}/GET/demo", "/${StageName}/*"))
    assert findings(widened, rules=False) == []
    assert ours(widened)


def test_a_public_mark_lets_one_method_go_without_auth(tmp_path):
    public = NO_AUTH + "              x-guestapi-public: true\n"
    assert ours(variant(tmp_path, (GET_SUMMARY, GET_SUMMARY + public))) == []


def test_a_second_method_added_and_granted_is_clean(tmp_path):
    post = "            post:\n" + POST_DEMO
    granted = variant(
        tmp_path,
        (
            "          /demo:\n            get:\n",
            "          /demo:\n" + post + "            get:\n",
        ),
        (
            RESOURCE,
            "Resource:\n"
            + "                  - "
            + RESOURCE.removeprefix("Resource: ")
            + "\n                  - "
            + RESOURCE.removeprefix("Resource: ").replace("/GET/demo", "/POST/demo"),
        ),
    )
    assert findings(granted) == []


ITEMS_ROUTE = "          /items/{id}:\n            get:\n" + POST_DEMO


def _with_items(tmp_path: Path, granted_tail: str) -> Path:
    arn = RESOURCE.removeprefix("Resource: ")
    return variant(
        tmp_path,
        ("          /demo:\n", ITEMS_ROUTE + "          /demo:\n"),
        (
            RESOURCE,
            f"Resource:\n                  - {arn}\n                  - "
            + arn.replace("/GET/demo", granted_tail),
        ),
    )


def test_a_path_parameter_is_granted_as_one_wildcard_segment(tmp_path):
    # API Gateway names the method by the called path, so /items/{id} is granted as items/*.
    assert findings(_with_items(tmp_path, "/GET/items/*")) == []


def test_a_wildcard_beyond_the_path_parameters_is_still_a_finding(tmp_path):
    found = ours(_with_items(tmp_path, "/GET/*"))
    assert any(rule == "E9103" and "its path is a wildcard" in m for rule, m in found), found
    assert any(rule == "E9107" and "GET /items/{id} is not granted" in m for rule, m in found)


def test_the_rules_read_templates_with_local_functions(tmp_path):
    # The lambda-route example has a local CodeUri, which the SAM translator refuses unless it is
    # staged first; before that fix every rule stayed silent on it. A widened guest policy there
    # must be a finding like anywhere else.
    example = ROOT / "examples" / "lambda-route" / "template.yaml"
    widened = write_variant(
        example,
        tmp_path,
        (
            ':${Api}/${StageName}/GET/whoami"',
            ':${Api}/${StageName}/*"',
        ),
    )
    found = ours(widened)
    assert any(rule == "E9103" for rule, _ in found), found


def test_the_rules_read_the_routes_a_mode_adds(tmp_path):
    # The /attest routes are `Fn::If`s on AttestationMode: the rules decide them at the defaults,
    # so with AttestationMode=enforce (lint.py's features-on copy) a route that lost its public
    # mark is a finding; at the default (off) the route does not exist, and there is none.
    unmarked = (
        "                x-guestapi-public: true\n                responses:\n"
        '                  "200":\n                    description: See docs/attestation.md.\n'
        "                x-amazon-apigateway-integration:\n                  type: aws_proxy\n"
        "                  httpMethod: POST\n"
        '                  uri: !Sub "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:'
        'path/2015-03-31/functions/${AttestationFunction.Arn}/invocations"\n'
        "            - !Ref AWS::NoValue\n          /attest:"
    )
    edits = [(unmarked, unmarked.replace("                x-guestapi-public: true\n", "", 1))]
    assert ours(variant(tmp_path, *edits)) == []  # off: not deployed, nothing to find
    enforce = ('    Default: "off"\n    AllowedValues: ["off", "monitor", "enforce"]',
               '    Default: enforce\n    AllowedValues: ["off", "monitor", "enforce"]')  # fmt: skip
    (tmp_path / "on").mkdir()
    found = ours(write_variant(TEMPLATE, tmp_path / "on", *edits, enforce))
    assert any(
        rule == "E9101" and "POST /attest/challenge does not use AWS_IAM" in message
        for rule, message in found
    ), found
    # The control: the shipped routes, enforce on, are clean.
    (tmp_path / "shipped").mkdir()
    assert ours(write_variant(TEMPLATE, tmp_path / "shipped", enforce)) == []
