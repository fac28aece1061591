"""AWS error codes are written in the errors modules only, and agree with botocore's models.

The codes looked for: every error shape (its name and its wire code) of botocore's model of each
service the offline stack answers for, AWS's common errors (the API references' "Common Errors"
pages, e.g. https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html) and AWS's
JSON front-layer codes, and every code an errors module defines. A string literal (docstrings
aside) of src/guestapi/offline that holds one as a word fails, unless its module is an
`errors.py` (sigv4/errors.py, awsapi/errors.py, each service's).
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
from pathlib import Path

import botocore.session
import pytest

from guestapi.offline.awsapi.errors import AwsError

OFFLINE = Path(__file__).resolve().parents[2] / "src" / "guestapi" / "offline"
SERVED = ("cognito-identity", "sts", "iam", "dynamodb", "ssm", "apigateway", "lambda")
# In no service model: the common errors of the API references, and the JSON front layer's.
COMMON = (
    "AccessDeniedException",
    "AccessDenied",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "InternalFailure",
    "InvalidAction",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "NotAuthorized",
    "OptInRequired",
    "RequestExpired",
    "SerializationException",
    "ServiceUnavailable",
    "Throttling",
    "ThrottlingException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "ValidationError",
    "ValidationException",
)
ERRORS_MODULES = sorted(OFFLINE.rglob("errors.py"))


@functools.cache
def model_errors(service: str) -> dict[str, int | None]:
    """{wire code: HTTP status or None} of every error shape of `service`'s botocore model."""
    model = botocore.session.get_session().get_service_model(service)
    found: dict[str, int | None] = {}
    for shape in model.error_shapes:
        error = shape.metadata.get("error", {})
        found[error.get("code", shape.name)] = error.get("httpStatusCode")
    return found


def defined_codes() -> set[str]:
    return {cls.code for cls in error_classes() if cls.code}


@functools.cache
def error_classes() -> tuple[type[AwsError], ...]:
    classes: list[type[AwsError]] = []
    for path in ERRORS_MODULES:
        name = ".".join(path.relative_to(OFFLINE.parents[1]).with_suffix("").parts)
        module = importlib.import_module(name)
        classes += [
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, AwsError) and value.__module__ == name
        ]
    return tuple(classes)


@functools.cache
def aws_codes() -> frozenset[str]:
    codes = set(COMMON) | defined_codes()
    for service in SERVED:
        model = botocore.session.get_session().get_service_model(service)
        codes |= {shape.name for shape in model.error_shapes} | set(model_errors(service))
    return frozenset(codes)


def written_codes(source: str, codes: frozenset[str]) -> list[tuple[int, str]]:
    """(line, code) of every code a string literal of `source` holds as a word, docstrings aside."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words = re.compile(r"\b(?:" + "|".join(sorted(codes, key=len, reverse=True)) + r")\b")
    return [
        (node.lineno, match)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
        for match in words.findall(node.value)
    ]


def test_the_list_of_codes_is_botocores() -> None:
    codes = aws_codes()
    assert len(codes) > 300  # SSM alone models 140 errors: the models were read
    assert {"NotAuthorizedException", "ResourceNotFoundException", "NoSuchEntity"} <= codes
    assert len(ERRORS_MODULES) >= 8  # awsapi, sigv4 and each service's


@pytest.mark.parametrize(
    "module",
    [p for p in sorted(OFFLINE.rglob("*.py")) if p.name != "errors.py"],
    ids=lambda p: str(p.relative_to(OFFLINE)),
)
def test_no_error_code_is_written_outside_the_errors_modules(module: Path) -> None:
    assert written_codes(module.read_text(encoding="utf-8"), aws_codes()) == []


def test_the_rule_bites_on_a_literal_put_back() -> None:
    # What cognito/service.py wrote ~25 times before errors.py: each form is caught.
    codes = aws_codes()
    assert written_codes('raise AwsError("NotAuthorizedException", MSG)\n', codes) == [
        (1, "NotAuthorizedException")
    ]
    assert written_codes('x = f"{status} ResourceNotFoundException: {m}"\n', codes) != []
    assert written_codes('ERRORS = {"AccessDeniedException": 403}\n', codes) != []
    # Prose may name a code: docstrings are not code, and a longer word is not the code.
    assert written_codes('def f():\n    """Raises NotAuthorizedException."""\n', codes) == []
    assert written_codes('x = "NotAuthorizedExceptionally"\n', codes) == []


# The botocore service each package's errors.py answers for (awsapi and sigv4: every service).
PACKAGE_SERVICE = {
    "cognito": "cognito-identity",
    "sts": "sts",
    "iam": "iam",
    "dynamodb": "dynamodb",
    "ssm": "ssm",
    "apigateway": "apigateway",
    "awslambda": "lambda",
}


def modelled(cls: type[AwsError]) -> str | None:
    """The botocore service whose model defines `cls`'s code, if its package answers for one."""
    service = PACKAGE_SERVICE.get(cls.__module__.split(".")[-2])
    return service if service is not None and cls.code in model_errors(service) else None


MODELLED = [cls for cls in error_classes() if modelled(cls)]


def test_the_status_check_below_sees_the_services_codes() -> None:
    assert len(MODELLED) >= 10


@pytest.mark.parametrize("cls", MODELLED, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_a_code_the_model_defines_carries_the_models_status(cls: type[AwsError]) -> None:
    service = modelled(cls)
    assert service is not None
    # Without an httpStatusCode, an AWS JSON or Query error is a 400.
    assert cls.status == (model_errors(service)[cls.code] or 400)
