"""Deploy a SAM template in memory, in the steps CloudFormation takes with `sam deploy`: parse it
(`guestapi.template.reading`) and refuse a region or resource type AWS does not have
(`catalog.py`); check the parameters; apply the SAM transform; evaluate Conditions and create the
resources in dependency order, each with its properties resolved and a physical id shaped like
the real one (`guestapi.offline.registry`); let each registered service build its model, warning
once per resource none reads; resolve the Outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from guestapi.offline import registry
from guestapi.offline.cfn import unemulated
from guestapi.offline.cfn.catalog import check_resource_types, partition_of
from guestapi.offline.cfn.resources import Created, Deployed, Environment
from guestapi.offline.stack import Stack
from guestapi.template.intrinsics import (
    NO_VALUE,
    ResolveContext,
    TemplateError,
    evaluate_conditions,
    references,
    resolve,
)
from guestapi.template.local_code import stage_local_code
from guestapi.template.parameters import pseudo_parameters, validate_parameters
from guestapi.template.reading import read_template
from guestapi.template.transform import apply_transforms

_log = logging.getLogger(__name__)


def load_stack(
    template: Path | str | Mapping[str, Any],
    *,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    stack_name: str = "guest-api-local",
    overrides: Mapping[str, str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> Stack:
    """Deploy `template` (a path, or an already parsed template) and return the stack model.

    Raises TemplateError, with one line saying what is wrong, for anything CloudFormation would
    refuse: malformed YAML, an unknown region or resource type, a failed SAM transform, a bad
    parameter value, a bad intrinsic. The partition (and so AWS::Partition) is the region's.
    """
    partition = partition_of(region)
    source, document = read_template(template)
    check_resource_types(document["Resources"], region, source)
    declared = document.get("Parameters") or {}
    if not isinstance(declared, dict):
        raise TemplateError(f"{source}: Parameters must be a mapping")
    raw_values, typed_values = validate_parameters(declared, overrides or {})
    pseudo = pseudo_parameters(region, account_id, stack_name, partition)
    template_dir = Path(template).parent if isinstance(template, str | Path) else Path.cwd()
    local_code = stage_local_code(document, template_dir.resolve())
    cloudformation = apply_transforms(document, raw_values, pseudo, region, source)
    env = Environment(
        region=region,
        account_id=account_id,
        partition=partition,
        stack_name=stack_name,
        warn=warn or _log.warning,
        local_code=local_code,
    )
    return _Deployer(cloudformation, parameters=typed_values, pseudo=pseudo, env=env).deploy()


class _Deployer:
    def __init__(
        self,
        template: dict[str, Any],
        *,
        parameters: Mapping[str, str | list[str]],
        pseudo: Mapping[str, Any],
        env: Environment,
    ) -> None:
        self.template = template
        self.env = env
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
        self.created: dict[str, Created] = {}

    def deploy(self) -> Stack:
        resources: dict[str, Any] = self.template["Resources"]
        active = {lid: r for lid, r in resources.items() if self._condition_holds(r, lid)}
        for logical_id in self._creation_order(active):
            resource = active[logical_id]
            properties = resolve(
                resource.get("Properties") or {}, self.ctx.at(f"Resources.{logical_id}")
            )
            created = Created(logical_id, resource["Type"], properties)
            registry.physical_id_factory(created.type)(created, self.env)
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

    def _model(self) -> Stack:
        deployed = Deployed(self.created, self.env)
        for created in self.created.values():
            if created.type not in registry.READ:
                self.env.warn(
                    f"{created.logical_id} ({created.type}) is not emulated: "
                    f"{unemulated.missing_offline(created.type)}"
                )
        models: dict[str, Any] = {}
        for service in registry.SERVICES:
            models[service.model] = service.build(deployed, models)
        return Stack(
            region=self.env.region,
            account_id=self.env.account_id,
            partition=self.env.partition,
            outputs=self._outputs(),
            models=models,
        )

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
