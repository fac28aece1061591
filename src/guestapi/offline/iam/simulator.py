"""IAM SimulatePrincipalPolicy for the offline stack, decided by the twin's own evaluator.

The check suite asks it what the guest role may do (execute-api on other stages, methods and
paths, other services' high-value actions), with the same call it makes against AWS. Query
protocol in (form body, `Action=SimulatePrincipalPolicy`), XML out, at the same endpoint as
Cognito Identity and STS: `query_protocol` picks the service by the form's `Action`.

Shapes follow botocore's IAM model (SimulatePrincipalPolicy, EvaluationResult, Statement,
Position) and the IAM API reference: EvalDecision is allowed | explicitDeny | implicitDeny;
MatchedStatements name the deciding statement by its policy (SourcePolicyId) and its start
and end in the policy text (Line/Column). What the twin does its own way:
- the caller is not authenticated: the offline stack has no deployer identity to check
  (AWS requires iam:SimulatePrincipalPolicy of the caller);
- positions count in the document as `json.dumps(document, indent=2)` renders it, not in the
  template's own text;
- several ResourceArns give one EvaluationResult per (action, resource), where AWS nests
  per-resource answers in ResourceSpecificResults; with one resource the shapes agree;
- ContextEntries are honoured; resource policies, boundaries and SCPs are not simulated.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from guestapi.offline.iam.model import PolicyDocument, Role
from guestapi.offline.iam.policy import Decision, evaluate
from guestapi.offline.wire import (
    AwsError,
    Request,
    Response,
    new_request_id,
    query_error,
    xml_response,
    xml_text,
)

IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
IAM_VERSION = "2010-05-08"
ACTION = "SimulatePrincipalPolicy"
_MAX_FIELDS = 1000
_MAX_ACTIONS = 100  # the twin's bound on one call's work


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class MatchedStatement:
    policy_id: str
    start: Position
    end: Position


def statement_positions(document: PolicyDocument) -> list[tuple[Position, Position]]:
    """Start and end of each statement in `json.dumps(document, indent=2)`, 1-based."""
    lines = json.dumps(document, indent=2).splitlines()
    statement = document.get("Statement")
    if isinstance(statement, dict):  # one statement object: the value of "Statement"
        start = next(i for i, t in enumerate(lines) if t.startswith('  "Statement": {'))
        end = next(i for i in range(start, len(lines)) if lines[i] in ("  }", "  },"))
        return [(Position(start + 1, 16), Position(end + 1, 3))]
    starts = [i for i, t in enumerate(lines) if t == "    {"]
    ends = [i for i, t in enumerate(lines) if t in ("    }", "    },")]
    return [(Position(s + 1, 5), Position(e + 1, 5)) for s, e in zip(starts, ends, strict=False)]


def _policy_id(role: Role, number: int) -> str:
    """The policy's name, as AWS reports it in SourcePolicyId."""
    names = role.policy_names
    return names[number - 1] if number <= len(names) else f"inline-policy-{number}"


def _matched(role: Role, decision: Decision) -> list[MatchedStatement]:
    if decision.matched is None:
        return []
    for number, document in enumerate(role.policies, start=1):
        statements = document.get("Statement")
        listed = [statements] if isinstance(statements, dict) else list(statements or [])
        positions = statement_positions(document)
        for index, statement in enumerate(listed):
            if statement == decision.matched and index < len(positions):
                start, end = positions[index]
                return [MatchedStatement(_policy_id(role, number), start, end)]
    return []


def _members(params: Mapping[str, list[str]], name: str) -> list[str]:
    """A Query-protocol list: Name.member.1, Name.member.2, ... in order."""
    found: list[str] = []
    while f"{name}.member.{len(found) + 1}" in params:
        found.append(params[f"{name}.member.{len(found) + 1}"][0])
    return found


