"""Deploy a SAM template in memory: SAM transform, then resolved CloudFormation, then the typed model.

The steps follow what CloudFormation does with `sam deploy`:

1. parse the YAML (aws-sam-translator's parser, which understands the `!Ref` short forms);
2. validate the parameter values against their declarations (types, AllowedValues, ...);
3. apply the SAM transform with aws-sam-translator;
4. evaluate Conditions, then create the resources in dependency order, each with its properties
   resolved (`intrinsics.py`) and a physical id shaped like the real one;
5. build the records of `model.py` for the resource types the offline stack emulates, and warn
   once for each other resource;
6. resolve the Outputs.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import re
import secrets
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from samtranslator.feature_toggle.feature_toggle import (
    FeatureToggle,
    FeatureToggleDefaultConfigProvider,
)
from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
from samtranslator.model.exceptions import ExceptionWithMessage
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.utils.py27hash_fix import (
    to_py27_compatible_template,
    undo_mark_unicode_str_in_template,
)
from samtranslator.yaml_helper import yaml_parse

from guestapi.offline.intrinsics import (
    NO_VALUE,
    ResolveContext,
    TemplateError,
    evaluate_conditions,
    references,
    resolve,
)
from guestapi.offline.model import (
    GatewayResponse,
    IdentityPool,
    Integration,
    IntegrationResponse,
    Method,
    PolicyDocument,
    Resource,
    RestApi,
    Role,
    Stack,
    Stage,
    Throttle,
)

__all__ = ["TemplateError", "load_stack"]

_log = logging.getLogger(__name__)

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"

# API Gateway's account-level throttle, used for a MethodSetting that sets only one of the two.
ACCOUNT_RATE_LIMIT = 10000.0
ACCOUNT_BURST_LIMIT = 5000

_LOWER_ALNUM = string.ascii_lowercase + string.digits
_UPPER_ALNUM = string.ascii_uppercase + string.digits

# OpenAPI path-item keys that are operations; API Gateway's extension stands for ANY.
_OPERATIONS = {
    "get": "GET",
    "put": "PUT",
    "post": "POST",
    "delete": "DELETE",
    "options": "OPTIONS",
    "head": "HEAD",
    "patch": "PATCH",
    "x-amazon-apigateway-any-method": "ANY",
}


def load_stack(
    template: Path | str | Mapping[str, Any],
    *,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    stack_name: str = "guest-api-local",
    overrides: Mapping[str, str] | None = None,
    warn: Callable[[str], None] | None = None,
    partition: str = "aws",
) -> Stack:
    """Deploy `template` (a path, or an already parsed template) and return the stack model.

    Raises TemplateError, with one line saying what is wrong, for anything CloudFormation would
    refuse: malformed YAML, a failed SAM transform, a bad parameter value, a bad intrinsic.
    """
    warn = warn or _log.warning
    source, document = _read_template(template)
    declared = document.get("Parameters") or {}
    if not isinstance(declared, dict):
        raise TemplateError(f"{source}: Parameters must be a mapping")
    raw_values, typed_values = validate_parameters(declared, overrides or {})
    pseudo = _pseudo_parameters(region, account_id, stack_name, partition)
    cloudformation = _apply_transforms(document, raw_values, pseudo, region, source)
    deployer = _Deployer(
        cloudformation,
        parameters=typed_values,
        pseudo=pseudo,
        stack_name=stack_name,
        warn=warn,
    )
    return deployer.deploy()


# --------------------------------------------------------------------------------------------
# 1. Reading
# --------------------------------------------------------------------------------------------


def _read_template(template: Path | str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(template, Mapping):
        document: Any = copy.deepcopy(dict(template))
        source = "template"
    else:
        path = Path(template)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TemplateError(f"{source}: template not found; pass --template PATH") from None
        except (OSError, UnicodeDecodeError) as error:
            raise TemplateError(f"{source}: cannot read the template: {error}") from None
        try:
            document = yaml_parse(text)
        except yaml.YAMLError as error:
            raise TemplateError(f"{source}: malformed YAML: {_yaml_problem(error)}") from None
    document = _timestamps_as_strings(document)
    if not isinstance(document, dict):
        raise TemplateError(f"{source}: a template must be a mapping with a Resources section")
    resources = document.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError(f"{source}: the template has no Resources section")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(f"{source}: resource {logical_id} must be a mapping with a Type")
    return source, document


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def _timestamps_as_strings(value: Any) -> Any:
    # CloudFormation reads `Version: 2012-10-17` as a string; PyYAML would make it a date.
    if isinstance(value, dict):
        return {k: _timestamps_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_timestamps_as_strings(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------------------------
# 2. Parameters, checked the way CloudFormation checks them (with its messages)
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_LIST_TYPE = re.compile(r"List<(.+)>")


def validate_parameters(
    declared: Mapping[str, Any], overrides: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str | list[str]]]:
    """Check values against the declarations; return (raw strings, values as Ref returns them)."""
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(
            f"Parameters: [{', '.join(unknown)}] do not exist in the template "
            f"(it declares: {', '.join(declared) or 'none'})"
        )
    missing = [n for n in declared if n not in overrides and "Default" not in (declared[n] or {})]
    if missing:
        raise TemplateError(
            f"Parameters: [{', '.join(missing)}] must have values; pass them as overrides"
        )
    raw: dict[str, str] = {}
    typed: dict[str, str | list[str]] = {}
    for name, declaration in declared.items():
        if not isinstance(declaration, dict):
            raise TemplateError(f"Parameters.{name} must be a mapping with a Type")
        from_override = name in overrides
        value = _parameter_string(overrides[name] if from_override else declaration["Default"])
        typed[name] = _check_parameter(name, declaration, value, from_override)
        raw[name] = value
    return raw, typed


def _parameter_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_parameter_string(v) for v in value)
    return str(value)


def _check_parameter(
    name: str, declaration: Mapping[str, Any], value: str, from_override: bool
) -> str | list[str]:
    declared_type = str(declaration.get("Type", ""))
    shown = "****" if str(declaration.get("NoEcho", "")).lower() == "true" else repr(value)
    origin = "override" if from_override else "default value in the template"

    def fail(message: str) -> TemplateError:
        return TemplateError(f"{message} ({origin} {name}={shown})")

    list_match = _LIST_TYPE.fullmatch(declared_type)
    if declared_type.startswith("AWS::SSM::Parameter"):
        raise TemplateError(
            f"Parameter '{name}' has type {declared_type}: SSM parameters need an AWS account "
            "and are not available offline; give the parameter a plain type"
        )
    if declared_type == "CommaDelimitedList" or list_match:
        items: list[str] = value.split(",") if value else []
        item_type = list_match.group(1) if list_match else "String"
        for item in items:
            _check_scalar(name, declaration, item.strip() if list_match else item, item_type, fail)
        return [item.strip() for item in items] if list_match else items
    if declared_type in ("String", "Number") or declared_type.startswith("AWS::"):
        _check_scalar(name, declaration, value, declared_type, fail)
        return value
    raise TemplateError(f"Template format error: Unrecognized parameter type: {declared_type}")


def _check_scalar(
    name: str,
    declaration: Mapping[str, Any],
    value: str,
    value_type: str,
    fail: Callable[[str], TemplateError],
) -> None:
    # With a ConstraintDescription, CloudFormation reports it instead of the failed constraint.
    constraint = declaration.get("ConstraintDescription")

    def violated(default_message: str) -> TemplateError:
        if constraint:
            return fail(f"Parameter '{name}' failed to satisfy constraint: {constraint}")
        return fail(f"Parameter '{name}' {default_message}")

    is_number = value_type == "Number"
    if is_number and not _NUMBER.fullmatch(value):
        raise fail(f"Parameter '{name}' must be a number")
    allowed = declaration.get("AllowedValues")
    if allowed is not None:
        allowed_strings = [_parameter_string(a) for a in allowed]
        numeric_match = is_number and any(
            _NUMBER.fullmatch(a) and float(a) == float(value) for a in allowed_strings
        )
        if value not in allowed_strings and not numeric_match:
            raise violated("must be one of AllowedValues")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None:
        try:
            # CloudFormation's patterns (java.util.regex) must match the whole value.
            matched = re.fullmatch(str(pattern), value) is not None
        except re.error as error:
            raise TemplateError(
                f"Parameters.{name}: AllowedPattern is not a valid regular expression ({error})"
            ) from None
        if not matched:
            raise violated(f"must match pattern {pattern}")
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        raise violated(f"must contain at least {declaration['MinLength']} characters")
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        raise violated(f"must contain at most {declaration['MaxLength']} characters")
    if is_number and "MinValue" in declaration and float(value) < float(declaration["MinValue"]):
        raise violated(f"must be a number not less than {declaration['MinValue']}")
    if is_number and "MaxValue" in declaration and float(value) > float(declaration["MaxValue"]):
        raise violated(f"must be a number not greater than {declaration['MaxValue']}")


def _pseudo_parameters(
    region: str, account_id: str, stack_name: str, partition: str
) -> dict[str, Any]:
    url_suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {
        "AWS::AccountId": account_id,
        "AWS::NotificationARNs": [],
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::StackId": (
            f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/{uuid.uuid4()}"
        ),
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": url_suffix,
    }


# --------------------------------------------------------------------------------------------
# 3. The SAM transform
# --------------------------------------------------------------------------------------------


class _OfflineManagedPolicyLoader:
    """The translator's fallback for managed-policy names, answering without calling IAM.

    aws-sam-translator first looks names up in the map it bundles (every AWS managed policy per
    partition) and only calls this loader for names it does not know. The real loader would
    paginate iam:ListPolicies, which this machine cannot reach; an empty map leaves such a name
    as written, which is what the transform does when IAM has no policy of that name either.
    """

    def load(self) -> dict[str, str]:
        return {}


class _FeaturesOff(FeatureToggle):
    """Every SAM feature toggle off, as with the translator's default config, minus its log noise.

    The default provider answers "off" to every feature but logs a WARNING for each query,
    which would print on every start of the offline stack.
    """

    def __init__(self) -> None:
        super().__init__(
            FeatureToggleDefaultConfigProvider(), stage=None, account_id=None, region=None
        )

    def is_enabled(self, feature_name: str) -> bool:
        return False


def _apply_transforms(
    document: dict[str, Any],
    parameter_values: Mapping[str, str],
    pseudo: Mapping[str, Any],
    region: str,
    source: str,
) -> dict[str, Any]:
    transforms = document.get("Transform") or []
    if isinstance(transforms, str):
        transforms = [transforms]
    unsupported = [t for t in transforms if t != SERVERLESS_TRANSFORM]
    if unsupported:
        raise TemplateError(
            f"{source}: transform {unsupported[0]} is not supported by the offline stack "
            f"(only {SERVERLESS_TRANSFORM})"
        )
    if not transforms:
        return document
    # Parameter values as sam-cli hands them to the translator: pseudo parameters, then the
    # template's values (defaults and overrides).
    values: dict[str, Any] = {k: v for k, v in pseudo.items() if isinstance(v, str)}
    values.update(parameter_values)
    # `samtranslator.translator.transform.transform()` builds its Translator without a boto3
    # session, so the translator would take the region from the environment (and fail when none
    # is configured). This is the same sequence with a session for the stack's region, as
    # sam-cli's template validator does. Its metrics go nowhere; publishing them ourselves keeps
    # the translator from warning about unpublished metrics at exit.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name=region),
        metrics=metrics,
    )
    loader = _OfflineManagedPolicyLoader()
    fragment = copy.deepcopy(document)
    to_py27_compatible_template(fragment, values)
    try:
        transformed = translator.translate(
            fragment,
            parameter_values=values,
            feature_toggle=_FeaturesOff(),
            get_managed_policy_map=loader.load,
        )
    except ExceptionWithMessage as error:
        causes = getattr(error, "causes", None) or []
        message = " ".join([error.message, *(cause.message for cause in causes)])
        raise TemplateError(
            f"{source}: SAM transform failed: {' '.join(message.split())}"
        ) from None
    finally:
        metrics.publish()
    return undo_mark_unicode_str_in_template(transformed)


# --------------------------------------------------------------------------------------------
# 4-6. Conditions, resources in dependency order, model, outputs
# --------------------------------------------------------------------------------------------


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class _Created:
    """One resource after CloudFormation created it."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


