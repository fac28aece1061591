"""A SAM/CloudFormation template as CloudFormation reads it: the lint rules, the offline stack's
deploy engine and the tests read templates through this package only. It imports nothing of
guestapi but its errors and text-file helpers: the offline stack, lint rules and checks may use it.
"""

from guestapi.template.intrinsics import TemplateError

__all__ = ["TemplateError"]
