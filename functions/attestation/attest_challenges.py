"""One-time challenges: issued with a lifetime, consumed at most once, stored only as hashes.

Consumption is one conditional UpdateItem (exists, not used, not expired), so two requests with
one challenge cannot both pass. It happens before the evidence is looked at: a challenge is spent
even when the evidence then fails, so a caller cannot probe the verifier with one challenge.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from attest_errors import Refusal
from attest_settings import Clock
from botocore.exceptions import ClientError

_CHALLENGE_BYTES = 32


def challenge_key(challenge: str) -> str:
    # A leaked table reveals no usable challenge.
    return "challenge#" + hashlib.sha256(challenge.encode()).hexdigest()


def _conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class Challenges:
    def __init__(self, table: Any, ttl_seconds: int, clock: Clock) -> None:
        self.table = table
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    def issue(self) -> dict[str, Any]:
        challenge = (
            base64.urlsafe_b64encode(secrets.token_bytes(_CHALLENGE_BYTES)).rstrip(b"=").decode()
        )
        issued = self.clock()
        expires_at = int(issued) + self.ttl_seconds
        self.table.put_item(
            Item={
                "pk": challenge_key(challenge),
                # expiresAt is the table's TTL attribute too: DynamoDB deletes spent challenges,
                # but consume() compares it itself, as TTL deletion can lag by days.
                "expiresAt": expires_at,
                "used": False,
                "issuedAt": Decimal(str(issued)),
            }
        )
        return {"challenge": challenge, "expiresAt": expires_at, "expiresIn": self.ttl_seconds}

    def consume(self, challenge: str) -> None:
        """Mark the challenge used, or refuse: challenge_unknown, _expired or _replayed."""
        key = challenge_key(challenge)
        now = Decimal(str(self.clock()))
        try:
            self.table.update_item(
                Key={"pk": key},
                UpdateExpression="SET used = :true, usedAt = :now",
                ConditionExpression="attribute_exists(pk) AND used = :false AND expiresAt > :now",
                ExpressionAttributeValues={":true": True, ":false": False, ":now": now},
            )
        except ClientError as exc:
            if not _conditional_failure(exc):
                raise
            raise Refusal(self._why_not(key)) from None

    def _why_not(self, key: str) -> str:
        item = self.table.get_item(Key={"pk": key}, ConsistentRead=True).get("Item")
        if item is None:
            return "challenge_unknown"
        if item.get("used"):
            return "challenge_replayed"
        return "challenge_expired"
