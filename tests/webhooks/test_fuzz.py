"""Hostile input: mutated fixture bodies must give events or MalformedDelivery,
never another exception.  ``_parse`` is called directly, below the safety net in
``Receiver.parse``, so the receivers themselves are what is tested; the seed is
fixed so a failure reproduces."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from tests.webhooks.conftest import SECRET, fixture
from tests.webhooks.test_codecommit import Fetcher, deliver, sns, trigger_message
from tests.webhooks.test_pipeline import CASES
from webhooks.hosts import (
    RECEIVERS,
    CodeCommitReceiver,
    Incoming,
    MalformedDelivery,
    SignatureInvalid,
    identify,
)
from webhooks.hosts.base import Receiver, WebhookError

HOSTILE: list[Any] = [
    None, True, False, 0, -1, 10**400, 1.5, float("inf"), "", "x", "0" * 40, "\u0000",
    "refs/heads/" + "a" * 300, [], [None], [[]], {}, {"a": {}}, "9" * 400, -(10**20),
]

MUTATIONS_PER_BODY = 80


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            yield from _paths(value, (*prefix, index))


def _replace(node: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        copy = dict(node)
        if delete and not rest:
            copy.pop(head, None)
        else:
            copy[head] = _replace(node[head], rest, value, delete)
        return copy
    copy_list = list(node)
    if delete and not rest:
        del copy_list[head]
    else:
        copy_list[head] = _replace(node[head], rest, value, delete)
    return copy_list


def mutations(body: bytes, seed: str) -> Iterator[bytes]:
    rng = random.Random(seed)
    data = json.loads(body)
    paths = list(_paths(data))
    for _ in range(MUTATIONS_PER_BODY):
        path = rng.choice(paths)
        delete = bool(path) and rng.random() < 0.25
        mutated = _replace(data, path, rng.choice(HOSTILE), delete)
        yield json.dumps(mutated).encode()
    # Byte-level damage: cuts, invalid UTF-8, stray bytes.
    for _ in range(8):
        cut = rng.randrange(len(body))
        yield body[:cut]
        yield body[:cut] + b"\xff\xfe" + body[cut:]
        yield body[:cut] + bytes([rng.randrange(256)]) + body[cut + 1:]


def _exercise(receiver: Receiver, incoming: Incoming) -> None:
    for cls in RECEIVERS:
        cls.claims(incoming)  # must never raise
    identify(incoming)
    try:
        receiver.event(incoming)
        receiver.delivery_id(incoming)
        events = receiver._parse(incoming)
    except MalformedDelivery:
        return
    assert isinstance(events, list)


@pytest.mark.parametrize(("path", "receiver", "headers"), [(c[0], c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_mutated_fixtures(path: str, receiver: type[Receiver], headers: dict[str, str]) -> None:
    instance = receiver()
    for body in mutations(fixture(path), path):
        _exercise(instance, Incoming(headers=headers, body=body, query={"secret": SECRET}))


def test_mutated_sns_messages() -> None:
    receiver = CodeCommitReceiver(fetch_certificate=Fetcher())
    inner = trigger_message({"commit": "a" * 40, "ref": "refs/heads/main", "created": True})
    for kind in ("Notification", "SubscriptionConfirmation"):
        envelope = sns(kind)
        for body in mutations(json.dumps(envelope).encode(), kind):
            incoming = Incoming(headers={"x-amz-sns-message-type": kind}, body=body,
                                query={"secret": SECRET})
            _exercise(receiver, incoming)
            try:
                receiver.verify(incoming, [SECRET])
            except (SignatureInvalid, MalformedDelivery):
                pass
    for message in mutations(inner.encode(), "inner"):
        try:
            text = message.decode()
        except UnicodeDecodeError:
            continue
        _exercise(receiver, deliver(sns(message=text)))


def test_the_safety_net_turns_slips_into_malformed() -> None:
    class Sloppy(Receiver):
        host = "sloppy"

        @classmethod
        def claims(cls, incoming: Incoming) -> bool:
            return False

        def verify(self, incoming: Incoming, secrets: Any) -> None:
            return None

        def event(self, incoming: Incoming) -> str:
            return ""

        def delivery_id(self, incoming: Incoming) -> str | None:
            return None

        def _parse(self, incoming: Incoming) -> list[Any]:
            result: list[Any] = incoming.json()["missing"]
            return result

    with pytest.raises(MalformedDelivery, match="KeyError"):
        Sloppy().parse(Incoming(headers={}, body=b"{}"))
    with pytest.raises(WebhookError):
        Sloppy().parse(Incoming(headers={}, body=b"{"))
