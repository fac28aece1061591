"""A SAM/CloudFormation template as CloudFormation reads it: the lint rules, the offline stack's
deploy engine and the tests read templates through this package only. It imports nothing of
guestapi but `guestapi.errors`, so the offline stack, the lint rules and the checks may use it.
"""

from guestapi.template.intrinsics import TemplateError

__all__ = ["TemplateError"]
