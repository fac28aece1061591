"""cfn-lint rules for the mistakes that widen what a guest may call.

Load them with `cfn-lint TEMPLATE --append-rules guestapi.lint_rules`: cfn-lint imports this
module and takes every `CloudFormationLintRule` subclass found in it, so each rule is imported
here (and only the rules: a shared base class here would be loaded as a rule of its own).

| id | rule |
| --- | --- |
| E9101 | every API method uses AWS_IAM, unless its operation says `x-guestapi-public: true` |
| E9102 | OPTIONS (the CORS preflight) is never authorized |
| E9103 | a Cognito role's execute-api resources name a concrete API, stage, method and path |
| E9104 | a Cognito role's trust pins `aud` to this pool and pins `amr` |
| E9105 | `AllowClassicFlow` is false with the parameters' defaults |
| E9106 | DEFAULT_4XX and DEFAULT_5XX carry the CORS headers |
| E9107 | every signed method is granted to a Cognito role (`x-guestapi-public` ones aside) |
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
