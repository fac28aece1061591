"""A handler module whose import takes longer than the function's 1 s Timeout."""

import time

time.sleep(1.5)


def handler(event, context):
    return {"remaining_ms": context.get_remaining_time_in_millis()}