class _Deployer:
    def __init__(
        self,
        template: dict[str, Any],
        *,
        parameters: Mapping[str, str | list[str]],
        pseudo: Mapping[str, Any],
        stack_name: str,
        warn: Callable[[str], None],
    ) -> None:
        self.template = template
        self.pseudo = pseudo
        self.stack_name = stack_name
        self.region = str(pseudo["AWS::Region"])
        self.account_id = str(pseudo["AWS::AccountId"])
        self.partition = str(pseudo["AWS::Partition"])
        self.warn = warn
        self.physical_ids: dict[str, str] = {}
        self.attributes: dict[str, dict[str, Any]] = {}
        base = ResolveContext(
            parameters=parameters, pseudo=pseudo, mappings=template.get("Mappings") or {}
        )
        conditions = template.get("Conditions") or {}
        if not isinstance(conditions, dict):
            raise TemplateError("Conditions must be a mapping")
        self.conditions = evaluate_conditions(conditions, base)
        self.ctx = ResolveContext(
            parameters=parameters,
            pseudo=pseudo,
            conditions=self.conditions,
            physical_ids=self.physical_ids,
            attributes=self.attributes,
            mappings=base.mappings,
        )
        self.created: dict[str, _Created] = {}

    # -- creation ------------------------------------------------------------------------------

    def deploy(self) -> Stack:
        resources: dict[str, Any] = self.template["Resources"]
        active = {lid: r for lid, r in resources.items() if self._condition_holds(r, lid)}
        for logical_id in self._creation_order(active):
            resource = active[logical_id]
            properties = resolve(
                resource.get("Properties") or {}, self.ctx.at(f"Resources.{logical_id}")
            )
            created = self._create(logical_id, resource["Type"], properties)
            self.created[logical_id] = created
            self.physical_ids[logical_id] = created.physical_id
            self.attributes[logical_id] = created.attributes
        return self._model()

    def _condition_holds(self, item: Mapping[str, Any], where: str) -> bool:
        name = item.get("Condition")
        if name is None:
            return True
        if name not in self.conditions:
            raise TemplateError(f"{where}: unknown condition {name!r}")
        return self.conditions[name]

    def _creation_order(self, active: Mapping[str, Any]) -> list[str]:
        """Resources ordered so that each comes after everything it refers to or DependsOn."""
        needs: dict[str, set[str]] = {}
        for logical_id, resource in active.items():
            depends_on = resource.get("DependsOn") or []
            if isinstance(depends_on, str):
                depends_on = [depends_on]
            wanted = references(resource.get("Properties") or {}) | set(depends_on)
            needs[logical_id] = {n for n in wanted if n in active and n != logical_id}
        order: list[str] = []
        done: set[str] = set()
        while len(order) < len(active):
            ready = [lid for lid in active if lid not in done and needs[lid] <= done]
            if not ready:
                waiting = sorted(lid for lid in active if lid not in done)
                raise TemplateError(
                    f"Circular dependency between resources: [{', '.join(waiting)}]"
                )
            order.extend(ready)
            done.update(ready)
        return order

    def _create(self, logical_id: str, resource_type: str, props: dict[str, Any]) -> _Created:
        """Give the resource the physical id and attributes AWS would (same shapes, random)."""
        arn_prefix = f"arn:{self.partition}"
        region, account = self.region, self.account_id
        created = _Created(logical_id, resource_type, props, physical_id="")
        generated_name = self._generated_name(logical_id)
        if resource_type == "AWS::ApiGateway::RestApi":
            created.physical_id = _random(_LOWER_ALNUM, 10)
            created.attributes["RestApiId"] = created.physical_id
            created.attributes["RootResourceId"] = _random(_LOWER_ALNUM, 10)
        elif resource_type == "AWS::ApiGateway::Stage":
            created.physical_id = str(props.get("StageName", ""))
        elif resource_type == "AWS::ApiGateway::Deployment":
            created.physical_id = _random(_LOWER_ALNUM, 6)
            created.attributes["DeploymentId"] = created.physical_id
        elif resource_type == "AWS::ApiGateway::Resource":
            created.physical_id = _random(_LOWER_ALNUM, 6)
            created.attributes["ResourceId"] = created.physical_id
        elif resource_type == "AWS::Cognito::IdentityPool":
            created.physical_id = f"{region}:{uuid.uuid4()}"
            created.attributes["Name"] = str(
                props.get("IdentityPoolName") or f"{logical_id}_{_random(_UPPER_ALNUM, 12)}"
            )
            created.attributes["Id"] = created.physical_id
        elif resource_type == "AWS::IAM::Role":
            name = str(props.get("RoleName") or generated_name)
            path = str(props.get("Path") or "/")
            created.physical_id = name
            created.attributes["Arn"] = f"{arn_prefix}:iam::{account}:role{path}{name}"
            created.attributes["RoleId"] = "AROA" + _random(_UPPER_ALNUM, 17)
        elif resource_type == "AWS::Logs::LogGroup":
            name = str(props.get("LogGroupName") or generated_name)
            created.physical_id = name
            created.attributes["Arn"] = f"{arn_prefix}:logs:{region}:{account}:log-group:{name}:*"
        elif resource_type == "AWS::WAFv2::WebACL":
            name = str(props.get("Name") or generated_name)
            scope = str(props.get("Scope", "REGIONAL"))
            acl_id = str(uuid.uuid4())
            created.physical_id = f"{name}|{acl_id}|{scope}"
            created.attributes.update(
                Id=acl_id,
                Arn=f"{arn_prefix}:wafv2:{region}:{account}:{scope.lower()}/webacl/{name}/{acl_id}",
                LabelNamespace=f"awswaf:{account}:webacl:{name}:",
                Capacity=0,
            )
        elif resource_type == "AWS::Lambda::Function":
            name = str(props.get("FunctionName") or generated_name)
            created.physical_id = name
            created.attributes["Arn"] = f"{arn_prefix}:lambda:{region}:{account}:function:{name}"
        else:
            created.physical_id = generated_name
        return created

    def _generated_name(self, logical_id: str) -> str:
        # CloudFormation's generated names: stack and logical id, shortened to fit 64 characters.
        suffix = _random(_UPPER_ALNUM, 12)
        return f"{self.stack_name[:25]}-{logical_id[:25]}-{suffix}"

    # -- model ---------------------------------------------------------------------------------

    def _model(self) -> Stack:
        by_type: dict[str, list[_Created]] = {}
        for created in self.created.values():
            by_type.setdefault(created.type, []).append(created)
        handled = {
            "AWS::ApiGateway::RestApi",
            "AWS::ApiGateway::Stage",
            "AWS::ApiGateway::Deployment",
            "AWS::ApiGateway::GatewayResponse",
            "AWS::ApiGateway::Resource",
            "AWS::ApiGateway::Method",
            "AWS::Cognito::IdentityPool",
            "AWS::Cognito::IdentityPoolRoleAttachment",
            "AWS::IAM::Role",
            "AWS::IAM::Policy",
            "AWS::IAM::RolePolicy",
        }
        skipped: list[tuple[str, str]] = []
        for created in self.created.values():
            if created.type not in handled:
                self.warn(
                    f"skipping {created.logical_id} ({created.type}): not emulated by the offline stack"
                )
                skipped.append((created.logical_id, created.type))
        rest_apis = _RestApiBuilder(self).build(by_type)
        roles = self._roles(by_type)
        identity_pools = self._identity_pools(by_type, roles)
        return Stack(
            region=self.region,
            account_id=self.account_id,
            partition=self.partition,
            rest_apis=rest_apis,
            identity_pools=identity_pools,
            roles=roles,
            outputs=self._outputs(),
            skipped=tuple(skipped),
            stack_name=self.stack_name,
        )

    def _roles(self, by_type: Mapping[str, list[_Created]]) -> dict[str, Role]:
        inline: dict[str, list[PolicyDocument]] = {}  # role name -> documents
        for created in by_type.get("AWS::IAM::Role", []):
            props = created.properties
            documents = []
            for policy in props.get("Policies") or []:
                documents.append(_policy_document(policy.get("PolicyDocument"), created.logical_id))
            inline[created.physical_id] = documents
            if props.get("ManagedPolicyArns"):
                self.warn(
                    f"{created.logical_id}: managed policies are not emulated by the offline stack "
                    f"({', '.join(map(str, props['ManagedPolicyArns']))}); only inline policies apply"
                )
            if props.get("PermissionsBoundary"):
                self.warn(
                    f"{created.logical_id}: the permissions boundary is not emulated by the offline "
                    "stack; only the inline policies apply"
                )
        # Policies attached from outside the role (AWS::IAM::Policy / AWS::IAM::RolePolicy).
        for created in [
            *by_type.get("AWS::IAM::Policy", []),
            *by_type.get("AWS::IAM::RolePolicy", []),
        ]:
            props = created.properties
            role_names = props.get("Roles") or []
            if created.type == "AWS::IAM::RolePolicy":
                role_names = [props.get("RoleName")]
            document = _policy_document(props.get("PolicyDocument"), created.logical_id)
            for role_name in role_names:
                if role_name in inline:
                    inline[role_name].append(document)
                else:
                    self.warn(
                        f"{created.logical_id}: role {role_name} is not part of this stack; "
                        "its policy is ignored offline"
                    )
        roles: dict[str, Role] = {}
        for created in by_type.get("AWS::IAM::Role", []):
            props = created.properties
            arn = created.attributes["Arn"]
            roles[arn] = Role(
                logical_id=created.logical_id,
                arn=arn,
                name=created.physical_id,
                role_id=created.attributes["RoleId"],
                assume_role_policy=_policy_document(
                    props.get("AssumeRolePolicyDocument"), created.logical_id
                ),
                policies=tuple(inline[created.physical_id]),
                max_session_duration=int(props.get("MaxSessionDuration", 3600)),
            )
        return roles

    def _identity_pools(
        self, by_type: Mapping[str, list[_Created]], roles: Mapping[str, Role]
    ) -> dict[str, IdentityPool]:
        attached: dict[str, dict[str, str]] = {}
        for created in by_type.get("AWS::Cognito::IdentityPoolRoleAttachment", []):
            props = created.properties
            pool_id = str(props.get("IdentityPoolId", ""))
            role_map = {str(k): str(v) for k, v in (props.get("Roles") or {}).items()}
            for kind, arn in role_map.items():
                if arn not in roles:
                    self.warn(
                        f"{created.logical_id}: {kind} role {arn} is not part of this stack; "
                        "Cognito will find no such role offline"
                    )
            attached.setdefault(pool_id, {}).update(role_map)
            if props.get("RoleMappings"):
                self.warn(
                    f"{created.logical_id}: RoleMappings are not emulated by the offline stack "
                    "(they only apply to authenticated identities); the Roles map applies"
                )
        pools: dict[str, IdentityPool] = {}
        for created in by_type.get("AWS::Cognito::IdentityPool", []):
            props = created.properties
            pools[created.physical_id] = IdentityPool(
                logical_id=created.logical_id,
                pool_id=created.physical_id,
                name=created.attributes["Name"],
                allow_unauthenticated=_boolean(props.get("AllowUnauthenticatedIdentities")),
                allow_classic_flow=_boolean(props.get("AllowClassicFlow", False)),
                roles=attached.pop(created.physical_id, {}),
            )
        for pool_id in attached:
            raise TemplateError(
                f"IdentityPoolRoleAttachment names identity pool {pool_id!r}, which is not part of "
                "this stack; refer to it with !Ref"
            )
        return pools

    def _outputs(self) -> dict[str, str]:
        outputs: dict[str, str] = {}
        for name, output in (self.template.get("Outputs") or {}).items():
            where = f"Outputs.{name}"
            if not isinstance(output, dict) or "Value" not in output:
                raise TemplateError(f"{where}: every output needs a Value")
            if not self._condition_holds(output, where):
                continue
            value = resolve(output["Value"], self.ctx.at(where))
            if value is NO_VALUE:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            if not isinstance(value, str | int | float):
                raise TemplateError(f"{where}: an output Value must be a string, got {value!r}")
            outputs[name] = str(value)
        return outputs


