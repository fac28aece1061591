"""AWS WAF web ACLs associated with API Gateway stages: rate-based rules and the statements
that scope them, evaluated before the gateway's own pipeline (docs/aws-behaviour.md#aws-waf)."""

from guestapi.offline.waf.acl import WebAclEvaluator
from guestapi.offline.waf.model import WebAcl

__all__ = ["WebAcl", "WebAclEvaluator"]
