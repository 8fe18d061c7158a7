"""Webhook receiver: one URL per integration, every git host.

Verify (as the sending host signs), parse (malformed bodies are refused), store the
delivery durably, then acknowledge with 202 and queue its processing. Nothing that
is answered 2xx is lost: if Redis is down the stored delivery is picked up by the
scheduler's sweeper. The URL is served in front of Flask (``webhooks.ingress``);
host-specific verification and parsing live in ``webhooks.hosts``; what deliveries do
to the index lives in ``app.webhook_processing``.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.extensions import db
    from app.store.deliveries import DeliveryWriter
    from webhooks.ingress import Ingress
    from webhooks.integration_cache import IntegrationCache
    from webhooks.rate import RateLimiter

    with app.app_context():
        engine = db.engine
    # Per app and process: the group commit of deliveries, the integrations' views,
    # the deliveries each integration may still send this minute.
    app.extensions["webhook_deliveries"] = DeliveryWriter(app, engine)
    app.extensions["webhook_integrations"] = IntegrationCache(app, engine)
    app.extensions["webhook_rate"] = RateLimiter(app)
    app.wsgi_app = Ingress(app, app.wsgi_app)  # type: ignore[method-assign]
