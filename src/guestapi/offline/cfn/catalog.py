"""What exists on AWS at all: the regions there are, and the resource types CloudFormation knows.

A misspelled region or resource type must stop an offline deploy with one line, as the SDKs and
CloudFormation refuse them (docs/aws-behaviour.md#resource-types-and-regions), never become a
stack with a piece quietly missing. Neither list is written here: the regions are botocore's
partition data, the resource types cfn-lint's resource provider schemas for the region (SAM's
types included), the two libraries that track what AWS publishes.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from typing import Any

import botocore.loaders

from guestapi.template import TemplateError


class UnknownRegionError(TemplateError):
    """The region is in no AWS partition."""


@functools.cache
def _regions() -> dict[str, str]:
    """Region -> partition id ("aws", "aws-cn", ...), from botocore's partitions.json."""
    data = botocore.loaders.create_loader().load_data("partitions")
    regions: dict[str, str] = {}
    for partition in data["partitions"]:
        for region in partition["regions"]:
            # "aws-global" and the like name a partition's global endpoints, not a region.
            if not region.endswith("-global"):
                regions[region] = partition["id"]
    return regions


def _closest(word: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def partition_of(region: str) -> str:
    """The partition `region` belongs to; UnknownRegionError (one line) if it is no region."""
    regions = _regions()
    if region in regions:
        return regions[region]
    closest = _closest(region, regions)
    hint = f"; did you mean {closest}?" if closest else ""
    raise UnknownRegionError(
        f"region {region!r} is not an AWS region (botocore's partition data){hint}"
    )


@functools.cache
def _resource_types(region: str) -> frozenset[str]:
    # Imported here: cfn-lint loads its schema manager on import (a third of a second).
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return frozenset(PROVIDER_SCHEMA_MANAGER.get_resource_types(region))


def check_resource_types(resources: Mapping[str, Any], region: str, source: str) -> None:
    """Refuse the first `AWS::` type CloudFormation does not know in `region`, naming the
    closest one it does. Every resource is checked, whatever its Condition: CloudFormation
    validates the whole template before it creates anything. (read_template has made sure each
    resource has a string Type.)"""
    known = _resource_types(region)
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind in known or not kind.startswith("AWS::"):
            # Custom::Name and third-party registry types (Org::Service::Thing) are not AWS's
            # to list; they are skipped as unemulated.
            continue
        closest = _closest(kind, known)
        hint = f"; did you mean {closest}?" if closest else ""
        raise TemplateError(
            f"{source}: Template format error: Unrecognized resource types: [{kind}] "
            f"(resource {logical_id}, region {region}){hint}"
        )
