"""``POST /webhooks/<integration id>``: verified, stored, then acknowledged.

Order of checks, each answering before anything is stored or queued: size (413),
integration (404), rate (429), host recognised (400), signature (401), body parses
(400). Then a duplicate (same host delivery id, or same body when the host sends
none) is answered 202 without a second copy; a new delivery is committed to the
database and only then acknowledged and queued.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

import redis
from flask import current_app, g, request
from sqlalchemy.exc import IntegrityError

from app import hosts, metrics
from app.extensions import db
from app.jobs.webhooks import schedule_processing
from app.models import Delivery, Integration, as_utc, utcnow
from app.queue import QueueUnavailable, connection
from app.queue import key as redis_key
from webhooks import bp
from webhooks.hosts import GenericReceiver, identify
from webhooks.hosts.base import Incoming, Receiver, WebhookError
from webhooks.sns import make_receiver

#: Headers kept with a stored delivery: what processing needs to parse it again and
#: what an admin wants to see (each host's registry entry names its own). Never
#: authentication headers or tokens.
KEPT_HEADERS = hosts.kept_headers()


#: ``webhook_seen_at`` is refreshed at most this often.
SEEN_RESOLUTION = timedelta(minutes=1)


def _answer(status: int, code: str, message: str, **extra: Any) -> tuple[dict[str, Any], int]:
    metrics.delivery(code)
    if status >= 400:
        return {"error": {"code": code, "message": message}}, status
    return {"status": code, "message": message, **extra}, status


def _over_rate(integration_id: int) -> int | None:
    """Seconds to wait if the integration is over its rate; None if under (or if Redis
    cannot tell: rate limiting must not turn a Redis outage into lost deliveries)."""
    limit = current_app.config["WEBHOOK_RATE_PER_MINUTE"]
    window = int(time.time() // 60)
    key = redis_key("rate", "webhook", integration_id, window)
    try:
        pipe = connection().pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count = pipe.execute()[0]
    except redis.RedisError:
        return None
    return 60 - int(time.time() % 60) if count > limit else None


def _read_body() -> bytes | None:
    """The raw body, or None if it is larger than allowed (read no further than that)."""
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def receiver_class_for(kind: str, incoming: Incoming) -> type[Receiver] | None:
    """The integration's own host's receiver, or the generic CI trigger; only a plain
    git integration (which may be on any host) has its sender guessed from the request."""
    host = hosts.get(kind)
    if host is None or host.receiver is None:
        return identify(incoming)
    for receiver in (host.receiver, GenericReceiver):
        if receiver.claims(incoming):
            return receiver
    return None


@bp.post("/<int:integration_id>")
def receive(integration_id: int) -> Any:
    """Receive a delivery from a git host (or a CI system's generic trigger)."""
    body = _read_body()
    if body is None:
        limit = current_app.config["WEBHOOK_MAX_BYTES"]
        return _answer(413, "too_large", f"the delivery is larger than this app accepts: "
                       f"at most {limit:,} bytes ({limit / 1024 / 1024:g} MiB)")
    integration = db.session.get(Integration, integration_id)
    if integration is None:
        return _answer(404, "unknown_integration", "no integration here")
    wait = _over_rate(integration.id)
    if wait is not None:
        answer = _answer(429, "rate_limited", "too many deliveries for this integration")
        return answer[0], 429, {"Retry-After": str(wait)}
    incoming = Incoming(headers=dict(request.headers), body=body, query=dict(request.args))
    receiver_class = receiver_class_for(integration.kind, incoming)
    if receiver_class is None:
        return _answer(400, "unrecognised", "no supported git host sends deliveries like this")
    receiver = make_receiver(receiver_class, integration.base_url)
    g.webhook_host = receiver.host
    now = utcnow()
    try:
        receiver.verify(incoming, integration.webhook_secrets(now))
        event = receiver.event(incoming)
        events = receiver.parse(incoming)
    except WebhookError as exc:
        current_app.logger.info(
            "webhooks.refused integration=%s host=%s code=%s",
            integration.id,
            receiver.host,
            exc.code,
        )
        return _answer(exc.status, exc.code, exc.message)
    seen = integration.webhook_seen_at
    if seen is None or now - as_utc(seen) > SEEN_RESOLUTION:
        integration.webhook_seen_at = now  # not every time: one row, many concurrent writers
    if not events:
        db.session.commit()
        return _answer(202, "ignored", f"'{event}' deliveries need no work")
    key = receiver.delivery_id(incoming) or "sha256:" + hashlib.sha256(body).hexdigest()
    delivery = Delivery(
        tenant_id=integration.tenant_id,
        integration_id=integration.id,
        host=receiver.host,
        event=event[:128],
        delivery_key=key[:255],
        body=body,
        received_at=now,
        headers={h: request.headers[h] for h in KEPT_HEADERS if h in request.headers},
        repositories=sorted(
            {
                ref.full_name or ref.name
                for ref in (getattr(e, "repository", None) for e in events)
                if ref
            }
        ),
    )
    db.session.add(delivery)
    try:
        db.session.flush()
        delivery_id, integration_id = delivery.id, integration.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _answer(202, "duplicate", "this delivery was received before")
    try:
        schedule_processing(integration_id)
    except QueueUnavailable:
        # Stored: the scheduler's sweeper queues it when Redis is back.
        current_app.logger.warning("webhooks.queue_unavailable delivery=%s", delivery_id)
    return _answer(202, "accepted", "stored and queued", delivery_id=delivery_id)
