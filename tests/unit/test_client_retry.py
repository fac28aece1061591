"""Throttled calls are sent again with exponential backoff, a bounded number of times."""

from __future__ import annotations

import requests

from guestapi.client.retry import send_paced


def _answers(*statuses: int):
    queue = list(statuses)

    def send() -> requests.Response:
        response = requests.Response()
        response.status_code = queue.pop(0)
        return response

    return send


def test_a_429_is_sent_again_after_1_2_4_seconds() -> None:
    waits: list[float] = []
    response, retried = send_paced(_answers(429, 429, 429, 200), sleep=waits.append)
    assert (response.status_code, retried, waits) == (200, 3, [1.0, 2.0, 4.0])


def test_retries_are_bounded_and_other_statuses_are_never_retried() -> None:
    waits: list[float] = []
    response, retried = send_paced(_answers(429, 429, 200), retries=1, sleep=waits.append)
    assert (response.status_code, retried, waits) == (429, 1, [1.0])
    for status in (200, 403, 500, 502):
        response, retried = send_paced(_answers(status), sleep=waits.append)
        assert (response.status_code, retried) == (status, 0)
