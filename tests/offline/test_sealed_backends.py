"""Only the front door answers for DynamoDB and SSM: moto's servers behind it are sealed.

moto checks no signature. Its servers listen on 127.0.0.1, where a function's code (or any local
process) can find them, so each is sealed with a per-launch key only the front door and the
stack's own client send (motoservice/emulator.py). The test scans EVERY listening TCP port of this
process (the stack runs in it) with unsigned DynamoDB and SSM calls, as an attacker on the machine
would: no port may answer with data, and the front door must refuse them. The control test builds
the same stack with the seal removed at our own seam and shows the scan then finds the data.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from guestapi.offline.launch import OfflineStack, build, running
from guestapi.offline.motoservice import emulator as moto_emulator

pytestmark = pytest.mark.offline

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "lambda_routes" / "template.yaml"
ACCOUNT = "123456789012"
SECRET_NAME = "/sealed/secret"
SECRET = "the-secret-value-0451"
MARKER = "note-only-the-stack-may-read-0451"
FORGED = "forged-by-an-unsigned-call"


@dataclass(frozen=True)
class Probe:
    name: str
    target: str  # X-Amz-Target
    content_type: str
    body: dict


def probes(table: str) -> list[Probe]:
    dynamodb = "application/x-amz-json-1.0"
    ssm = "application/x-amz-json-1.1"
    return [
        Probe("ListTables", "DynamoDB_20120810.ListTables", dynamodb, {}),
        Probe("Scan", "DynamoDB_20120810.Scan", dynamodb, {"TableName": table}),
        Probe(
            "PutItem",
            "DynamoDB_20120810.PutItem",
            dynamodb,
            {"TableName": table, "Item": {"identityId": {"S": FORGED}}},
        ),
        Probe(
            "GetParameter",
            "AmazonSSM.GetParameter",
            ssm,
            {"Name": SECRET_NAME, "WithDecryption": True},
        ),
    ]


def listening_tcp_ports() -> set[tuple[str, int]]:
    """(address, port) of every TCP socket of this process in the LISTEN state."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed since listed
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: TCP_LISTEN
                address, port = local.split(":")
                found.add((_address(address), int(port, 16)))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    # /proc/net/tcp* writes each 32-bit word of the address in host (little-endian) order.
    ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(ordered)
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "::1"
    return str(address)


def answers(address: str, port: int, table: str) -> dict[str, tuple[int, str]]:
    """Each probe's (status, body) from one port, unsigned; (0, why) when it did not answer."""
    host = f"[{address}]" if ":" in address else address
    out = {}
    for probe in probes(table):
        try:
            response = requests.post(
                f"http://{host}:{port}/",
                data=json.dumps(probe.body),
                headers={
                    "X-Amz-Target": probe.target,
                    "Content-Type": probe.content_type,
                    # What moto reads to pick the account: an attacker knows it from any ARN.
                    "x-moto-account-id": ACCOUNT,
                },
                timeout=10,
            )
            out[probe.name] = (response.status_code, response.text)
        except requests.RequestException as error:
            out[probe.name] = (0, type(error).__name__)
    return out


def leaks(offline: OfflineStack, replies: dict[str, tuple[int, str]]) -> list[str]:
    """What the replies gave away, and whether the forged write landed."""
    table = next(iter(offline.stack.tables.values())).name
    found = [
        f"{name} answered {status} with {needle!r}"
        for name, (status, text) in replies.items()
        for needle in (table, MARKER, SECRET)
        if needle in text
    ]
    assert offline.dynamodb is not None
    stored = offline.dynamodb.emulator.client.get_item(
        TableName=table, Key={"identityId": {"S": FORGED}}
    ).get("Item")
    if stored is not None:
        found.append("an unsigned PutItem was stored")
    return found


@pytest.fixture
def stack_parts() -> Iterator[tuple[OfflineStack, str]]:
    """A stack with a table holding a note and a SecureString, serving; (stack, its URL)."""
    offline = build(TEMPLATE, account_id=ACCOUNT)
    table = next(iter(offline.stack.tables.values())).name
    assert offline.dynamodb is not None
    offline.dynamodb.emulator.client.put_item(
        TableName=table, Item={"identityId": {"S": "someone"}, "note": {"S": MARKER}}
    )
    offline.put_secure_parameter(SECRET_NAME, SECRET)
    with running(offline) as outputs:
        yield offline, outputs["CognitoIdentityEndpoint"]


def scan(offline: OfflineStack) -> dict[tuple[str, int], dict[str, tuple[int, str]]]:
    table = next(iter(offline.stack.tables.values())).name
    return {where: answers(*where, table) for where in sorted(listening_tcp_ports())}


def moto_ports(offline: OfflineStack) -> set[int]:
    assert offline.dynamodb is not None and offline.ssm is not None
    return {
        urlsplit(offline.dynamodb.emulator.endpoint).port,
        urlsplit(offline.ssm.emulator.endpoint).port,
    }


def test_no_port_but_the_front_door_answers_and_it_refuses(
    stack_parts: tuple[OfflineStack, str],
) -> None:
    offline, url = stack_parts
    replies = scan(offline)
    ports = {port for _, port in replies}
    front_door = urlsplit(url).port
    # The scan reached the back-ends and the front door, not only some other socket.
    assert moto_ports(offline) | {front_door} <= ports
    for (address, port), by_probe in replies.items():
        assert leaks(offline, by_probe) == [], (address, port, by_probe)
        if port in moto_ports(offline):
            assert {status for status, _ in by_probe.values()} == {403}, by_probe
    door = next(by_probe for (_, port), by_probe in replies.items() if port == front_door)
    for name, (status, text) in door.items():
        assert status in (400, 403), (name, status, text)
        assert "MissingAuthenticationToken" in text, (name, text)


def test_without_the_seal_the_scan_finds_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    # The control: our own seam set back to moto's bare app, and the same scan reads the
    # table, the decrypted SecureString, and writes an item, all unsigned.
    monkeypatch.setattr(moto_emulator, "_sealed", lambda app, key: app)
    offline = build(TEMPLATE, account_id=ACCOUNT)
    try:
        table = next(iter(offline.stack.tables.values())).name
        assert offline.dynamodb is not None
        offline.dynamodb.emulator.client.put_item(
            TableName=table, Item={"identityId": {"S": "someone"}, "note": {"S": MARKER}}
        )
        offline.put_secure_parameter(SECRET_NAME, SECRET)
        found = [
            leak
            for (_, port), by_probe in scan(offline).items()
            if port in moto_ports(offline)
            for leak in leaks(offline, by_probe)
        ]
    finally:
        offline.close()
    assert any(MARKER in leak for leak in found), found
    assert any(SECRET in leak for leak in found), found
    assert "an unsigned PutItem was stored" in found
