"""What the AWS CodeCommit (SNS) receiver needs from the app: its signing
certificates, fetched once each over HTTPS, and subscription confirmation."""

from __future__ import annotations

import threading
from typing import Any

from app.http import HttpClient
from webhooks.hosts.base import Receiver

_CERTIFICATES: dict[str, bytes] = {}
_LOCK = threading.Lock()


def fetch_certificate(url: str) -> bytes:
    """The PEM at ``url`` (the receiver has already checked it is an SNS host)."""
    with _LOCK:
        cached = _CERTIFICATES.get(url)
    if cached is None:
        cached = HttpClient(url).request("GET", url).content
        with _LOCK:
            _CERTIFICATES[url] = cached
    return cached


def make_receiver(receiver_class: type[Receiver], base_url: str | None = None) -> Receiver:
    """A receiver with what it needs from the app: SNS certificates (CodeCommit), the
    integration's web root (Gerrit, whose ``ref-updated`` events name no server)."""
    factory: Any = receiver_class
    if receiver_class.host == "aws_codecommit":
        receiver: Receiver = factory(fetch_certificate=fetch_certificate)
        return receiver
    if receiver_class.host == "gerrit":
        receiver = factory(base_url=base_url)
        return receiver
    return receiver_class()
