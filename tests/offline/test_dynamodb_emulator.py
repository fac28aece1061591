"""The DynamoDB emulator: moto's server holding a stack's tables, sealed off from other clients,
gone with the stack. tests/unit/test_dynamodb_offline.py covers the template's tables."""

from __future__ import annotations

import re
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError

from _dynamodb_helpers import ACCOUNT, ARN, REGION, spec
from guestapi.offline.dynamodb.emulator import DynamoDbEmulator, EmulatorError


def _listening(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    with socket.socket() as probe:
        return probe.connect_ex((parts.hostname, parts.port)) == 0


def _threads_beyond(before: set[threading.Thread], within_s: float = 5.0) -> set[threading.Thread]:
    """Threads not in `before` still alive after up to `within_s`: a stopped server's request
    threads are daemons that end on their own once their connection closes, not at shutdown."""
    deadline = time.monotonic() + within_s
    while (extra := set(threading.enumerate()) - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    return extra


def test_emulator_serves_the_tables_and_leaves_nothing_behind() -> None:
    threads_before = set(threading.enumerate())
    with DynamoDbEmulator(
        [spec("A"), spec("B", TimeToLiveSpecification={"AttributeName": "exp", "Enabled": True})],
        region=REGION,
        account_id=ACCOUNT,
    ) as emulator:
        endpoint = emulator.endpoint
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", endpoint) and _listening(endpoint)
        client = emulator.client
        assert client.list_tables()["TableNames"] == ["A", "B"]
        assert (
            client.describe_table(TableName="A")["Table"]["TableArn"] == f"{ARN}/A"
        )  # stack's account
        assert (
            client.describe_time_to_live(TableName="B")["TimeToLiveDescription"]["TimeToLiveStatus"]
            == "ENABLED"
        )
        # A real boto3 client of its own, as a test would use moto's server: sealed off
        # without this launch's key (tests/offline/test_sealed_backends.py), served with it.
        own = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="x",
        )
        extra = {"x-moto-account-id": ACCOUNT}

        def add_headers(request: Any, **_: Any) -> None:
            for name, value in extra.items():
                request.headers[name] = value

        own.meta.events.register("before-sign.dynamodb", add_headers)
        with pytest.raises(ClientError, match="front door only"):
            own.list_tables()
        extra.update(emulator.upstream.headers())
        own.put_item(TableName="A", Item={"pk": {"S": "k1"}, "n": {"N": "7"}})
        assert own.get_item(TableName="A", Key={"pk": {"S": "k1"}})["Item"]["n"] == {"N": "7"}
        own.close()
    assert not _listening(endpoint)
    assert _threads_beyond(threads_before) == set()
    # The tables were deleted: a new emulator starts clean with the same names.
    with DynamoDbEmulator([spec("A")], region=REGION, account_id=ACCOUNT) as again:
        assert again.client.scan(TableName="A")["Items"] == []


def test_second_emulator_with_the_same_table_is_refused() -> None:
    with DynamoDbEmulator([spec("Shared")], region=REGION, account_id=ACCOUNT) as first:
        threads = set(threading.enumerate())
        with pytest.raises(EmulatorError, match="table Shared already exists"):
            DynamoDbEmulator([spec("Shared")], region=REGION, account_id=ACCOUNT).start()
        assert _threads_beyond(threads) == set()  # the refused one stopped its server
        assert first.client.list_tables()["TableNames"] == ["Shared"]
        # moto keeps one store per account: another account's stack may use the same name.
        with DynamoDbEmulator([spec("Shared")], region=REGION, account_id="210987654321") as other:
            arn = other.client.describe_table(TableName="Shared")["Table"]["TableArn"]
            assert arn == "arn:aws:dynamodb:us-east-1:210987654321:table/Shared"