def _policy_document(document: Any, logical_id: str) -> PolicyDocument:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            raise TemplateError(
                f"{logical_id}: policy document is not valid JSON: {error}"
            ) from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise TemplateError(f"{logical_id}: a policy document needs a Statement")
    return document


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


# --------------------------------------------------------------------------------------------
# REST APIs: OpenAPI body (what SAM generates) or AWS::ApiGateway::Resource/Method resources
# --------------------------------------------------------------------------------------------


class _RestApiBuilder:
    def __init__(self, deployer: _Deployer) -> None:
        self.deployer = deployer
        self.warn = deployer.warn

    def build(self, by_type: Mapping[str, list[_Created]]) -> dict[str, RestApi]:
        apis = {c.physical_id: c for c in by_type.get("AWS::ApiGateway::RestApi", [])}
        resources: dict[str, dict[str, Resource]] = {api_id: {} for api_id in apis}
        gateway_responses: dict[str, dict[str, GatewayResponse]] = {api_id: {} for api_id in apis}
        for api_id, created in apis.items():
            body = created.properties.get("Body")
            if isinstance(body, str):
                body = _parse_body(body, created.logical_id)
            if body is None and created.properties.get("BodyS3Location"):
                raise TemplateError(
                    f"{created.logical_id}: BodyS3Location needs S3; inline the definition "
                    "(SAM DefinitionBody) for the offline stack"
                )
            if body is not None:
                for resource in _resources_from_openapi(body, created.logical_id):
                    resources[api_id][resource.path] = resource
                for response in _gateway_responses_from_openapi(body):
                    gateway_responses[api_id][response.response_type] = response
        self._add_method_resources(by_type, apis, resources)
        for created in by_type.get("AWS::ApiGateway::GatewayResponse", []):
            api_id = str(created.properties.get("RestApiId", ""))
            if api_id not in apis:
                self.warn(f"skipping {created.logical_id}: RestApiId {api_id} is not in this stack")
                continue
            response = _gateway_response(
                str(created.properties.get("ResponseType")),
                {
                    "statusCode": created.properties.get("StatusCode"),
                    "responseParameters": created.properties.get("ResponseParameters"),
                    "responseTemplates": created.properties.get("ResponseTemplates"),
                },
            )
            # Applied after the body import, so it wins over the body's definition.
            gateway_responses[api_id][response.response_type] = response
        stages = self._stages(by_type, apis)
        return {
            api_id: RestApi(
                logical_id=created.logical_id,
                api_id=api_id,
                name=str(
                    created.properties.get("Name")
                    or (created.properties.get("Body") or {}).get("info", {}).get("title", "")
                ),
                resources=tuple(resources[api_id].values()),
                stages=stages[api_id],
                gateway_responses=gateway_responses[api_id],
            )
            for api_id, created in apis.items()
        }

    def _stages(
        self, by_type: Mapping[str, list[_Created]], apis: Mapping[str, _Created]
    ) -> dict[str, dict[str, Stage]]:
        stages: dict[str, dict[str, Stage]] = {api_id: {} for api_id in apis}
        for created in by_type.get("AWS::ApiGateway::Deployment", []):
            # A Deployment with StageName creates that stage itself.
            props = created.properties
            api_id = str(props.get("RestApiId", ""))
            if props.get("StageName") and api_id in stages:
                description = props.get("StageDescription") or {}
                settings = list(description.get("MethodSettings") or [])
                if "ThrottlingRateLimit" in description or "ThrottlingBurstLimit" in description:
                    settings.insert(
                        0,
                        {
                            "ResourcePath": "/*",
                            "HttpMethod": "*",
                            **{
                                k: description[k]
                                for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit")
                                if k in description
                            },
                        },
                    )
                name = str(props["StageName"])
                stages[api_id][name] = Stage(
                    name=name,
                    throttles=_throttles(settings, created.logical_id),
                    variables={
                        str(k): str(v) for k, v in (description.get("Variables") or {}).items()
                    },
                    deployment_id=created.physical_id,
                )
        for created in by_type.get("AWS::ApiGateway::Stage", []):
            props = created.properties
            api_id = str(props.get("RestApiId", ""))
            if api_id not in stages:
                self.warn(f"skipping {created.logical_id}: RestApiId {api_id} is not in this stack")
                continue
            name = str(props.get("StageName", ""))
            stages[api_id][name] = Stage(
                name=name,
                throttles=_throttles(props.get("MethodSettings") or [], created.logical_id),
                variables={str(k): str(v) for k, v in (props.get("Variables") or {}).items()},
                deployment_id=str(props.get("DeploymentId", "")),
            )
        return stages

    def _add_method_resources(
        self,
        by_type: Mapping[str, list[_Created]],
        apis: Mapping[str, _Created],
        resources: dict[str, dict[str, Resource]],
    ) -> None:
        """APIs written as AWS::ApiGateway::Resource + AWS::ApiGateway::Method resources."""
        paths: dict[str, str] = {}  # resource id -> path
        for created in apis.values():
            paths[created.attributes["RootResourceId"]] = "/"
        pending = list(by_type.get("AWS::ApiGateway::Resource", []))
        while pending:
            progressed = False
            for created in list(pending):
                parent = str(created.properties.get("ParentId", ""))
                if parent in paths:
                    prefix = paths[parent].rstrip("/")
                    paths[created.physical_id] = (
                        f"{prefix}/{created.properties.get('PathPart', '')}"
                    )
                    pending.remove(created)
                    progressed = True
            if not progressed:
                names = ", ".join(c.logical_id for c in pending)
                raise TemplateError(f"API Gateway resources with an unknown ParentId: {names}")
        for created in by_type.get("AWS::ApiGateway::Method", []):
            props = created.properties
            api_id = str(props.get("RestApiId", ""))
            path = paths.get(str(props.get("ResourceId", "")))
            if api_id not in apis or path is None:
                self.warn(
                    f"skipping {created.logical_id}: its RestApiId or ResourceId is not in this stack"
                )
                continue
            integration = props.get("Integration")
            method = Method(
                http_method=str(props.get("HttpMethod", "")).upper(),
                authorization_type=str(props.get("AuthorizationType") or "NONE").upper(),
                integration=None
                if integration is None
                else Integration(
                    type=str(integration.get("Type", "")).upper(),
                    request_templates=_strings(integration.get("RequestTemplates")),
                    passthrough_behavior=str(
                        integration.get("PassthroughBehavior") or "WHEN_NO_MATCH"
                    ).upper(),
                    responses=tuple(
                        IntegrationResponse(
                            selection_pattern=str(r.get("SelectionPattern") or "default"),
                            status_code=str(r.get("StatusCode", "")),
                            response_parameters=_strings(r.get("ResponseParameters")),
                            response_templates=_strings(r.get("ResponseTemplates")),
                        )
                        for r in integration.get("IntegrationResponses") or []
                    ),
                ),
            )
            existing = resources[api_id].get(path)
            methods = dict(existing.methods) if existing else {}
            methods[method.http_method] = method
            resources[api_id][path] = Resource(path=path, methods=methods)


