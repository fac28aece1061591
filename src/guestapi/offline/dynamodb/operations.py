"""What a DynamoDB call asks IAM for: the (action, resource, condition keys) checks of one
request (docs/aws-behaviour.md#dynamodb-authorization): `dynamodb:<Operation>` on the table (or
index) ARN, every table of a batch, each element of a transaction as its own action with
`dynamodb:EnclosingOperation`, and `dynamodb:LeadingKeys` from the partition keys it touches. A
table may be named by its ARN. An operation it cannot plan (PartiQL, backups by ARN, global
tables, exports, imports) is refused with `NotEmulatedError`, never let through unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from guestapi.offline.dynamodb.tables import TableSpec

# Shared by every moto-backed front door; the DynamoDB planner raises and returns them.
from guestapi.offline.motoservice.front_door import Check, NotEmulatedError, RequestShapeError

__all__ = ["Check", "NotEmulatedError", "Planner", "RequestShapeError"]

LEADING_KEYS = "dynamodb:LeadingKeys"
ENCLOSING_OPERATION = "dynamodb:EnclosingOperation"

# Operations whose resource is the table named by TableName.
_ONE_TABLE = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "CreateTable",
        "DeleteTable",
        "DescribeTable",
        "UpdateTable",
        "DescribeTimeToLive",
        "UpdateTimeToLive",
        "DescribeContinuousBackups",
        "UpdateContinuousBackups",
        "DescribeContributorInsights",
        "UpdateContributorInsights",
        "DescribeKinesisStreamingDestination",
        "CreateBackup",
    }
)
_BY_INDEX = frozenset({"Query", "Scan"})
_BY_RESOURCE_ARN = frozenset({"TagResource", "UntagResource", "ListTagsOfResource"})
_ACCOUNT_WIDE = frozenset(
    {
        "ListTables",
        "DescribeLimits",
        "DescribeEndpoints",
        "ListBackups",
        "ListGlobalTables",
        "ListContributorInsights",
        "ListExports",
        "ListImports",
    }
)
_ITEM_KEY = {"GetItem": "Key", "DeleteItem": "Key", "UpdateItem": "Key", "PutItem": "Item"}
_TRANSACT_ELEMENTS = {
    "Get": ("GetItem", "Key"),
    "Put": ("PutItem", "Item"),
    "Update": ("UpdateItem", "Key"),
    "Delete": ("DeleteItem", "Key"),
    "ConditionCheck": ("ConditionCheckItem", "Key"),
}
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_EQUALS = re.compile(r"^\(*\s*(\S+?)\s*=\s*(\S+?)\s*\)*$")


@dataclass(frozen=True)
class Planner:
    """Turns (operation, body) into checks for one deployed stack's account and region."""

    region: str
    account_id: str
    partition: str = "aws"
    tables: Mapping[str, TableSpec] = field(default_factory=dict)  # by name

    def checks(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        handler = self._handler(operation)
        if handler is None:
            raise NotEmulatedError(
                f"{operation} is not authorized by the offline stack, so it is not served"
            )
        return handler(operation, body)

    def _handler(self, operation: str) -> Callable[[str, Mapping[str, Any]], list[Check]] | None:
        if operation in _ONE_TABLE:
            return self._one_table
        if operation in _BY_INDEX:
            return self._by_index
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return self._batch
        if operation in ("TransactGetItems", "TransactWriteItems"):
            return self._transaction
        if operation in _BY_RESOURCE_ARN:
            return self._by_resource_arn
        if operation in _ACCOUNT_WIDE:
            return lambda op, _body: [Check(f"dynamodb:{op}", "*")]
        return None

    # -------------------------------------------------------------------- by operation shape
    def _one_table(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        name, arn = self._table(body.get("TableName"))
        item_key = _ITEM_KEY.get(operation)
        values = self._leading_values(name, [body.get(item_key)]) if item_key else None
        return [Check(f"dynamodb:{operation}", arn, _leading(values))]

    def _by_index(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        name, arn = self._table(body.get("TableName"))
        index = body.get("IndexName")
        if index is not None:
            if not isinstance(index, str) or not index:
                raise RequestShapeError("IndexName must be a non-empty string")
            arn = f"{arn}/index/{index}"
        values = self._query_values(name, index, body) if operation == "Query" else None
        return [Check(f"dynamodb:{operation}", arn, _leading(values))]

    def _batch(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        requests = body.get("RequestItems")
        if not isinstance(requests, Mapping) or not requests:
            raise RequestShapeError("RequestItems must name at least one table")
        checks = []
        for table_name, wanted in requests.items():
            name, arn = self._table(table_name)
            items = _batch_items(operation, wanted)
            checks.append(
                Check(f"dynamodb:{operation}", arn, _leading(self._leading_values(name, items)))
            )
        return checks

    def _transaction(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        elements = body.get("TransactItems")
        if not isinstance(elements, list) or not elements:
            raise RequestShapeError("TransactItems must list at least one action")
        checks = []
        for element in elements:
            kind, inner = _single_entry(element)
            if kind not in _TRANSACT_ELEMENTS or not isinstance(inner, Mapping):
                raise RequestShapeError(f"unknown transaction action {kind!r}")
            action, key_field = _TRANSACT_ELEMENTS[kind]
            name, arn = self._table(inner.get("TableName"))
            context: dict[str, str | list[str]] = {ENCLOSING_OPERATION: operation}
            context.update(_leading(self._leading_values(name, [inner.get(key_field)])))
            checks.append(Check(f"dynamodb:{action}", arn, context))
        return checks

    def _by_resource_arn(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        arn = body.get("ResourceArn")
        if not isinstance(arn, str) or not arn.startswith("arn:"):
            raise RequestShapeError("ResourceArn must be an ARN")
        return [Check(f"dynamodb:{operation}", arn)]

    # -------------------------------------------------------------------- helpers
    def _table(self, value: Any) -> tuple[str, str]:
        """(table name, table ARN) of a TableName value: a name or a table ARN."""
        if not isinstance(value, str) or not value:
            raise RequestShapeError("TableName must be a non-empty string")
        prefix = f"arn:{self.partition}:dynamodb:{self.region}:{self.account_id}:table/"
        if not value.startswith("arn:"):
            return value, prefix + value
        # The request is served from this stack's tables: an ARN of another account or region
        # would be authorized on one table and served from another.
        name = value.removeprefix(prefix)
        if name == value or not name or "/" in name:
            raise RequestShapeError(
                f"TableName {value} is not a table ARN of account {self.account_id} in "
                f"{self.region}, the only tables the offline stack serves"
            )
        return name, value

    def _leading_values(self, table: str, items: Iterable[Any]) -> list[str] | None:
        spec = self.tables.get(table)
        if spec is None:
            return None  # not a table of this stack: DynamoDB will answer ResourceNotFound
        values = [
            _scalar(item.get(spec.keys.hash_key)) for item in items if isinstance(item, Mapping)
        ]
        found = [v for v in values if v is not None]
        return sorted(set(found)) if found else None

    def _query_values(
        self, table: str, index: str | None, body: Mapping[str, Any]
    ) -> list[str] | None:
        spec = self.tables.get(table)
        if spec is None:
            return None
        keys = spec.keys if index is None else getattr(spec.index(index), "keys", None)
        if keys is None:
            return None  # unknown index: DynamoDB refuses the query itself
        value = _query_partition_value(body, keys.hash_key)
        if value is None:
            # Without the partition value a LeadingKeys condition could not be decided, and a
            # ForAllValues condition over no values would allow: refuse instead.
            raise RequestShapeError(
                f"the offline stack could not find the {keys.hash_key} = :value condition "
                "in this Query's key condition"
            )
        return [value]


def _leading(values: list[str] | None) -> dict[str, str | list[str]]:
    return {} if values is None else {LEADING_KEYS: values}


def _single_entry(element: Any) -> tuple[str, Any]:
    if not isinstance(element, Mapping) or len(element) != 1:
        raise RequestShapeError("each TransactItems element must hold exactly one action")
    return next(iter(element.items()))


def _batch_items(operation: str, wanted: Any) -> list[Any]:
    if operation == "BatchGetItem":
        keys = wanted.get("Keys") if isinstance(wanted, Mapping) else None
        if not isinstance(keys, list):
            raise RequestShapeError("each RequestItems entry of BatchGetItem needs Keys")
        return keys
    if not isinstance(wanted, list):
        raise RequestShapeError("each RequestItems entry of BatchWriteItem must be a list")
    items = []
    for write in wanted:
        kind, inner = _single_entry(write)
        field_name = {"PutRequest": "Item", "DeleteRequest": "Key"}.get(kind)
        if field_name is None or not isinstance(inner, Mapping):
            raise RequestShapeError(f"unknown BatchWriteItem request {kind!r}")
        items.append(inner.get(field_name))
    return items


def _scalar(value: Any) -> str | None:
    """The text of an AttributeValue of type S, N or B ({"S": "abc"} -> "abc")."""
    if isinstance(value, Mapping) and len(value) == 1:
        kind, text = next(iter(value.items()))
        if kind in ("S", "N", "B") and isinstance(text, str):
            return text
    return None


def _query_partition_value(body: Mapping[str, Any], hash_key: str) -> str | None:
    legacy = body.get("KeyConditions")
    if isinstance(legacy, Mapping):
        condition = legacy.get(hash_key)
        if isinstance(condition, Mapping) and condition.get("ComparisonOperator") == "EQ":
            values = condition.get("AttributeValueList")
            return _scalar(values[0]) if isinstance(values, list) and values else None
        return None
    expression = body.get("KeyConditionExpression")
    if not isinstance(expression, str):
        return None
    names = body.get("ExpressionAttributeNames") or {}
    values = body.get("ExpressionAttributeValues") or {}
    for part in _AND.split(expression):
        match = _EQUALS.match(part.strip())
        if match is None:
            continue
        for left, right in (match.groups(), reversed(match.groups())):
            if names.get(left, left) == hash_key and right.startswith(":"):
                return _scalar(values.get(right))
    return None
