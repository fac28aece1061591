"""Loading scenario files: strict JSON schema checks that name the file and the field.

A typo in a scenario must stop the run (exit 2), never turn its check into one that cannot
fail. The records it builds are in `scenario.py`; the schema is in `events/README.md`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from guestapi.checks.scenario import (
    HTTP_METHODS,
    KNOWN_VARIABLES,
    MATCHER_KINDS,
    SIGNING_MODES,
    VARIABLE,
    CredentialsErrorExpectation,
    CredentialsExpectation,
    Expectation,
    FunctionExpectation,
    Matcher,
    RequestSpec,
    Scenario,
    ScenarioError,
    Signing,
    SigningMode,
)
from guestapi.client.presigning import MAX_PRESIGNED_EXPIRES


def load_scenarios(directory: Path) -> list[Scenario]:
    """Every `*.json` scenario in `directory`, sorted by file name."""
    if not directory.is_dir():
        raise ScenarioError(f"scenario directory {directory} not found: pass --events DIR")
    files = sorted(directory.glob("*.json"))
    if not files:
        raise ScenarioError(f"no *.json scenarios in {directory}")
    return [load_scenario(path) for path in files]


def load_scenario_dirs(directories: Sequence[Path]) -> list[Scenario]:
    """The scenarios of several directories (a project's own beside the shipped ones).

    A name (the file stem) may appear once: two files of one name would report as one row.
    """
    scenarios: list[Scenario] = []
    seen: dict[str, Path] = {}
    for directory in directories:
        for scenario in load_scenarios(directory):
            if scenario.name in seen:
                raise ScenarioError(
                    f"scenario {scenario.name!r} is in both {seen[scenario.name]} and "
                    f"{directory}: rename one"
                )
            seen[scenario.name] = directory
            scenarios.append(scenario)
    return scenarios


def load_scenario(path: Path) -> Scenario:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    return _Parser(path).scenario(data)


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.path}: {where}: {message} (schema: events/README.md)")

    def obj(self, value: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a JSON object")
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise self.fail(
                where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
            )
        return value

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(where, "must be a non-empty string")
        self.variables(value, where)
        return value

    def variables(self, value: str, where: str) -> None:
        for name in VARIABLE.findall(value):
            if name not in KNOWN_VARIABLES:
                raise self.fail(
                    where, f"unknown variable ${name}; known: ${', $'.join(KNOWN_VARIABLES)}"
                )

    def integer(self, value: Any, where: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, "must be an integer")
        return value

    def scenario(self, data: Any) -> Scenario:
        data = self.obj(
            data, "top level", ("title", "signing", "request", "expect", "hint", "$comment")
        )
        for key in ("title", "expect"):
            if key not in data:
                raise self.fail("top level", f"missing required key {key!r}")
        signing = self.signing(data.get("signing", "guest"))
        request = None if data.get("request") is None else self.request(data["request"])
        expect = self.expect(data["expect"])
        if request is None and (expect.status or expect.headers or expect.body):
            raise self.fail("expect", "status/headers/body need a request")
        if request is not None and not expect.status:
            raise self.fail("expect", "a scenario with a request must expect a status")
        if not (expect.status or expect.credentials or expect.credentials_error):
            raise self.fail(
                "expect", "expects nothing: add status, credentials or credentials_error"
            )
        if expect.credentials_error and request is not None:
            raise self.fail(
                "expect.credentials_error",
                "expects refused credentials, so it cannot have a request",
            )
        if expect.credentials_error and not signing.mode.uses_guest_keys:
            raise self.fail("expect.credentials_error", "needs signing mode guest or basic-flow")
        return Scenario(
            name=self.path.stem,
            title=self.string(data["title"], "title"),
            signing=signing,
            request=request,
            expect=expect,
            hint=self.string(data["hint"], "hint") if "hint" in data else None,
        )

    def signing(self, value: Any) -> Signing:
        if isinstance(value, str):
            value = {"mode": value}
        value = self.obj(
            value, "signing", ("mode", "clock_offset_seconds", "region", "expires_seconds")
        )
        try:
            mode = SigningMode(value.get("mode"))
        except ValueError:
            raise self.fail("signing.mode", f"must be one of {', '.join(SIGNING_MODES)}") from None
        offset = self.integer(value.get("clock_offset_seconds", 0), "signing.clock_offset_seconds")
        region = value.get("region")
        if region is not None:
            region = self.string(region, "signing.region")
        if (offset or region) and mode in (
            SigningMode.NONE,
            SigningMode.UNKNOWN_KEY,
            SigningMode.BASIC_FLOW,
        ):
            raise self.fail("signing", f"clock_offset_seconds/region do not apply to mode {mode}")
        return Signing(mode, offset, region, self.expires(value, mode))

    def expires(self, value: dict[str, Any], mode: SigningMode) -> int | None:
        if "expires_seconds" not in value:
            return None
        if mode is not SigningMode.GUEST_PRESIGNED:
            raise self.fail("signing", f"expires_seconds applies to guest-presigned, not {mode}")
        expires = self.integer(value["expires_seconds"], "signing.expires_seconds")
        if not 1 <= expires <= MAX_PRESIGNED_EXPIRES:
            raise self.fail("signing.expires_seconds", f"must be 1..{MAX_PRESIGNED_EXPIRES}")
        return expires

    def request(self, value: Any) -> RequestSpec:
        value = self.obj(value, "request", ("method", "path", "stage", "headers", "body"))
        method = value.get("method")
        if method not in HTTP_METHODS:
            raise self.fail("request.method", f"must be one of {', '.join(HTTP_METHODS)}")
        path = self.string(value.get("path"), "request.path")
        if not path.startswith("/"):
            raise self.fail("request.path", "must start with '/' (it is relative to ApiUrl)")
        stage = value.get("stage")
        if stage is not None:
            stage = self.string(stage, "request.stage")
        headers = value.get("headers", {})
        if not isinstance(headers, dict):
            raise self.fail("request.headers", "must be an object of name -> value")
        for name, header_value in headers.items():
            self.string(header_value, f"request.headers.{name}")
        body = value.get("body")
        if body is not None and not isinstance(body, str):
            raise self.fail("request.body", "must be a string (JSON text goes in as a string)")
        return RequestSpec(method, path, stage, dict(headers), body)

    def expect(self, value: Any) -> Expectation:
        value = self.obj(
            value,
            "expect",
            ("status", "headers", "body", "credentials", "credentials_error", "function"),
        )
        status: tuple[int, ...] = ()
        if "status" in value:
            raw = value["status"]
            items = raw if isinstance(raw, list) else [raw]
            status = tuple(self.integer(s, "expect.status") for s in items)
            if not status or any(not 100 <= s <= 599 for s in status):
                raise self.fail("expect.status", "must be an HTTP status or a list of them")
        headers = {
            name: self.matcher(m, f"expect.headers.{name}")
            for name, m in self.mapping(value.get("headers", {}), "expect.headers").items()
        }
        body = {
            name: self.matcher(m, f"expect.body.{name}")
            for name, m in self.mapping(value.get("body", {}), "expect.body").items()
        }
        credentials = None
        if "credentials" in value:
            where = "expect.credentials"
            raw = self.obj(
                value["credentials"], where, ("max_lifetime_seconds", "min_lifetime_seconds")
            )
            if not raw:
                raise self.fail(where, "expects nothing")
            credentials = CredentialsExpectation(
                **{key: self.integer(v, f"{where}.{key}") for key, v in raw.items()}
            )
        refusal = None
        if "credentials_error" in value:
            where = "expect.credentials_error"
            raw = self.obj(value["credentials_error"], where, ("code", "message"))
            if not raw:
                raise self.fail(where, "expects nothing: give code and/or message")
            refusal = CredentialsErrorExpectation(
                **{key: self.matcher(v, f"{where}.{key}") for key, v in raw.items()}
            )
        function = self.function(value["function"]) if "function" in value else None
        if function is not None and not status:
            raise self.fail("expect.function", "needs expect.status (the function's answer)")
        return Expectation(status, headers, body, credentials, refusal, function)

    def function(self, value: Any) -> FunctionExpectation:
        where = "expect.function"
        raw = self.obj(value, where, ("identity", "identity_field", "request_id_field"))
        if "identity" not in raw:
            raise self.fail(where, 'needs identity (a matcher, e.g. "$identityId")')
        fields = {
            key: self.string(raw[key], f"{where}.{key}")
            for key in ("identity_field", "request_id_field")
            if key in raw
        }
        return FunctionExpectation(self.matcher(raw["identity"], f"{where}.identity"), **fields)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def matcher(self, value: Any, where: str) -> Matcher:
        if isinstance(value, str):
            self.variables(value, where)
            return Matcher("equals", value)
        if not isinstance(value, dict) or len(value) != 1:
            raise self.fail(
                where, f"a matcher is a string or an object with one of: {', '.join(MATCHER_KINDS)}"
            )
        ((kind, arg),) = value.items()
        if kind not in MATCHER_KINDS:
            raise self.fail(
                where, f"unknown matcher {kind!r}; use one of {', '.join(MATCHER_KINDS)}"
            )
        if kind == "present":
            if not isinstance(arg, bool):
                raise self.fail(where, "present takes true or false")
        elif kind in ("one_of", "contains_all"):
            if not isinstance(arg, list) or not arg or not all(isinstance(a, str) for a in arg):
                raise self.fail(where, f"{kind} takes a non-empty list of strings")
            for item in arg:
                self.variables(item, where)
        else:
            self.string(arg, where)
            if kind == "matches":
                try:
                    re.compile(arg)
                except re.error as exc:
                    raise self.fail(where, f"bad regular expression: {exc}") from None
        return Matcher(kind, arg)
