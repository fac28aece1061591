"""Which scope-down the offline Cognito gives enhanced-flow guest credentials (`local.py
--guest-session-policy`, `launch.build(guest_session_policy=...)`).

"none", the default: how a real stack answers a guest's signed call to an API is unsettled, and
Amplify's docs show such calls working. "documented": AWS's managed session policy as
published (`guestapi.cognito_session_policy`), which lists no execute-api action. Only
GetCredentialsForIdentity guests are scoped down; basic-flow (STS) and authenticated credentials
are not (docs/aws-behaviour.md#guest-scope-down-policy).
"""

from __future__ import annotations

from guestapi import cognito_session_policy
from guestapi.errors import GuestApiError
from guestapi.offline.iam.model import PolicyDocument

CHOICES: dict[str, tuple[PolicyDocument, ...]] = {
    "none": (),
    "documented": (cognito_session_policy.DOCUMENT,),
}


def guest_session_policies(choice: str) -> tuple[PolicyDocument, ...]:
    """The session policies for `choice`; GuestApiError for anything else."""
    if choice not in CHOICES:
        raise GuestApiError(
            f"guest session policy must be one of {', '.join(CHOICES)}, not {choice!r}"
        )
    return CHOICES[choice]
