from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from webhooks.hosts import Incoming, MalformedDelivery, SignatureInvalid, WebhookError
from webhooks.hosts.base import decode_json, get_id, parse_time, split_name_email
from webhooks.hosts.events import full_ref, is_history_ref, pull_request_keys, short_ref, unique


def test_errors_carry_status_code_and_message() -> None:
    assert (SignatureInvalid.status, SignatureInvalid.code) == (401, "bad_signature")
    assert (MalformedDelivery.status, MalformedDelivery.code) == (400, "malformed")
    error = MalformedDelivery("ref is missing")
    assert isinstance(error, WebhookError) and error.message == "ref is missing"


def test_incoming_headers_are_case_insensitive_and_json_is_cached() -> None:
    incoming = Incoming(headers={"X-Event-Key": "repo:push"}, body=b'{"a": [1]}',
                        query={"secret": "s"})
    assert incoming.header("x-event-key") == "repo:push"
    assert incoming.header("X-EVENT-KEY") == "repo:push"
    assert incoming.has_header("x-event-key") and not incoming.has_header("X-Other")
    assert incoming.header("missing") is None
    assert incoming.query_value("secret") == "s" and incoming.query_value("x") is None
    assert incoming.json() is incoming.json()
    assert incoming == Incoming(headers={"X-Event-Key": "repo:push"}, body=b'{"a": [1]}',
                                query={"secret": "s"})
    with pytest.raises(MalformedDelivery):
        Incoming(headers={}, body=b"[1]").json_object()


@pytest.mark.parametrize("raw", [
    b"", b"{", b"\xff", b"\xef\xbb\xbf{}", b'{"a": NaN}', b'{"a": -Infinity}',
    b"1" * 5000, b"[" * 100_000 + b"]" * 100_000, "{}".encode("utf-16"),
])
def test_decode_json_fails_only_as_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedDelivery):
        decode_json(raw)


def test_decode_json_accepts_unicode_and_big_floats() -> None:
    assert decode_json('{"t": "Änderung 修复"}'.encode()) == {"t": "Änderung 修复"}
    assert decode_json(b"1e999") == float("inf")


def _stdlib(raw: bytes) -> object:
    """The reading ``decode_json`` promises: strict UTF-8, the standard library's JSON,
    no NaN or Infinity; ``MalformedDelivery`` for anything else."""
    def reject(name: str) -> None:
        raise ValueError(name)
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=reject)
    except (ValueError, RecursionError):
        return MalformedDelivery


def _read(raw: bytes) -> object:
    try:
        return decode_json(raw)
    except MalformedDelivery:
        return MalformedDelivery


def _same(a: object, b: object) -> bool:
    """Equal and of the same JSON types (``1 == 1.0`` in Python; not here)."""
    if a is MalformedDelivery or b is MalformedDelivery:
        return a is b
    return json.dumps(a) == json.dumps(b)


#: Where a fast decoder may read differently from the standard library: numbers
#: beyond 64 bits or beyond a double, lone surrogates, duplicate keys, escapes,
#: whitespace, nesting and trailing bytes.
EDGES = [
    b"123456789012345678901234567890", b"-9223372036854775809", b"18446744073709551616",
    b"9223372036854775807", b"1e999", b"-1e999", b"1E400", b"0.1e-400", b"-0", b"-0.0",
    b"3.141592653589793238462643383279", b"1.7976931348623157e308", b"5e-324", b"1e22",
    b'"\\ud800"', b'"\\udc00\\ud800"', b'"\\ud83d\\ude00"', b'{"a": 1, "a": 2}',
    b'"\\u0000\\/\\b\\f"', b'"a\x01b"', b'"\\x41"', b"[1,]", b'{"a":1,}', b"[01]",
    b"[1.]", b"[.5]", b"[+1]", b"[0x10]", b"[1_000]", b" \t\r\n[1] \n", b"\x0c[1]",
    b"[1]\x00", b"[1] x", b"[true,false,null]", b"[True]", b"['a']", b"{1:2}", b"[Infinity]",
    b"[NaN]", b"\xef\xbb\xbf{}", b'"\xed\xa0\x80"', b'"\xf0\x9f\x98\x80"', b'"\xc0\xaf"',
    b"1" * 4300, b"1" * 4301, b"[" * 900 + b"]" * 900, b"[" * 5000 + b"]" * 5000, b"",
]

