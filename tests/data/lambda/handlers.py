"""Handlers for tests/offline/test_lambda_runtime.py: one per behaviour of the offline Lambda
runtime. Each reads what it needs from the event, so one module serves every test."""

import ctypes
import decimal
import logging
import os
import secrets
import signal
import subprocess
import sys
import time

# Which sandbox answered: process ids say nothing in a PID namespace (the runtime is always 2).
INSTANCE = secrets.token_hex(8)


def echo(event, context):
    return {"event": event, "pid": os.getpid(), "instance": INSTANCE}


def context_fields(event, context):
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "identity_id": context.identity.cognito_identity_id,
        "client_context": context.client_context,
        "cwd": os.getcwd(),
        "path0": sys.path[0],
    }


def environment(event, context):
    return dict(os.environ)


def boto3_view(event, context):
    """What boto3 resolves from the sandbox's environment alone: no endpoint or key in code."""
    import boto3

    session = boto3.Session()
    credentials = session.get_credentials().get_frozen_credentials()
    return {
        "access_key": credentials.access_key,
        "region": session.region_name,
        "cognito": session.client("cognito-identity").meta.endpoint_url,
        "dynamodb": session.client("dynamodb").meta.endpoint_url,
        "sts": session.client("sts").meta.endpoint_url,
    }


def boom(event, context):
    raise KeyError("no such thing")


def sleep(event, context):
    time.sleep(event["seconds"])
    return {"slept": event["seconds"], "pid": os.getpid(), "instance": INSTANCE}


def leave(event, context):
    how = event["how"]
    if how == "sys.exit":
        sys.exit(event["code"])
    if how == "os._exit":
        os._exit(event["code"])
    if how == "segfault":
        ctypes.string_at(0)
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return {"stayed": True}


def not_json(event, context):
    return {1, 2, 3}


def decimals(event, context):
    return {"int": decimal.Decimal("42"), "float": decimal.Decimal("1.5")}


def too_big(event, context):
    return "x" * 6291556  # with its quotes, 2 bytes over Lambda's limit


def raw_bytes(event, context):
    return b"\x00\x01binary"


def chatty(event, context):
    """Prints and logs, and plants its own credentials in the output."""
    print("printed for", context.aws_request_id)
    print("to stderr for", context.aws_request_id, file=sys.stderr)
    logging.getLogger("app").warning("logged for %s", context.aws_request_id)
    print("my secret is", os.environ["AWS_SECRET_ACCESS_KEY"])
    print("my token is", os.environ["AWS_SESSION_TOKEN"])
    print("a forged\nline and a \x1b[31mcolour\r")
    sys.stdout.write("y" * event.get("long", 0))  # no newline: the longest line there is
    return "done"


def burst(event, context):
    """Many lines, the last ones written just before returning."""
    for n in range(event["lines"]):
        print(f"line {n} of {context.aws_request_id}")
    return "done"


def spawn_child(event, context):
    child = subprocess.Popen(["sleep", "60"])
    return {"pid": os.getpid(), "child": child.pid, "instance": INSTANCE}


def detach(event, context):
    """Starts a `sleep` that leaves the runtime's process tree and session (fork, setsid, fork:
    a daemon's double fork), then sleeps itself for event["seconds"]."""
    running_r, running_w = os.pipe()  # closed on exec: end of file once `sleep` runs
    middle = os.fork()
    if middle == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "300"])
        os._exit(0)
    os.close(running_w)
    os.waitpid(middle, 0)
    os.read(running_r, 1)
    os.close(running_r)
    time.sleep(event.get("seconds", 0))
    return {"detached": True}


def hog(event, context):
    """Holds event["mb"] MB of memory it has written to (untouched pages are not memory)."""
    blob = b"\x01" * (event["mb"] * 1024 * 1024)
    return {"held_mb": len(blob) >> 20}


def boto3_clients(event, context):
    """What most functions do at start: boto3 and a few clients."""
    import boto3

    for service in ("dynamodb", "sts", "cognito-identity", "ssm"):
        boto3.client(service)
    return "ready"


def scan_environ(event, context):
    """Every /proc/<pid>/environ this function can read, searched for event["needles"]."""
    needles = [n.encode() for n in event["needles"]]
    read, found = [], set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as environ:
                data = environ.read()
        except OSError:
            continue
        read.append(int(name))
        found.update(n.decode() for n in needles if n in data)
    return {"read": read, "found": sorted(found), "me": os.getpid()}


def pid(event, context):
    return os.getpid()


def sleep_and_tell(event, context):
    """Writes its pid where the test can find it, then never returns in time."""
    with open(event["pidfile"], "w") as out:
        out.write(str(os.getpid()))
    time.sleep(event["seconds"])
