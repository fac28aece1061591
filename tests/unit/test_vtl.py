"""Mapping templates rendered with airspeed and API Gateway's $context / $input / $util."""

from __future__ import annotations

import json
from pathlib import Path

import airspeed
import pytest

from guestapi.offline.apigateway import vtl
from guestapi.offline.apigateway.vtl import VtlError, VtlRequest, render
from guestapi.template.reading import read_template

IDENTITY_ID = "us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def demo_response_template(template_path: Path) -> str:
    """The GET /demo integration response template, as written in template.yaml."""
    _, document = read_template(template_path)
    get = document["Resources"]["Api"]["Properties"]["DefinitionBody"]["paths"]["/demo"]["get"]
    return get["x-amazon-apigateway-integration"]["responses"]["default"]["responseTemplates"][
        "application/json"
    ]


def guest_context() -> dict:
    return {
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "identity": {
            "cognitoIdentityId": IDENTITY_ID,
            "cognitoIdentityPoolId": POOL_ID,
            "cognitoAuthenticationType": "unauthenticated",
            "sourceIp": "127.0.0.1",
        },
    }


def test_demo_template_renders_json_with_the_callers_identity(demo_response_template: str) -> None:
    body = json.loads(render(demo_response_template, context=guest_context(), request=VtlRequest()))
    assert body["identityId"] == IDENTITY_ID
    assert body["authenticationType"] == "unauthenticated"
    assert body["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert body["message"].startswith("Hello, guest")


def test_missing_identity_fields_render_empty_not_as_the_reference(
    demo_response_template: str,
) -> None:
    context = {"requestId": "r-1", "identity": {"sourceIp": "127.0.0.1"}}
    body = json.loads(render(demo_response_template, context=context, request=VtlRequest()))
    assert body["identityId"] == ""
    assert body["authenticationType"] == ""
    # Without the quiet references, stock Velocity prints the reference's text instead: this is
    # what the renderer protects against.
    raw = airspeed.Template(demo_response_template).merge({"context": context})
    assert json.loads(raw)["identityId"] == "$context.identity.cognitoIdentityId"


def test_null_and_undefined_references_render_empty_everywhere() -> None:
    context = {"identity": {"user": None}, "authorizer": {}}
    template = "[$context.identity.user][$context.authorizer.principalId][$context.nope.deeper][$undefinedVar][${braced}]"
    assert render(template, context=context, request=VtlRequest()) == "[][][][][]"


def test_set_and_if_choose_the_status_code() -> None:
    template = (
        "#set($status = 400)\n"
        "#if($input.params('mode') == 'ok')#set($status = 200)"
        "#elseif($input.params('mode') == 'gone')#set($status = 410)#end\n"
        '{"statusCode": $status}'
    )
    for mode, status in (("ok", 200), ("gone", 410), ("other", 400)):
        rendered = render(template, context={}, request=VtlRequest(query={"mode": mode}))
        assert json.loads(rendered) == {"statusCode": status}


REQUEST = VtlRequest(
    body=b'{"a": {"b": [10, {"c": "deep"}]}, "name": "caf\xc3\xa9"}',
    path_params={"id": "from-path", "only_path": "p"},
    query={"id": "from-query", "q": "v"},
    headers={"X-Custom": "h", "id": "from-header"},
    stage_variables={"backend": "blue"},
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$input.body", REQUEST.body.decode()),
        ("$input.json('$')", '{"a":{"b":[10,{"c":"deep"}]},"name":"café"}'),
        ("$input.json('$.a.b')", '[10,{"c":"deep"}]'),
        ("$input.json('$.a.b[1]')", '{"c":"deep"}'),
        ("$input.json(\"$['a']['b'][0]\")", "10"),
        ("$input.json('$.missing')", ""),
        ("$input.path('$.a.b[1].c')", "deep"),
        ("$input.path('$.a.b').size()", "2"),
        ("#set($o = $input.path('$.a'))$o.b[0]", "10"),
        ("[$input.path('$.a.nope')]", "[]"),
        # Path, then query string, then header, as API Gateway documents.
        ("$input.params('id')", "from-path"),
        ("$input.params('q')", "v"),
        ("$input.params('x-custom')", "h"),
        ("[$input.params('absent')]", "[]"),
        ("$input.params().path.only_path", "p"),
        ("$input.params().querystring.q", "v"),
        ("$input.params().header.get('X-Custom')", "h"),
        (
            "#foreach($k in $input.params().querystring.keySet())$k=$input.params().querystring.get($k);#end",
            "id=from-query;q=v;",
        ),
        ("$stageVariables.backend", "blue"),
        ("$util.urlEncode('a b&c=d/é~*')", "a+b%26c%3Dd%2F%C3%A9%7E*"),
        ("$util.urlDecode('a+b%26c%3Dd%2F%C3%A9')", "a b&c=d/é"),
        ("$util.base64Encode('guest:é')", "Z3Vlc3Q6w6k="),
        ("$util.base64Decode('Z3Vlc3Q6w6k=')", "guest:é"),
        ('#set($p = $util.parseJson(\'{"k": [1, {"x": "y"}]}\'))$p.k[1].x', "y"),
        ("$util.escapeJavaScript($input.path('$.name'))", "caf\\u00E9"),
    ],
)
def test_input_util_and_stage_variables(template: str, expected: str) -> None:
    assert render(template, context={}, request=REQUEST) == expected


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ('it\'s "quoted"', 'it\\\'s \\"quoted\\"'),
        ("back\\slash and /slash", "back\\\\slash and \\/slash"),
        ("tab\tnew\nline\rcr\bbs\ffeed", "tab\\tnew\\nline\\rcr\\bbs\\ffeed"),
        ("\x01\x1f", "\\u0001\\u001F"),
        ("é€😀", "\\u00E9\\u20AC\\uD83D\\uDE00"),  # UTF-16 code units, as Java escapes them
        ("plain ASCII 123", "plain ASCII 123"),
    ],
)
def test_escape_javascript_matches_java_commons_lang(text: str, escaped: str) -> None:
    assert vtl.escape_javascript(text) == escaped


