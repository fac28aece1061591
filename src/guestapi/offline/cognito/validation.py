"""Cognito Identity's members as its API reference constrains them (`awsapi.validation` checks
them, docs/aws-behaviour.md#cognito-errors)."""

from __future__ import annotations

from guestapi.offline.awsapi.validation import Member

ID_PATTERN = r"[\w-]+:[0-9a-f-]+"  # IdentityPoolId and IdentityId, as the API reference gives it

POOL_ID = Member("IdentityPoolId", "identityPoolId", required=True, high=55, pattern=ID_PATTERN)
IDENTITY_ID = Member("IdentityId", "identityId", required=True, high=55, pattern=ID_PATTERN)
OPTIONAL_IDENTITY_ID = Member("IdentityId", "identityId", high=55, pattern=ID_PATTERN)
ACCOUNT_ID = Member("AccountId", "accountId", high=15, pattern=r"\d+")
LOGINS = Member("Logins", "logins", dict)
REQUIRED_LOGINS = Member("Logins", "logins", dict, required=True)
CUSTOM_ROLE = Member("CustomRoleArn", "customRoleArn", high=2048)
