"""``POST /webhooks/<integration id>``: verified, stored, then acknowledged.

Called by :mod:`webhooks.ingress` (which serves the URL in front of Flask) with the
app and the request's WSGI environ, outside any app context: the app's configuration
and the receiver's per-process parts (``webhooks.init_app``) are read from ``app``
itself, and those parts enter the app's context for the little they do in it (read
an integration's secrets once a second, reserve a run of the rate limit, queue
processing). Under a burst, pushing and popping a context for every delivery cost
as much CPU as verifying its signature.

Order of checks, each answering before anything is stored or queued: size (413),
integration (404), rate (429), host recognised (400), signature (401), body parses
(400). Then the delivery is committed (group commit: ``app.store.deliveries``) and
only then acknowledged, 202; its processing is queued after the commit. A delivery
the integration already holds (the same delivery id, or, for hosts whose retries
repeat the body byte for byte and send no id, the same body) is answered 202
``duplicate`` without a second copy.

:func:`_receive` decides; :func:`finish` is the one place a delivery's outcome is
known, and the only one that makes the answer.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from flask import Flask
from werkzeug.wsgi import get_input_stream

from app import hosts, json_bytes, metrics
from app.models import utcnow
from app.store.deliveries import DeliveryWriter, Expected, IntegrationGone, NewDelivery, Stored
from webhooks.hosts import GenericReceiver, identify
from webhooks.hosts.base import Incoming, Receiver, SignatureInvalid, WebhookError
from webhooks.integration_cache import RECHECK_AGE, IntegrationCache, IntegrationView
from webhooks.rate import RateLimiter
from webhooks.sns import make_receiver

#: Headers kept with a stored delivery: what processing needs to parse it again and
#: what an admin wants to see (each host's registry entry names its own). Never
#: authentication headers or tokens. By lower-case name (:meth:`Incoming.among`).
KEPT_HEADERS = {name.lower(): name for name in hosts.kept_headers()}


@dataclass(frozen=True)
class Outcome:
    """How a request ended: its status, answer code and, once known, the host."""

    status: int
    code: str
    message: str
    integration_id: int
    host: str | None = None
    delivery_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The raw body, or None if it is larger than ``limit`` (read no further than that)."""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        return None
    # A server that ends the stream itself (gunicorn) gets it read as is, which is
    # what werkzeug would hand back after its own checks.
    stream = (environ["wsgi.input"] if environ.get("wsgi.input_terminated")
              else get_input_stream(environ, max_content_length=None))
    body = stream.read(limit + 1)
    return None if len(body) > limit else body


