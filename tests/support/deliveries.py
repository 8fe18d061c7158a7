"""What the tests of received webhook deliveries start from and read back: a tenant's
GitHub integration in webhook mode to deliver to (the ``webhook_integration`` fixture),
a signed GitHub delivery sent to it, and the deliveries the database holds, read
afresh."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from app.extensions import db
from app.models import Delivery, Integration, Tenant

PUSH = (Path(__file__).parent.parent / "fixtures/webhooks/github/payloads/"
        "push.with-new-branch.json").read_bytes()


def github(client: Any, integration: Integration, body: bytes = PUSH, *, event: str = "push",
           delivery: str | None = "d-1", secret: str | None = None, **headers: str) -> Any:
    """POST ``body`` to the integration's URL as GitHub would (signed with ``secret``,
    default the integration's); the test client's response."""
    key = (secret or integration.webhook_secret).encode()
    all_headers = {"X-GitHub-Event": event, "Content-Type": "application/json",
                   "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256)
                   .hexdigest(), **headers}
    if delivery:
        all_headers["X-GitHub-Delivery"] = delivery
    return client.post(f"/webhooks/{integration.id}", data=body, headers=all_headers)


def webhook_integration() -> Integration:
    """A tenant (``client-a``) and its GitHub integration receiving by webhook, committed."""
    tenant = Tenant(client_key="client-a", shared_secret="s" * 40, base_url="https://a")
    db.session.add(tenant)
    db.session.flush()
    row = Integration(tenant_id=tenant.id, kind="github", display_name="gh", settings={},
                      mode="webhook")
    db.session.add(row)
    db.session.commit()
    return row


def stored_deliveries() -> list[Delivery]:
    """Every stored delivery, as committed (not as this session last saw it)."""
    db.session.expire_all()
    return list(db.session.execute(db.select(Delivery)).scalars())
