"""A SAM/CloudFormation template as CloudFormation reads it, for every reader of one.

The lint rules, the offline stack's deploy engine and the tests read templates through this
package only: `reading` (YAML with CloudFormation's short tags, or JSON), `parameters` (values
checked against their declarations, the pseudo parameters), `conditions` (Conditions decided at
given parameter values, `Fn::If`s taken), `intrinsics` (every intrinsic resolved, as at deploy
time), `local_code` (local CodeUris), `transform` (the SAM transform, with aws-sam-translator) and
`openapi` (an API body's operations and the public-route mark).

It imports nothing else of guestapi but `guestapi.errors`: the offline stack, the lint rules and
the checks may all use it.
"""

from guestapi.template.intrinsics import TemplateError

__all__ = ["TemplateError"]