def _query(environ: dict[str, Any]) -> dict[str, str]:
    """The query string's parameters, the first value of each (as ``request.args``)."""
    raw = environ.get("QUERY_STRING") or ""
    query: dict[str, str] = {}
    if raw:
        for name, value in parse_qsl(raw.encode("latin-1").decode("utf-8", "replace"),
                                     keep_blank_values=True):
            query.setdefault(name, value)
    return query


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name, straight from the WSGI environ (as
    werkzeug's header view maps them, without its per-value work on every access)."""
    headers = {name[5:].replace("_", "-").lower(): value
               for name, value in environ.items() if name.startswith("HTTP_")}
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    return headers


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


def receive(app: Flask, environ: dict[str, Any], integration_id: int) -> Outcome:
    """Receive a delivery from a git host (or a CI system's generic trigger)."""
    writer: DeliveryWriter = app.extensions["webhook_deliveries"]
    with writer.expect() as expected:
        return _receive(app, writer, environ, integration_id, expected)


def _receive(app: Flask, writer: DeliveryWriter, environ: dict[str, Any], integration_id: int,
             expected: Expected) -> Outcome:
    limit = app.config["WEBHOOK_MAX_BYTES"]
    body = _read_body(environ, limit)
    if body is None:
        return Outcome(413, "too_large", f"the delivery is larger than this app accepts: "
                       f"at most {limit:,} bytes ({limit / 1024 / 1024:g} MiB)", integration_id)
    integrations: IntegrationCache = app.extensions["webhook_integrations"]
    integration = integrations.get(integration_id)
    if integration is None:
        return Outcome(404, "unknown_integration", "no integration here", integration_id)
    limiter: RateLimiter = app.extensions["webhook_rate"]
    wait = limiter.wait(integration.id, app.config["WEBHOOK_RATE_PER_MINUTE"])
    if wait is not None:
        return Outcome(429, "rate_limited", "too many deliveries for this integration",
                       integration_id, headers={"Retry-After": str(wait)})
    incoming = Incoming(headers=_headers(environ), body=body, query=_query(environ))
    receiver_class = receiver_class_for(integration.kind, incoming)
    if receiver_class is None:
        return Outcome(400, "unrecognised", "no supported git host sends deliveries like this",
                       integration_id)
    receiver = make_receiver(receiver_class, integration.base_url)
    now = utcnow()
    try:
        integration = _verify(integrations, receiver, incoming, integration, now)
        event = receiver.event(incoming)
        events = receiver.parse(incoming)
    except WebhookError as exc:
        app.logger.info("webhooks.refused integration=%s host=%s code=%s",
                        integration.id, receiver.host, exc.code)
        return Outcome(exc.status, exc.code, exc.message, integration.id, receiver.host)
    if not events:
        writer.note_seen(integration.id, now)
        return Outcome(202, "ignored", f"'{event}' deliveries need no work", integration.id,
                       receiver.host)
    return _store(app, writer, integration, receiver, incoming, event, events, now, expected)


def _verify(integrations: IntegrationCache, receiver: Receiver, incoming: Incoming,
            integration: IntegrationView, now: datetime) -> IntegrationView:
    """Verify against the cached view, and before refusing against a fresh one: the
    secret may have been regenerated since the view was read. The view that verified.

    Raises:
        SignatureInvalid: neither view's secrets verify the delivery.
    """
    try:
        receiver.verify(incoming, integration.webhook_secrets(now))
        return integration
    except SignatureInvalid:
        fresh = integrations.get(integration.id, max_age=RECHECK_AGE)
        if fresh is None or fresh.webhook_secrets(now) == integration.webhook_secrets(now):
            raise
    receiver.verify(incoming, fresh.webhook_secrets(now))
    return fresh


def _store(app: Flask, writer: DeliveryWriter, integration: IntegrationView,
           receiver: Receiver, incoming: Incoming, event: str, events: list[Any],
           received_at: datetime, expected: Expected) -> Outcome:
    """Commit the delivery (acknowledged only after that); queued once committed."""
    key = receiver.delivery_key(incoming) or f"once:{uuid.uuid4().hex}"
    delivery = NewDelivery(
        tenant_id=integration.tenant_id,
        integration_id=integration.id,
        host=receiver.host,
        event=event[:128],
        delivery_key=key[:255],
        body=incoming.body,
        received_at=received_at,
        headers=incoming.among(KEPT_HEADERS),
        repositories=sorted({
            ref.full_name or ref.name
            for ref in (getattr(e, "repository", None) for e in events)
            if ref
        }),
    )
    try:
        stored, delivery_id = writer.store(delivery, expected)
    except IntegrationGone:
        return Outcome(404, "unknown_integration", "no integration here", integration.id,
                       receiver.host)
    except sa.exc.SQLAlchemyError as exc:
        app.logger.error("webhooks.not_stored integration=%s error=%s",
                                 integration.id, type(exc).__name__)
        return Outcome(503, "not_stored", "the delivery could not be stored; send it again",
                       integration.id, receiver.host, headers={"Retry-After": "10"})
    if stored is Stored.DUPLICATE:
        return Outcome(202, "duplicate", "this delivery was received before", integration.id,
                       receiver.host)
    return Outcome(202, "accepted", "stored and queued", integration.id, receiver.host,
                   delivery_id)


def finish(outcome: Outcome, started: float) -> tuple[int, dict[str, str], bytes]:
    """The answer to a delivery (status, headers, JSON body): the one place its outcome
    is known, so it is counted here. ``started``: its arrival, ``time.perf_counter()``."""
    metrics.delivery(outcome.code, outcome.host, time.perf_counter() - started)
    if outcome.status >= 400:
        body: dict[str, Any] = {"error": {"code": outcome.code, "message": outcome.message}}
    else:
        body = {"status": outcome.code, "message": outcome.message}
        if outcome.delivery_id is not None:
            body["delivery_id"] = outcome.delivery_id
    return outcome.status, outcome.headers, json_bytes.dumps(body)
