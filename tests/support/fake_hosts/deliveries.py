"""Webhook deliveries from a fake host: a push to a repository, sent to each of its
webhooks with the host's payload shape and signature headers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fake_hosts.state import Delivery, FakeRepo, Hook


class WebhookDeliveries:
    """Mixed into ``FakeHost``; subclasses give the payload and the signature."""

    lock: threading.RLock
    deliveries: list[Delivery]

    if TYPE_CHECKING:  # provided by HandlerHelpers

        def repo_or_404(self, name: str) -> FakeRepo: ...

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        """``(event name, payload)`` of a push, shaped like the host's."""
        raise NotImplementedError

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        """The headers the host sends with a delivery of ``body`` to ``hook``."""
        raise NotImplementedError

    def deliver_push(self, repo_name: str, ref: str, before: str, after: str,
                     send: Callable[[str, dict[str, str], bytes], int]) -> list[Delivery]:
        """Deliver a push to every webhook on the repository, as the host would.

        ``send(url, headers, body) -> status`` does the HTTP part (e.g. a Flask test
        client, since the app's public URL is not reachable from tests).
        """
        repo = self.repo_or_404(repo_name)
        event, payload = self.push_payload(repo, ref, before, after)
        body = json.dumps(payload).encode()
        out = []
        for hook in list(repo.hooks):
            headers = {"Content-Type": "application/json", **self.sign(hook, event, body)}
            delivery = Delivery(hook.url, headers, body, event)
            delivery.status = send(hook.url, headers, body)
            with self.lock:
                self.deliveries.append(delivery)
            out.append(delivery)
        return out

