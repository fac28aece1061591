"""A handler module whose import fails: Runtime.ImportModuleError."""

import no_such_module_for_offline_lambda_tests  # noqa: F401


def handler(event, context):
    return "never"