def _parse_body(body: str, logical_id: str) -> Any:
    try:
        return yaml.safe_load(body)
    except yaml.YAMLError as error:
        raise TemplateError(
            f"{logical_id}: Body is not valid JSON/YAML: {_yaml_problem(error)}"
        ) from None


def _strings(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (mapping or {}).items()}


def _resources_from_openapi(body: Mapping[str, Any], logical_id: str) -> list[Resource]:
    # OpenAPI 3 keeps schemes under components.securitySchemes, Swagger 2 in securityDefinitions.
    schemes = dict((body.get("components") or {}).get("securitySchemes") or {})
    schemes.update(body.get("securityDefinitions") or {})
    api_security = body.get("security")
    resources = []
    for path, item in (body.get("paths") or {}).items():
        methods: dict[str, Method] = {}
        for key, operation in (item or {}).items():
            http_method = _OPERATIONS.get(str(key).lower())
            if http_method is None or not isinstance(operation, dict):
                continue  # parameters, summary, servers, ...
            where = f"{logical_id} {http_method} {path}"
            security = operation.get("security", api_security)
            integration = operation.get("x-amazon-apigateway-integration")
            methods[http_method] = Method(
                http_method=http_method,
                authorization_type=_authorization_type(security, schemes, where),
                integration=None if integration is None else _integration(integration),
            )
        resources.append(Resource(path=str(path), methods=methods))
    return resources


