"""A handler in a package, named "pkg/nested.handler" or "pkg.nested.handler"."""


def handler(event, context):
    return {"module": __name__}
