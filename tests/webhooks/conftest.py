"""Helpers for the receiver tests: fixture bytes, and signing a delivery the way
each host does, with a known secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from webhooks.hosts.base import Incoming

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks"

SECRET = "s3cr3t-for-tests"
OLD_SECRET = "previous-secret"


def fixture(path: str) -> bytes:
    """The exact bytes of ``tests/fixtures/webhooks/<path>``."""
    return (FIXTURES / path).read_bytes()


def fixture_json(path: str) -> Any:
    return json.loads(fixture(path))


def hub(body: bytes, secret: str = SECRET, algorithm: str = "sha256") -> str:
    return f"{algorithm}=" + hmac.new(secret.encode(), body, algorithm).hexdigest()


def basic(password: str, user: str = "gitbridge") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def standard_webhooks_signature(secret: str, msg_id: str, stamp: str, body: bytes) -> str:
    key = (base64.b64decode(secret[len("whsec_"):]) if secret.startswith("whsec_")
           else secret.encode())
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed(host: str, body: bytes, headers: Mapping[str, str] | None = None,
           secret: str = SECRET) -> Incoming:
    """``body`` as ``host`` would deliver it with ``secret`` configured."""
    extra = dict(headers or {})
    query: dict[str, str] = {}
    if host in ("github", "generic_hmac"):
        extra["X-Hub-Signature-256"] = hub(body, secret)
    elif host in ("bitbucket_cloud", "bitbucket_server"):
        extra["X-Hub-Signature"] = hub(body, secret)
    elif host == "gitlab":
        extra["X-Gitlab-Token"] = secret
    elif host == "azure_devops":
        extra["Authorization"] = basic(secret)
    elif host in ("gerrit", "aws_codecommit"):
        query["secret"] = secret
    elif host == "generic":
        extra["Authorization"] = f"Bearer {secret}"
    else:
        raise ValueError(host)
    return Incoming(headers=extra, body=body, query=query)