FIXTURES = sorted(Path(__file__).parent.parent.glob("fixtures/webhooks/**/*.json"))


@pytest.mark.parametrize("raw", EDGES)
def test_decode_json_reads_edge_cases_as_the_standard_library(raw: bytes) -> None:
    assert _same(_read(raw), _stdlib(raw)), raw[:60]


def test_decode_json_reads_every_fixture_and_its_mutations_as_the_standard_library(
) -> None:
    assert len(FIXTURES) > 50
    rng = random.Random(12)
    for path in FIXTURES:
        raw = path.read_bytes()
        assert _same(_read(raw), _stdlib(raw)), path
        for _ in range(20):  # a byte changed, dropped or doubled somewhere
            at = rng.randrange(len(raw))
            mutated = rng.choice([
                raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1:],
                raw[:at] + raw[at + 1:], raw[:at] + raw[at:at + 1] * 2 + raw[at + 1:]])
            assert _same(_read(mutated), _stdlib(mutated)), (path, at)


@pytest.mark.parametrize(("value", "expected"), [
    ("2019-03-01T10:37:14+0100", datetime(2019, 3, 1, 10, 37, 14,
                                          tzinfo=timezone(timedelta(hours=1)))),
    ("2014-05-02T19:17:13.3309587Z", datetime(2014, 5, 2, 19, 17, 13, 330958, tzinfo=UTC)),
    ("2015-05-17 18:08:09 UTC", datetime(2015, 5, 17, 18, 8, 9, tzinfo=UTC)),
    ("2015-05-17T18:08:09", datetime(2015, 5, 17, 18, 8, 9, tzinfo=UTC)),
    (1456144064, datetime(2016, 2, 22, 12, 27, 44, tzinfo=UTC)),
    (1551433034286, datetime(2019, 3, 1, 9, 37, 14, 286000, tzinfo=UTC)),
    (None, None), (True, None), ("", None), ("yesterday", None), ("9" * 100, None),
    (10**30, None), (float("inf"), None), (float("nan"), None), ([], None),
])
def test_parse_time(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_small_readers() -> None:
    assert get_id({"n": 12}, "n") == "12" and get_id({"n": " 7 "}, "n") == "7"
    assert get_id({"n": True}, "n") is None and get_id({"n": 10**40}, "n") is None
    assert get_id({"n": 1.5}, "n") is None and get_id("x", "n") is None
    assert split_name_email("Jane Doe <jane@example.com>") == ("Jane Doe", "jane@example.com")
    assert split_name_email("<jane@example.com>") == ("jane@example.com", "jane@example.com")
    assert split_name_email("jane") == ("jane", None)


def test_ref_helpers() -> None:
    assert is_history_ref("refs/heads/main") and is_history_ref("refs/tags/v1")
    for ref in ("refs/heads/", "refs/pull/1/head", "main", "refs/changes/1/1/1"):
        assert not is_history_ref(ref)
    assert full_ref("main") == "refs/heads/main" and full_ref("v1", "tag") == "refs/tags/v1"
    assert full_ref("refs/heads/x", "tag") == "refs/heads/x"
    assert short_ref("refs/heads/a/b") == "a/b" and short_ref("x") == "x"
    assert unique("a", None, "", "b", "a") == ("a", "b")
    assert pull_request_keys("PROJ-1 and PROJ-2", "proj-3-x", "PROJ-1, ABC-9") == (
        "PROJ-1", "PROJ-2", "PROJ-3", "ABC-9")
