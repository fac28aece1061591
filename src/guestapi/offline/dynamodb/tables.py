"""DynamoDB tables from the template: `AWS::DynamoDB::Table` properties, checked, as CreateTable.

`AWS::Serverless::SimpleTable` needs nothing here: the SAM transform has already turned it into
an `AWS::DynamoDB::Table` (PrimaryKey -> KeySchema and AttributeDefinitions, PAY_PER_REQUEST
unless ProvisionedThroughput is given) before the engine creates resources.

What CloudFormation would refuse (a key attribute without a definition, an LSI on another
partition key, PROVISIONED without throughput, an unknown property) is refused here, each time
as one line naming the resource. Properties that change nothing offline (encryption, backups,
tags, streams, ...) are accepted and listed in `TableSpec.ignored`, so the caller can say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from guestapi.template import TemplateError

TABLE_TYPE = "AWS::DynamoDB::Table"
PROVISIONED = "PROVISIONED"
PAY_PER_REQUEST = "PAY_PER_REQUEST"
_SCALAR_TYPES = frozenset({"S", "N", "B"})
_PROJECTIONS = frozenset({"ALL", "KEYS_ONLY", "INCLUDE"})

# Accepted and without effect offline: the reason goes into `TableSpec.ignored`.
_NO_OFFLINE_EFFECT = {
    "StreamSpecification": "DynamoDB Streams are not emulated (no stream records)",
    "KinesisStreamSpecification": "Kinesis streaming is not emulated",
    "SSESpecification": "encryption at rest has no offline meaning",
    "PointInTimeRecoverySpecification": "backups are not emulated",
    "ContributorInsightsSpecification": "CloudWatch Contributor Insights is not emulated",
    "DeletionProtectionEnabled": "the offline table is deleted with the offline stack",
    "TableClass": "storage classes have no offline meaning",
    "Tags": "tags are not evaluated offline",
    "WarmThroughput": "throughput is not limited offline",
    "OnDemandThroughput": "throughput is not limited offline",
    "ResourcePolicy": "resource-based policies are not evaluated (identity policies only)",
}
_MAPPED = frozenset(
    {
        "TableName",
        "KeySchema",
        "AttributeDefinitions",
        "BillingMode",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "TimeToLiveSpecification",
    }
)


class TableDefinitionError(TemplateError):
    """An `AWS::DynamoDB::Table` CloudFormation would refuse to create (one line)."""


@dataclass(frozen=True)
class KeySchema:
    hash_key: str
    range_key: str | None = None

    def attributes(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    def as_api(self) -> list[dict[str, str]]:
        keys = [{"AttributeName": self.hash_key, "KeyType": "HASH"}]
        if self.range_key is not None:
            keys.append({"AttributeName": self.range_key, "KeyType": "RANGE"})
        return keys


@dataclass(frozen=True)
class SecondaryIndex:
    name: str
    keys: KeySchema
    projection: Mapping[str, Any]
    throughput: Mapping[str, int] | None = None

    def as_api(self) -> dict[str, Any]:
        index: dict[str, Any] = {
            "IndexName": self.name,
            "KeySchema": self.keys.as_api(),
            "Projection": dict(self.projection),
        }
        if self.throughput is not None:
            index["ProvisionedThroughput"] = dict(self.throughput)
        return index


@dataclass(frozen=True)
class TableSpec:
    """One table as the template declares it, checked, ready for CreateTable."""

    logical_id: str
    name: str
    arn: str
    keys: KeySchema
    attribute_types: Mapping[str, str]  # attribute name -> "S" | "N" | "B"
    billing_mode: str = PAY_PER_REQUEST
    throughput: Mapping[str, int] | None = None
    global_indexes: tuple[SecondaryIndex, ...] = ()
    local_indexes: tuple[SecondaryIndex, ...] = ()
    ttl_attribute: str | None = None  # TimeToLiveSpecification with Enabled: true
    ignored: tuple[str, ...] = field(default=())  # "Property: why it changes nothing offline"

    def index(self, name: str) -> SecondaryIndex | None:
        return next(
            (i for i in (*self.global_indexes, *self.local_indexes) if i.name == name), None
        )

    def create_table_request(self) -> dict[str, Any]:
        """The CreateTable parameters (boto3 names) that make this table."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeySchema": self.keys.as_api(),
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in self.attribute_types.items()
            ],
            "BillingMode": self.billing_mode,
        }
        if self.throughput is not None:
            request["ProvisionedThroughput"] = dict(self.throughput)
        if self.global_indexes:
            request["GlobalSecondaryIndexes"] = [i.as_api() for i in self.global_indexes]
        if self.local_indexes:
            request["LocalSecondaryIndexes"] = [i.as_api() for i in self.local_indexes]
        return request


