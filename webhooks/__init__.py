"""Webhook receiver: one URL per integration, every git host.

Verify (as the sending host signs), parse (malformed bodies are refused), store the
delivery durably, then acknowledge with 202 and queue its processing. Nothing that
is answered 2xx is lost: if Redis is down the stored delivery is picked up by the
scheduler's sweeper. Host-specific verification and parsing live in
``webhooks.hosts``; what deliveries do to the index lives in ``app.webhook_processing``.
"""

from typing import Any

from flask import Blueprint, Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


class _NoSessionHere(SessionInterface):
    """Git hosts send no cookies and the receiver keeps no session: opening the app's
    signed-cookie session (a serializer, a cookie parse) for each delivery cost more
    than verifying its signature. Every other path keeps the app's own interface."""

    def __init__(self, inner: SessionInterface, prefix: str) -> None:
        self.inner, self.prefix = inner, prefix

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith(self.prefix):
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        self.inner.save_session(app, session, response)

    def __getattr__(self, name: str) -> Any:  # the inner interface's settings
        return getattr(self.inner, name)


def init_app(app: Flask) -> None:
    from app.extensions import db
    from app.store.deliveries import DeliveryWriter
    from webhooks import endpoint  # noqa: F401  (routes register on bp)
    from webhooks.integration_cache import IntegrationCache
    from webhooks.rate import RateLimiter

    with app.app_context():
        engine = db.engine
    # Per app and process: the group commit of deliveries, the integrations' views,
    # the deliveries each integration may still send this minute.
    app.extensions["webhook_deliveries"] = DeliveryWriter(engine)
    app.extensions["webhook_integrations"] = IntegrationCache(engine)
    app.extensions["webhook_rate"] = RateLimiter()
    app.register_blueprint(bp)
    app.session_interface = _NoSessionHere(app.session_interface, f"{bp.url_prefix}/")
