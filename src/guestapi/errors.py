"""The root of the project's exception families.

Scripts catch `GuestApiError` and print its message as one line on stderr with exit code 2:
these are expected failures (no stack, no credentials, bad template, bad input), not bugs.
Each module defines its own subclass so callers can tell the families apart.
"""

from __future__ import annotations


class GuestApiError(Exception):
    """An expected failure whose message tells the user what to do."""
