"""Routing and throttling rules of the offline gateway, without HTTP."""

from __future__ import annotations

import pytest

from guestapi.offline.apigateway.model import (
    Integration,
    Method,
    Resource,
    RestApi,
    Stage,
    Throttle,
)
from guestapi.offline.apigateway.router import Router
from guestapi.offline.apigateway.throttle import StageThrottler, TokenBucket


def _method(verb: str) -> Method:
    return Method(verb, "AWS_IAM", Integration("MOCK"))


def _api() -> RestApi:
    resources = (
        Resource("/", {"GET": _method("GET")}),
        Resource("/demo", {"GET": _method("GET"), "OPTIONS": _method("OPTIONS")}),
        Resource("/items/{id}", {"ANY": _method("ANY")}),
        Resource("/items/special", {"GET": _method("GET")}),
        Resource("/files/{proxy+}", {"GET": _method("GET")}),
    )
    return RestApi("Api", "abc123defg", "api", resources, {"dev": Stage("dev")})


@pytest.fixture
def router() -> Router:
    return Router([_api()])


@pytest.mark.parametrize(
    ("path", "verb", "resource", "params"),
    [
        ("/dev/demo", "GET", "/demo", {}),
        ("/dev/demo", "OPTIONS", "/demo", {}),
        ("/dev/", "GET", "/", {}),
        ("/dev/items/42", "DELETE", "/items/{id}", {"id": "42"}),
        ("/dev/items/special", "GET", "/items/special", {}),
        ("/dev/items/a%20b", "GET", "/items/{id}", {"id": "a b"}),
        ("/dev/files/a/b/c.txt", "GET", "/files/{proxy+}", {"proxy": "a/b/c.txt"}),
    ],
)
def test_matches(router, path, verb, resource, params) -> None:
    route = router.match(path, verb)
    assert route is not None
    assert route.resource.path == resource
    assert route.path_params == params
    assert route.stage.name == "dev"


@pytest.mark.parametrize(
    ("path", "verb"),
    [
        ("/prod/demo", "GET"),  # unknown stage
        ("/dev/demo", "POST"),  # no such method, no ANY
        ("/dev/demo/x", "GET"),  # no such resource
        ("/dev/files", "GET"),  # {proxy+} needs at least one segment
        ("/dev/items", "GET"),
        ("", "GET"),
        ("demo", "GET"),
        ("/dev", "GET"),  # the stage alone is no resource; "/dev/" is the root
    ],
)
def test_unmatched(router, path, verb) -> None:
    assert router.match(path, verb) is None


def test_the_root_resource_needs_the_trailing_slash(router) -> None:
    assert router.match("/dev/", "GET").resource.path == "/"
    assert router.match("/dev", "GET") is None


@pytest.mark.parametrize(
    ("path", "api_known"),
    [
        ("/dev/anything", True),
        ("/dev", True),
        ("/prod/demo", False),
        ("/Dev/demo", False),
        ("", False),
    ],
)
def test_api_of_a_path_knows_only_deployed_stages_case_sensitively(router, path, api_known) -> None:
    assert (router.api_of(path) is not None) is api_known


def test_request_path_is_the_decoded_actual_path(router) -> None:
    route = router.match("/dev/items/42", "GET")
    assert route is not None
    assert route.path == "/items/42"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_refills_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Throttle(rate_limit=2, burst_limit=3), monotonic=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token at 2/s
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 100  # refill caps at the burst size
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_method_setting_overrides_stage_wide_setting() -> None:
    clock = FakeClock()
    throttler = StageThrottler(
        {
            "*/*": Throttle(100, 100),
            "~1demo/GET": Throttle(1, 1),
            "~1items~1{id}/*": Throttle(1, 2),
            "*/POST": Throttle(1, 3),
        },
        monotonic=clock,
    )
    assert throttler.allow("/demo", "GET")
    assert not throttler.allow("/demo", "GET")
    assert all(throttler.allow("/other", "GET") for _ in range(50))
    assert [throttler.allow("/items/{id}", "DELETE") for _ in range(3)] == [True, True, False]
    assert [throttler.allow("/other", "POST") for _ in range(4)] == [True, True, True, False]


def test_no_method_settings_means_no_stage_throttle() -> None:
    throttler = StageThrottler({})
    assert all(throttler.allow("/demo", "GET") for _ in range(1000))


def test_two_apis_sharing_a_stage_name_warn_and_the_first_keeps_the_prefix() -> None:
    first = _api()
    second = RestApi(
        "OtherApi",
        "zzz999yyyy",
        "other",
        (Resource("/other", {"GET": _method("GET")}),),
        {"dev": Stage("dev"), "v2": Stage("v2")},
    )
    warnings: list[str] = []
    router = Router([first, second], warn=warnings.append)
    assert warnings == [
        "stage 'dev' of API OtherApi is unreachable offline: API Api already serves /dev "
        "on this port"
    ]
    assert router.match("/dev/demo", "GET").api is first
    assert router.match("/dev/other", "GET") is None
    # A stage name of its own keeps the second API reachable.
    assert router.match("/v2/other", "GET").api is second


def test_distinct_stage_names_do_not_warn() -> None:
    warnings: list[str] = []
    other = RestApi("OtherApi", "zzz999yyyy", "other", (), {"prod": Stage("prod")})
    Router([_api(), other], warn=warnings.append)
    assert warnings == []


def test_stage_wide_limits_apply_to_each_method_on_its_own() -> None:
    # A flood of one method empties its own bucket only: per-stage limits are applied at the
    # method level (docs/aws-behaviour.md#throttling), so GET /demo still answers.
    clock = FakeClock()
    throttler = StageThrottler({"*/*": Throttle(rate_limit=1, burst_limit=2)}, monotonic=clock)
    flood = [throttler.allow("/attest/challenge", "POST") for _ in range(5)]
    assert flood == [True, True, False, False, False]
    assert [throttler.allow("/demo", "GET") for _ in range(3)] == [True, True, False]
    assert [throttler.allow("/demo", "OPTIONS") for _ in range(3)] == [True, True, False]
