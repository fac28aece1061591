"""Check rows derived from the API itself, so a route added to the template is checked without a
hand-written scenario: one guest-signed call per method it serves, one per path with a method it
does not serve. The expectation comes from IAM simulation (`simulation.py`): allowed -> reaches
the integration; not allowed -> 403 AccessDeniedException; no such method -> 403
MissingAuthenticationTokenException.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from guestapi.aws_constants import ERROR_TYPE_HEADER
from guestapi.checks.methods import ApiMethod
from guestapi.checks.scenario import (
    Expectation,
    Matcher,
    RequestSpec,
    Scenario,
    Signing,
    SigningMode,
)

_GREEDY = re.compile(r"\{[^}/]+\+\}")
_PARAMETER = re.compile(r"\{[^}/]+\}")
# Any status the integration may answer with; API Gateway's own errors carry an error type.
_INTEGRATION_STATUSES = tuple(range(200, 600))
_NOT_SERVED = ("DELETE", "PUT", "PATCH", "POST", "GET")


def sample_path(path: str) -> str:
    """`/items/{id}` -> `/items/sample`, `/files/{proxy+}` -> `/files/sample/path`."""
    return _PARAMETER.sub("sample", _GREEDY.sub("sample/path", path))


def _row(
    name: str,
    title: str,
    method: str,
    path: str,
    expect: Expectation,
    hint: str,
    signing: SigningMode = SigningMode.GUEST,
) -> Scenario:
    request = RequestSpec(method=method, path=sample_path(path))
    return Scenario(name, title, Signing(signing), request, expect, hint=hint)


def _reaches() -> Expectation:
    return Expectation(
        status=_INTEGRATION_STATUSES, headers={ERROR_TYPE_HEADER: Matcher("present", False)}
    )


def _refused(error_type: str) -> Expectation:
    return Expectation(status=(403,), headers={ERROR_TYPE_HEADER: Matcher("equals", error_type)})


def generated_scenarios(
    methods: Sequence[ApiMethod], allowed: Mapping[ApiMethod, bool]
) -> list[Scenario]:
    rows: list[Scenario] = []
    for m in methods:
        verb = "GET" if m.method == "ANY" else m.method
        if m.public:
            rows.append(
                _row(f"gen-public-{m.method}-{m.path}", f"unsigned {m.label} reaches the "
                     "integration (the API serves it without authorization)", verb, m.path,
                     _reaches(), "the method has no authorization (NONE), yet API Gateway "
                     "refused an unsigned call",
                     SigningMode.NONE)
            )  # fmt: skip
        elif allowed.get(m):
            rows.append(
                _row(f"gen-{m.method}-{m.path}", f"guest-signed {m.label} reaches the "
                     "integration (the guest policy allows it)", verb, m.path, _reaches(),
                     "IAM simulation allows this method to the guest role, yet the API refused "
                     "the signed call: is its authorization or its stage deployed as the "
                     "template says?")
            )  # fmt: skip
        else:
            rows.append(
                _row(f"gen-{m.method}-{m.path}", f"guest-signed {m.label} is refused (the "
                     "guest policy does not allow it)", verb, m.path,
                     _refused("AccessDeniedException"),
                     "IAM simulation denies this method to the guest role, yet the call was "
                     "not refused with AccessDenied: does the method use AWS_IAM?")
            )  # fmt: skip
    served: dict[str, set[str]] = {}
    for m in methods:
        served.setdefault(m.path, set()).add(m.method)
    for path, verbs in sorted(served.items()):
        if "ANY" in verbs:
            continue  # every method of the path is served
        absent = next(v for v in _NOT_SERVED if v not in verbs)
        rows.append(
            _row(f"gen-missing-{absent}-{path}", f"guest-signed {absent} {path} (no such method) "
                 "answers Missing Authentication Token", absent, path,
                 _refused("MissingAuthenticationTokenException"),
                 "the API answered a method it does not list (GetResources)")
        )  # fmt: skip
    return rows


def superseded(
    scenarios: Sequence[Scenario],
    methods: Sequence[ApiMethod],
    allowed: Mapping[ApiMethod, bool],
) -> tuple[list[Scenario], list[str]]:
    """The scenarios to run, and a note for each one a generated row replaces.

    A shipped scenario that expects a guest-signed call refused (`guest-post`) states the
    default template; when this API serves and grants that method, its generated row and IAM
    probe check the stack's own design instead (docs/check-suite.md#what-it-runs).
    """
    granted = {(m.method, m.path) for m in methods if allowed.get(m) and not m.public}
    kept: list[Scenario] = []
    notes: list[str] = []
    for scenario in scenarios:
        request = scenario.request
        if (
            request is not None
            and _refused_for_its_method(scenario)
            and request.stage is None
            and ({(request.method, request.path), ("ANY", request.path)} & granted)
        ):
            notes.append(
                f"{scenario.name}: not run: {request.method} {request.path} is a method of this "
                f"API that the guest role is granted; gen-{request.method}-{request.path} checks it"
            )
            continue
        kept.append(scenario)
    return kept, notes


# The refusals that say "this method is not for guests": no such method, or not granted.
_METHOD_REFUSALS = frozenset({"MissingAuthenticationTokenException", "AccessDeniedException"})


def _refused_for_its_method(scenario: Scenario) -> bool:
    """A well-signed guest call expected to be refused because of its method and path alone
    (not a bad signature, date or region: those stay refused whatever the API serves)."""
    signing = scenario.signing
    if signing.mode is not SigningMode.GUEST or signing.clock_offset_seconds or signing.region:
        return False
    error_type = scenario.expect.headers.get(ERROR_TYPE_HEADER)
    if error_type is None or error_type.kind not in ("equals", "one_of"):
        return False
    named = {error_type.value} if error_type.kind == "equals" else set(error_type.value)
    return bool(named) and named <= _METHOD_REFUSALS
