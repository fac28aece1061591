"""CloudFormation, as the offline stack deploys a template: read, check, transform, create."""

from typing import Any

from guestapi.offline.cfn.intrinsics import TemplateError

__all__ = ["TemplateError", "load_stack"]


def __getattr__(name: str) -> Any:
    # Lazy: the engine imports every service package (registry.py), and those import
    # cfn.resources; importing the engine here would make that a cycle.
    if name == "load_stack":
        from guestapi.offline.cfn.engine import load_stack

        return load_stack
    raise AttributeError(name)