def _context(params: Mapping[str, list[str]]) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    number = 1
    while f"ContextEntries.member.{number}.ContextKeyName" in params:
        prefix = f"ContextEntries.member.{number}"
        key = params[f"{prefix}.ContextKeyName"][0]
        context[key] = _members(params, f"{prefix}.ContextKeyValues")
        number += 1
    return context


def parse_form(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except ValueError as exc:  # bad UTF-8 or too many fields
        raise AwsError("InvalidInput", "The request body is not a valid form.") from exc


class IamSimulator:
    """Answers SimulatePrincipalPolicy for the roles of one offline stack."""

    def __init__(self, roles: Mapping[str, Role]) -> None:
        self._roles = roles

    def handle(self, request: Request) -> Response:
        request_id = new_request_id()
        try:
            body = self._simulate(parse_form(request.body), request_id)
        except AwsError as err:
            return query_error(err, namespace=IAM_NAMESPACE, request_id=request_id)
        return xml_response(200, body, request_id)

    def _simulate(self, params: Mapping[str, list[str]], request_id: str) -> bytes:
        action = params.get("Action", [""])[0]
        if action != ACTION:
            raise AwsError("InvalidAction", f"Could not find operation {action} for IAM")
        source = params.get("PolicySourceArn", [""])[0]
        actions = _members(params, "ActionNames")
        if not source or not actions:
            raise AwsError("InvalidInput", "PolicySourceArn and ActionNames are required.")
        if len(actions) > _MAX_ACTIONS:
            raise AwsError("InvalidInput", f"At most {_MAX_ACTIONS} ActionNames per call.")
        role = self._roles.get(source)
        if role is None:
            name = source.rsplit("/", 1)[-1]
            raise AwsError("NoSuchEntity", f"The role with name {name} cannot be found.", 404)
        resources = _members(params, "ResourceArns") or ["*"]
        context = _context(params)
        root = ET.Element("SimulatePrincipalPolicyResponse", xmlns=IAM_NAMESPACE)
        result = ET.SubElement(root, "SimulatePrincipalPolicyResult")
        xml_text(result, "IsTruncated", "false")
        results = ET.SubElement(result, "EvaluationResults")
        for name in actions:
            for resource in resources:
                decision = evaluate(role.policies, action=name, resource=resource, context=context)
                _result(ET.SubElement(results, "member"), name, resource, role, decision)
        meta = ET.SubElement(root, "ResponseMetadata")
        xml_text(meta, "RequestId", request_id)
        return ET.tostring(root, encoding="unicode").encode()


def _result(member: ET.Element, action: str, resource: str, role: Role, d: Decision) -> None:
    xml_text(member, "EvalActionName", action)
    xml_text(member, "EvalResourceName", resource)
    verdict = "allowed" if d.allowed else "explicitDeny" if d.explicit_deny else "implicitDeny"
    xml_text(member, "EvalDecision", verdict)
    statements = ET.SubElement(member, "MatchedStatements")
    for matched in _matched(role, d):
        item = ET.SubElement(statements, "member")
        xml_text(item, "SourcePolicyId", matched.policy_id)
        xml_text(item, "SourcePolicyType", "role")
        for tag, position in (("StartPosition", matched.start), ("EndPosition", matched.end)):
            where = ET.SubElement(item, tag)
            xml_text(where, "Line", str(position.line))
            xml_text(where, "Column", str(position.column))
    ET.SubElement(member, "MissingContextValues")


def query_protocol(
    handlers: Mapping[str, Callable[[Request], Response]], fallback: Callable[[Request], Response]
) -> Callable[[Request], Response]:
    """One form-body route for several Query-protocol services, picked by the form's Action.

    STS and IAM share the endpoint here (on AWS they have their own hosts); an Action no
    handler claims goes to `fallback` (STS), which answers InvalidAction as before.
    """

    def route(request: Request) -> Response:
        try:
            action = parse_form(request.body).get("Action", [""])[0]
        except AwsError:
            action = ""
        return handlers.get(action, fallback)(request)

    return route
