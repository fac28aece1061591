"""Handlers for tests/offline/test_lambda_lifecycle.py: slow, hungry or leaving processes."""

import os
import time


def _number(event, name):
    return float((event.get("queryStringParameters") or {}).get(name, "0"))


def wait(event, context):
    seconds = _number(event, "seconds")
    time.sleep(seconds)
    return {"statusCode": 200, "body": f"waited {seconds:g} s"}


def hog(event, context):
    """Holds ?mb=N MB it has written to (untouched pages are not memory)."""
    blob = b"\x01" * (int(_number(event, "mb")) * 1024 * 1024)
    return {"statusCode": 200, "body": f"held {len(blob) >> 20} MB"}


def detach(event, context):
    """A daemon's double fork (fork, setsid, fork) running `sleep 300`, then waits."""
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
    return wait(event, context)
