"""CloudFormation intrinsic functions and conditions, as the offline deploy resolves them."""

from __future__ import annotations

import base64

import pytest

from guestapi.template.intrinsics import (
    NO_VALUE,
    ResolveContext,
    TemplateError,
    evaluate_conditions,
    references,
    resolve,
)

PSEUDO = {
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "111122223333",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}


def context(**overrides: object) -> ResolveContext:
    values: dict = {
        "parameters": {"Stage": "dev", "Origins": ["https://a.example", "https://b.example"]},
        "pseudo": PSEUDO,
        "conditions": {"On": True, "Off": False},
        "physical_ids": {"Api": "abcdefghij", "Role": "stack-Role-XYZ"},
        "attributes": {"Role": {"Arn": "arn:aws:iam::111122223333:role/stack-Role-XYZ"}},
        "mappings": {"Sizes": {"dev": {"Rate": "10"}}},
        "location": "Resources.Thing",
    }
    values.update(overrides)
    return ResolveContext(**values)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Ref": "Api"}, "abcdefghij"),
        ({"Ref": "Origins"}, ["https://a.example", "https://b.example"]),
        ({"Fn::GetAtt": ["Role", "Arn"]}, "arn:aws:iam::111122223333:role/stack-Role-XYZ"),
        ({"Fn::GetAtt": "Role.Arn"}, "arn:aws:iam::111122223333:role/stack-Role-XYZ"),
        (
            {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"},
            "https://abcdefghij.execute-api.eu-west-1.amazonaws.com/dev",
        ),
        (
            {"Fn::Sub": "${Role.Arn}|${!Literal}|${!Api}"},
            "arn:aws:iam::111122223333:role/stack-Role-XYZ|${Literal}|${Api}",
        ),
        ({"Fn::Sub": ["${Greeting}, ${Stage}", {"Greeting": {"Ref": "Api"}}]}, "abcdefghij, dev"),
        ({"Fn::Sub": ["${Stage}", {"Stage": "shadowed"}]}, "shadowed"),
        ({"Fn::Join": [",", ["a", {"Ref": "Stage"}, 3]]}, "a,dev,3"),
        ({"Fn::Join": ["|", {"Ref": "Origins"}]}, "https://a.example|https://b.example"),
        ({"Fn::Select": ["1", {"Ref": "Origins"}]}, "https://b.example"),
        ({"Fn::Select": [0, {"Fn::Split": ["/", "x/y/z"]}]}, "x"),
        ({"Fn::Split": [",", "a,,b"]}, ["a", "", "b"]),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Rate"]}, "10"),
        ({"Fn::Base64": {"Ref": "Stage"}}, base64.b64encode(b"dev").decode()),
        ({"Fn::If": ["On", "yes", "no"]}, "yes"),
        ({"Fn::If": ["Off", "yes", {"Ref": "Stage"}]}, "dev"),
        ({"Fn::Equals": [{"Ref": "Stage"}, "dev"]}, True),
        # CloudFormation compares string forms: a YAML boolean equals its text.
        ({"Fn::Equals": [True, "true"]}, True),
        ({"Fn::Equals": [10, "10"]}, True),
        ({"Fn::Equals": ["a", "b"]}, False),
    ],
)
def test_functions_resolve_like_cloudformation(value: object, expected: object) -> None:
    assert resolve(value, context()) == expected