def _authorization_type(security: Any, schemes: Mapping[str, Any], where: str) -> str:
    """API Gateway's authorizationType for an operation's OpenAPI security requirement."""
    for requirement in security or []:
        for scheme_name in requirement or {}:
            scheme = schemes.get(scheme_name)
            if not isinstance(scheme, dict):
                raise TemplateError(f"{where}: security scheme {scheme_name!r} is not defined")
            if str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
                return "AWS_IAM"
            authorizer = scheme.get("x-amazon-apigateway-authorizer")
            if isinstance(authorizer, dict):
                kind = str(authorizer.get("type", "")).lower()
                return "COGNITO_USER_POOLS" if kind == "cognito_user_pools" else "CUSTOM"
            # Anything else (the api_key scheme) asks for an API key, not an authorizer.
    return "NONE"


def _integration(spec: Mapping[str, Any]) -> Integration:
    return Integration(
        type=str(spec.get("type", "")).upper(),
        request_templates=_strings(spec.get("requestTemplates")),
        passthrough_behavior=str(spec.get("passthroughBehavior") or "when_no_match").upper(),
        responses=tuple(
            IntegrationResponse(
                selection_pattern=str(pattern),
                status_code=str(response.get("statusCode", "")),
                response_parameters=_strings(response.get("responseParameters")),
                response_templates=_strings(response.get("responseTemplates")),
            )
            for pattern, response in (spec.get("responses") or {}).items()
        ),
    )