def test_empty_body_is_the_empty_object() -> None:
    assert render("$input.json('$')", context={}, request=VtlRequest()) == "{}"


def test_a_body_that_is_not_json_fails_only_where_json_is_read() -> None:
    request = VtlRequest(body=b"not json")
    assert render("$input.body", context={}, request=request) == "not json"
    with pytest.raises(VtlError, match="request body is not JSON"):
        render("$input.json('$')", context={}, request=request)


@pytest.mark.parametrize("path", ["$..a", "$.a[*]", "$.a[?(@.b)]", "a.b"])
def test_jsonpath_outside_the_subset_is_refused(path: str) -> None:
    with pytest.raises(VtlError, match="JSONPath"):
        render(f"$input.json('{path}')", context={}, request=REQUEST)


@pytest.mark.parametrize(
    "template",
    ["#if($x)never closed", "#set($a = )", "#foreach($x in)#end", "${unclosed"],
)
def test_syntax_errors_are_one_line_vtl_errors(template: str) -> None:
    with pytest.raises(VtlError) as caught:
        render(template, context={}, request=VtlRequest())
    message = str(caught.value)
    assert message.startswith("mapping template syntax error: line 1")
    assert "\n" not in message


def test_runtime_failures_are_vtl_errors() -> None:
    with pytest.raises(VtlError, match=r"base64Decode: not base64"):
        render("$util.base64Decode('***')", context={}, request=VtlRequest())
    with pytest.raises(VtlError, match=r"parseJson: not JSON"):
        render("$util.parseJson('{')", context={}, request=VtlRequest())


def test_compiled_templates_are_cached_and_the_cache_is_bounded() -> None:
    template = "cache probe $context.requestId"
    before = vtl._compile.cache_info()
    for i in range(3):
        assert (
            render(template, context={"requestId": i}, request=VtlRequest()) == f"cache probe {i}"
        )
    after = vtl._compile.cache_info()
    assert after.misses - before.misses <= 1
    assert after.hits - before.hits >= 2
    assert after.maxsize is not None
