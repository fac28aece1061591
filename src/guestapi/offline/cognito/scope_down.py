"""Which scope-down the offline Cognito gives enhanced-flow guest credentials (`local.py
--guest-session-policy`): "none", the default, or "documented", AWS's managed session policy as
published; why the default is none is docs/aws-behaviour.md#guest-scope-down-policy.
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
