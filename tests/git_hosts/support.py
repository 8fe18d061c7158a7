"""Helpers for asserting what we sent to a host."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from responses import Call


def path(call: Call) -> str:
    return urlsplit(call.request.url or "").path


def query(call: Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url or "").query, keep_blank_values=True)


def q1(call: Call) -> dict[str, str]:
    """The query with one value per key."""
    return {k: v[0] for k, v in query(call).items()}


def body(call: Call) -> Any:
    raw = call.request.body
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode()
    return json.loads(raw)


def form(call: Call) -> dict[str, str]:
    raw = call.request.body or ""
    if isinstance(raw, bytes):
        raw = raw.decode()
    return {k: v[0] for k, v in parse_qs(raw).items()}


def header(call: Call, name: str) -> str | None:
    return call.request.headers.get(name)


def verify_of(call: Call) -> object:
    """The ``verify`` argument requests was given for this call (TLS verification)."""
    return call.request.req_kwargs["verify"]  # type: ignore[attr-defined]
