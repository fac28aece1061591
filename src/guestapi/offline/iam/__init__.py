"""IAM for the offline stack: roles from the template, and the policy evaluation AWS applies."""

from guestapi.offline.iam.model import PolicyDocument, Role
from guestapi.offline.iam.policy import (
    Decision,
    evaluate,
    evaluate_session,
    evaluate_trust,
    reads_context,
)

__all__ = [
    "Decision",
    "PolicyDocument",
    "Role",
    "evaluate",
    "evaluate_session",
    "evaluate_trust",
    "reads_context",
]
