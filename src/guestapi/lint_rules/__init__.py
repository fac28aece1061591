"""cfn-lint rules for the mistakes that widen what a guest may call (the list:
docs/least-privilege.md).

Load them with `cfn-lint TEMPLATE --append-rules guestapi.lint_rules`: cfn-lint imports this
module and takes every `CloudFormationLintRule` subclass found in it, so each rule is imported
here (and only the rules: a shared base class here would be loaded as a rule of its own).
"""

from guestapi.lint_rules.api_methods import ApiMethodsUseIam, OptionsIsNeverAuthorized
from guestapi.lint_rules.gateway_responses import GatewayResponsesCarryCors
from guestapi.lint_rules.guest_policy import GuestPolicyIsConcrete
from guestapi.lint_rules.identity_pool import ClassicFlowOffByDefault
from guestapi.lint_rules.method_grants import SignedMethodsAreGranted
from guestapi.lint_rules.trust_policy import TrustPinsAudienceAndAmr

__all__ = [
    "ApiMethodsUseIam",
    "ClassicFlowOffByDefault",
    "GatewayResponsesCarryCors",
    "GuestPolicyIsConcrete",
    "OptionsIsNeverAuthorized",
    "SignedMethodsAreGranted",
    "TrustPinsAudienceAndAmr",
]