def _gateway_responses_from_openapi(body: Mapping[str, Any]) -> list[GatewayResponse]:
    responses = body.get("x-amazon-apigateway-gateway-responses") or {}
    return [_gateway_response(str(kind), spec or {}) for kind, spec in responses.items()]


def _gateway_response(response_type: str, spec: Mapping[str, Any]) -> GatewayResponse:
    status = spec.get("statusCode")
    return GatewayResponse(
        response_type=response_type,
        status_code=None if status in (None, "") else str(status),
        response_parameters=_strings(spec.get("responseParameters")),
        response_templates=_strings(spec.get("responseTemplates")),
    )


def _throttles(settings: list[Any], logical_id: str) -> dict[str, Throttle]:
    throttles: dict[str, Throttle] = {}
    for setting in settings:
        rate = setting.get("ThrottlingRateLimit")
        burst = setting.get("ThrottlingBurstLimit")
        if rate is None and burst is None:
            continue  # a metrics/logging-only setting
        key = _setting_key(
            str(setting.get("ResourcePath", "")), str(setting.get("HttpMethod", "")), logical_id
        )
        throttles[key] = Throttle(
            rate_limit=ACCOUNT_RATE_LIMIT if rate is None else float(rate),
            burst_limit=ACCOUNT_BURST_LIMIT if burst is None else int(float(burst)),
        )
    return throttles


def _setting_key(resource_path: str, http_method: str, logical_id: str) -> str:
    """API Gateway's methodSettings key for a MethodSetting (see model.method_setting_key)."""
    if not (resource_path in ("/", "/*") or resource_path.startswith("/~1")):
        raise TemplateError(
            f"{logical_id}: MethodSettings ResourcePath {resource_path!r} must be '/*', '/' or "
            "the resource path with its slashes written ~1 (e.g. '/~1demo' for /demo)"
        )
    return f"{resource_path[1:]}/{http_method.upper()}"