def table_spec(logical_id: str, properties: Mapping[str, Any], *, name: str, arn: str) -> TableSpec:
    """The checked table of an `AWS::DynamoDB::Table` whose properties are already resolved.

    `name` is its physical name (TableName, or the one CloudFormation generated), `arn` its ARN.
    Raises TableDefinitionError for what CloudFormation would refuse.
    """
    where = f"{logical_id} ({TABLE_TYPE})"
    _check_property_names(properties, where)
    if "ImportSourceSpecification" in properties:
        raise TableDefinitionError(
            f"{where}: ImportSourceSpecification (import from S3) is not emulated offline"
        )
    keys = _key_schema(properties.get("KeySchema"), f"{where} KeySchema")
    types = _attribute_definitions(properties.get("AttributeDefinitions"), where)
    billing = _billing_mode(properties, where)
    provisioned = billing == PROVISIONED
    gsis = tuple(
        _index(raw, f"{where} GlobalSecondaryIndexes", provisioned=provisioned)
        for raw in _list(
            properties.get("GlobalSecondaryIndexes"), f"{where} GlobalSecondaryIndexes"
        )
    )
    lsis = tuple(
        _index(raw, f"{where} LocalSecondaryIndexes", provisioned=False)
        for raw in _list(properties.get("LocalSecondaryIndexes"), f"{where} LocalSecondaryIndexes")
    )
    _check_local_indexes(lsis, keys, where)
    _check_definitions_match_keys(types, (keys, *(i.keys for i in (*gsis, *lsis))), where)
    _check_unique_index_names((*gsis, *lsis), where)
    return TableSpec(
        logical_id=logical_id,
        name=name,
        arn=arn,
        keys=keys,
        attribute_types=types,
        billing_mode=billing,
        throughput=_throughput(properties.get("ProvisionedThroughput"), where)
        if provisioned
        else None,
        global_indexes=gsis,
        local_indexes=lsis,
        ttl_attribute=_ttl_attribute(properties.get("TimeToLiveSpecification"), where),
        ignored=tuple(f"{p}: {why}" for p, why in _NO_OFFLINE_EFFECT.items() if p in properties),
    )


# --------------------------------------------------------------------------------------------
# Property checks
# --------------------------------------------------------------------------------------------
def _check_property_names(properties: Mapping[str, Any], where: str) -> None:
    known = _MAPPED | set(_NO_OFFLINE_EFFECT) | {"ImportSourceSpecification"}
    unknown = sorted(set(properties) - known)
    if unknown:
        # CloudFormation's resource schema validation refuses undeclared properties.
        raise TableDefinitionError(f"{where}: unsupported property {unknown[0]}")


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TableDefinitionError(f"{where} must be a list")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TableDefinitionError(f"{where} must be an object")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise TableDefinitionError(f"{where} must be a non-empty string")
    return value


def _key_schema(value: Any, where: str) -> KeySchema:
    elements = _list(value, where)
    if not 1 <= len(elements) <= 2:
        raise TableDefinitionError(f"{where} must list 1 or 2 keys (HASH, then RANGE)")
    pairs = []
    for element in elements:
        element = _mapping(element, where)
        pairs.append(
            (
                _text(element.get("AttributeName"), f"{where} AttributeName"),
                element.get("KeyType"),
            )
        )
    if pairs[0][1] != "HASH" or (len(pairs) == 2 and pairs[1][1] != "RANGE"):
        raise TableDefinitionError(f"{where}: the first key must be HASH and a second RANGE")
    return KeySchema(pairs[0][0], pairs[1][0] if len(pairs) == 2 else None)


def _attribute_definitions(value: Any, where: str) -> dict[str, str]:
    types: dict[str, str] = {}
    for element in _list(value, f"{where} AttributeDefinitions"):
        element = _mapping(element, f"{where} AttributeDefinitions")
        name = _text(element.get("AttributeName"), f"{where} AttributeDefinitions AttributeName")
        kind = element.get("AttributeType")
        if kind not in _SCALAR_TYPES:
            raise TableDefinitionError(
                f"{where}: attribute {name} has AttributeType {kind!r} (S, N or B)"
            )
        if name in types:
            raise TableDefinitionError(f"{where}: attribute {name} is defined twice")
        types[name] = kind
    return types


