from __future__ import annotations

import json

import pytest

from app import json_bytes


@pytest.mark.parametrize("value", [
    {"status": "accepted", "message": "stored and queued", "delivery_id": 12},
    {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/9a3e"},
    ["Codertocat/Hello-World", "Änderung/修复", "tab\tquote\"back\\slash\u2028"],
    [], {}, [10**30, -1.5, None, True],
])
def test_dumps_is_compact_json_that_reads_back_the_same(value: object) -> None:
    out = json_bytes.dumps(value)
    assert isinstance(out, bytes)
    assert json.loads(out) == value
    assert b", " not in out and b": " not in out


def test_lone_surrogates_are_escaped_as_the_standard_library_does() -> None:
    # A repository name read from a body with "\ud800" in it: msgspec refuses it.
    out = json_bytes.dumps(["a\ud800b"])
    assert out == b'["a\\ud800b"]'
    assert json.loads(out) == ["a\ud800b"]
