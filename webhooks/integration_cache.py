"""What the receiver needs to know of an integration, kept for a second per process.

Loading the integration through the ORM for every delivery (a session, a pool
checkout with its ping, a query, decryption, a rollback) cost more than everything
else the receiver does. The few columns verification needs are read with one Core
query and reused for :data:`MAX_AGE`: a delivery is verified against its integration
as it was at most a second before, so a burst costs one read per second and process.
A secret replaced or expired less than a second ago may still verify a delivery (the
replaced secret stays valid for a day anyway, ``app.api.deliveries``); a removed
integration's deliveries are refused when they are stored (its foreign key). A
delivery signed with a secret newer than the view (hosts send one at once: GitHub's
ping, SNS's subscription confirmation) is verified again against a view at most
:data:`RECHECK_AGE` old before it is refused (``webhooks.endpoint``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from app.models import Integration, as_utc

INTEGRATIONS: sa.Table = Integration.__table__

#: Seconds a view is used.
MAX_AGE = 1.0
#: A refused signature is checked again against a view at most this old: at most this
#: many reads per second and integration for a sender that keeps getting it wrong.
RECHECK_AGE = 0.05
#: Integrations kept per process (least recently used dropped first).
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class IntegrationView:
    id: int
    tenant_id: int
    kind: str
    base_url: str | None
    webhook_secret: str
    previous_webhook_secret: str | None
    previous_secret_expires_at: datetime | None
    read_at: float

    def webhook_secrets(self, now: datetime) -> list[str]:
        """As :meth:`app.models.Integration.webhook_secrets`."""
        secrets = [self.webhook_secret]
        expires = self.previous_secret_expires_at
        if self.previous_webhook_secret and expires and as_utc(expires) > now:
            secrets.append(self.previous_webhook_secret)
        return secrets


_COLUMNS = [INTEGRATIONS.c[name] for name in (
    "id", "tenant_id", "kind", "base_url", "webhook_secret", "previous_webhook_secret",
    "previous_secret_expires_at")]


class IntegrationCache:
    """One per app and process; safe for concurrent request threads. Views are read
    in ``app``'s context (the secrets are decrypted with its keys)."""

    def __init__(self, app: Flask, engine: Engine) -> None:
        self._app, self._engine = app, engine
        self._views: OrderedDict[int, IntegrationView] = OrderedDict()
        self._lock = threading.Lock()
        #: Integration id -> held while its view is read (one read at a time).
        self._reading: dict[int, threading.Lock] = {}

    def get(self, integration_id: int, max_age: float = MAX_AGE) -> IntegrationView | None:
        """The integration's view, read at most ``max_age`` seconds ago; ``None`` if
        there is no such integration."""
        with self._lock:
            view = self._views.get(integration_id)
            if view is not None and time.monotonic() - view.read_at < max_age:
                self._views.move_to_end(integration_id)
                return view
            reading = self._reading.setdefault(integration_id, threading.Lock())
        # One thread reads; the others wait and use what it read. When a view expires,
        # every request thread of a burst misses at once, and each reading it (a pool
        # checkout with its ping, a query) cost more than its delivery.
        with reading:
            try:
                with self._lock:
                    view = self._views.get(integration_id)
                if view is None or time.monotonic() - view.read_at >= max_age:
                    view = self._read(integration_id)
                    self._keep(integration_id, view)
            finally:
                with self._lock:
                    if self._reading.get(integration_id) is reading:
                        del self._reading[integration_id]
        return view

    def _keep(self, integration_id: int, view: IntegrationView | None) -> None:
        with self._lock:
            if view is None:
                self._views.pop(integration_id, None)
            else:
                self._views[integration_id] = view
                self._views.move_to_end(integration_id)
                while len(self._views) > MAX_ENTRIES:
                    self._views.popitem(last=False)

    def _read(self, integration_id: int) -> IntegrationView | None:
        with self._app.app_context(), self._engine.connect() as conn:
            row = conn.execute(
                sa.select(*_COLUMNS).where(INTEGRATIONS.c.id == integration_id)).first()
        if row is None:
            return None
        return IntegrationView(**row._asdict(), read_at=time.monotonic())