def _billing_mode(properties: Mapping[str, Any], where: str) -> str:
    mode = properties.get("BillingMode", PROVISIONED)  # CloudFormation's default
    if mode not in (PROVISIONED, PAY_PER_REQUEST):
        raise TableDefinitionError(
            f"{where}: BillingMode {mode!r} (PROVISIONED or PAY_PER_REQUEST)"
        )
    if mode == PROVISIONED and "ProvisionedThroughput" not in properties:
        raise TableDefinitionError(
            f"{where}: BillingMode PROVISIONED (the default) needs ProvisionedThroughput"
        )
    return mode


def _capacity(value: Any, where: str) -> int:
    # Resolved Refs of Number parameters arrive as strings.
    text = (
        str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    )
    if not text.isdigit() or int(text) < 1:
        raise TableDefinitionError(f"{where} must be a positive whole number, got {value!r}")
    return int(text)


def _throughput(value: Any, where: str) -> dict[str, int]:
    where = f"{where} ProvisionedThroughput"
    throughput = _mapping(value, where)
    return {
        unit: _capacity(throughput.get(unit), f"{where} {unit}")
        for unit in ("ReadCapacityUnits", "WriteCapacityUnits")
    }


def _projection(value: Any, where: str) -> dict[str, Any]:
    where = f"{where} Projection"
    projection = _mapping(value, where)
    kind = projection.get("ProjectionType", "KEYS_ONLY")
    if kind not in _PROJECTIONS:
        raise TableDefinitionError(f"{where}: ProjectionType {kind!r} (ALL, KEYS_ONLY or INCLUDE)")
    result: dict[str, Any] = {"ProjectionType": kind}
    non_key = projection.get("NonKeyAttributes")
    if kind == "INCLUDE":
        names = _list(non_key, f"{where} NonKeyAttributes")
        if not names:
            raise TableDefinitionError(f"{where}: INCLUDE needs NonKeyAttributes")
        result["NonKeyAttributes"] = [_text(n, f"{where} NonKeyAttributes") for n in names]
    elif non_key:
        raise TableDefinitionError(f"{where}: NonKeyAttributes only go with INCLUDE")
    return result


def _index(value: Any, where: str, *, provisioned: bool) -> SecondaryIndex:
    raw = _mapping(value, where)
    name = _text(raw.get("IndexName"), f"{where} IndexName")
    where = f"{where} {name}"
    return SecondaryIndex(
        name=name,
        keys=_key_schema(raw.get("KeySchema"), f"{where} KeySchema"),
        projection=_projection(raw.get("Projection"), where),
        # A GSI of a PROVISIONED table has its own throughput; LSIs share the table's.
        throughput=_throughput(raw.get("ProvisionedThroughput"), where) if provisioned else None,
    )


def _check_local_indexes(lsis: tuple[SecondaryIndex, ...], keys: KeySchema, where: str) -> None:
    for index in lsis:
        if index.keys.hash_key != keys.hash_key or index.keys.range_key is None:
            raise TableDefinitionError(
                f"{where}: local secondary index {index.name} must have the table's partition "
                f"key ({keys.hash_key}) and a sort key"
            )


def _check_definitions_match_keys(
    types: Mapping[str, str], schemas: tuple[KeySchema, ...], where: str
) -> None:
    # DynamoDB wants exactly the key attributes defined: none missing, none extra.
    used = {name for schema in schemas for name in schema.attributes()}
    missing = sorted(used - set(types))
    if missing:
        raise TableDefinitionError(
            f"{where}: key attribute {missing[0]} has no entry in AttributeDefinitions"
        )
    extra = sorted(set(types) - used)
    if extra:
        raise TableDefinitionError(
            f"{where}: AttributeDefinitions lists {extra[0]}, which is no table or index key"
        )


def _check_unique_index_names(indexes: tuple[SecondaryIndex, ...], where: str) -> None:
    seen: set[str] = set()
    for index in indexes:
        if index.name in seen:
            raise TableDefinitionError(f"{where}: index name {index.name} is used twice")
        seen.add(index.name)


def _ttl_attribute(value: Any, where: str) -> str | None:
    if value is None:
        return None
    where = f"{where} TimeToLiveSpecification"
    spec = _mapping(value, where)
    enabled = spec.get("Enabled")
    if str(enabled).lower() not in ("true", "false"):
        raise TableDefinitionError(f"{where}: Enabled must be true or false")
    if str(enabled).lower() == "false":
        return None
    return _text(spec.get("AttributeName"), f"{where} AttributeName")