def test_no_value_removes_the_property_and_the_list_item() -> None:
    value = {
        "Keep": {"Ref": "Stage"},
        "Drop": {"Ref": "AWS::NoValue"},
        "IfDrop": {"Fn::If": ["Off", "x", {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Ref": "AWS::NoValue"}, "b"],
        "Nested": {"Deep": {"Fn::If": ["On", {"Ref": "AWS::NoValue"}, "x"]}},
    }
    assert resolve(value, context()) == {"Keep": "dev", "List": ["a", "b"], "Nested": {}}
    assert resolve({"Ref": "AWS::NoValue"}, context()) is NO_VALUE


def test_plain_mappings_that_only_look_like_intrinsics_stay() -> None:
    # Two keys: not an intrinsic. A key not starting with Fn:: is ordinary data.
    value = {"Ref": "Stage", "Other": 1}
    assert resolve(value, context()) == {"Ref": "Stage", "Other": 1}
    assert resolve({"Condition": {"StringEquals": {"a": "b"}}}, context()) == {
        "Condition": {"StringEquals": {"a": "b"}}
    }


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"Fn::GetAZs": ""}, "unsupported intrinsic function Fn::GetAZs"),
        ({"Fn::ImportValue": "x"}, "unsupported intrinsic function Fn::ImportValue"),
        ({"Ref": "Missing"}, "Ref Missing: unresolved resource dependencies [Missing]"),
        ({"Fn::Sub": "${Missing}"}, "Fn::Sub Missing: unresolved resource dependencies"),
        ({"Fn::GetAtt": ["Role", "RoleId"]}, "Role.RoleId: attribute not known"),
        ({"Fn::GetAtt": ["Ghost", "Arn"]}, "unresolved resource dependencies [Ghost]"),
        ({"Fn::Select": [5, ["a"]]}, "index 5 is out of range"),
        ({"Fn::FindInMap": ["Sizes", "prod", "Rate"]}, "no value for [Sizes, prod, Rate]"),
        ({"Fn::If": ["Nope", 1, 2]}, "unknown condition 'Nope'"),
        ({"Fn::Sub": "${Origins}"}, "expected a string"),
        ({"Fn::Join": [",", "not-a-list"]}, "Fn::Join takes"),
    ],
)
def test_errors_name_the_function_and_the_location(value: object, fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        resolve(value, context())
    message = str(caught.value)
    assert message.startswith("Resources.Thing: ")
    assert fragment in message
    assert "\n" not in message


def test_ref_to_a_resource_disabled_by_its_condition_fails_like_cloudformation() -> None:
    # Positive: present -> resolves; negative: the same Ref once the resource is gone.
    assert resolve({"Ref": "Api"}, context()) == "abcdefghij"
    with pytest.raises(TemplateError, match=r"unresolved resource dependencies \[Api\]"):
        resolve({"Ref": "Api"}, context(physical_ids={}))


def test_conditions_evaluate_with_references_between_them() -> None:
    conditions = {
        "IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]},
        "IsProd": {"Fn::Not": [{"Condition": "IsDev"}]},
        "Both": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": ["a", "a"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Both"}]},
    }
    ctx = context(conditions={})
    assert evaluate_conditions(conditions, ctx) == {
        "IsDev": True,
        "IsProd": False,
        "Both": True,
        "Either": True,
    }
    prod = context(parameters={"Stage": "prod"}, conditions={})
    assert evaluate_conditions(conditions, prod)["IsProd"] is True


@pytest.mark.parametrize(
    ("conditions", "fragment"),
    [
        ({"A": {"Condition": "B"}, "B": {"Condition": "A"}}, "circular condition references"),
        ({"A": {"Condition": "Nope"}}, "unknown condition 'Nope'"),
        ({"A": {"Fn::And": [{"Fn::Equals": ["a", "a"]}]}}, "Fn::And takes a list of 2 to 10"),
        ({"A": {"Fn::Sub": "x"}}, "Fn::Sub is not a condition function"),
        ({"A": "true"}, "a condition must be one of"),
    ],
)
def test_bad_conditions_are_template_errors(conditions: dict, fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        evaluate_conditions(conditions, context(conditions={}))
    assert str(caught.value).startswith("Conditions.")
    assert fragment in str(caught.value)


def test_references_finds_what_a_resource_depends_on() -> None:
    properties = {
        "A": {"Ref": "Api"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::Sub": "${Pool}/${Stage.Name}/${!NotARef}/${AWS::Region}"},
        "D": {"Fn::Sub": ["${Bound}-${Free}", {"Bound": {"Ref": "Inner"}}]},
        "E": [{"Fn::Join": ["", [{"Ref": "Joined"}]]}],
    }
    found = references(properties)
    assert {"Api", "Role", "Pool", "Stage", "Inner", "Free", "Joined"} <= found
    assert "NotARef" not in found and "Bound" not in found
