"""Attested App Attest keys: the public key, the last assertion counter seen and Apple's receipt,
per key id."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attest_errors import Refusal
from attest_settings import Clock
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec


def key_item_key(key_id: bytes) -> str:
    # The canonical spelling (standard base64, padded), whatever padding the caller sent.
    return "key#" + base64.standard_b64encode(key_id).decode()


def _conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class AttestedKey:
    key_id: bytes
    public_key: ec.EllipticCurvePublicKey
    counter: int
    app_id: str


class KeyStore:
    def __init__(self, table: Any, clock: Clock) -> None:
        self.table = table
        self.clock = clock

    def store(self, key_id: bytes, public_key_pem: str, app_id: str, receipt: bytes) -> None:
        """Record a newly attested key; key_already_attested if the id is known.

        Apple's receipt (attStmt.receipt) is kept with it, as Apple says to: it is what a later
        fraud-metric request to Apple's App Attest server presents for this key.
        """
        try:
            self.table.put_item(
                Item={
                    "pk": key_item_key(key_id),
                    "publicKey": public_key_pem,
                    "counter": 0,
                    "appId": app_id,
                    "receipt": receipt,
                    "createdAt": int(self.clock()),
                },
                # An attestation is replayable by whoever saw it: the first one wins.
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if not _conditional_failure(exc):
                raise
            raise Refusal("key_already_attested") from None

    def load(self, key_id: bytes) -> AttestedKey:
        item = self.table.get_item(Key={"pk": key_item_key(key_id)}, ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            raise Refusal("unknown_key")
        # Imported here, after the cheap checks: only a refresh of a known key needs it.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        public_key = serialization.load_pem_public_key(str(item["publicKey"]).encode())
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise ValueError("stored key is not an EC key")
        return AttestedKey(key_id, public_key, int(item["counter"]), str(item["appId"]))

    def advance_counter(self, key_id: bytes, counter: int) -> None:
        """Store `counter` if it is above the stored one, atomically; else counter_not_increasing.

        One conditional UpdateItem: of two concurrent refreshes with one counter, one passes.
        """
        try:
            self.table.update_item(
                Key={"pk": key_item_key(key_id)},
                UpdateExpression="SET #counter = :counter",
                ConditionExpression="attribute_exists(pk) AND #counter < :counter",
                ExpressionAttributeNames={"#counter": "counter"},
                ExpressionAttributeValues={":counter": counter},
            )
        except ClientError as exc:
            if not _conditional_failure(exc):
                raise
            raise Refusal("counter_not_increasing") from None
