"""Webhook receiver: one URL per integration, every git host.

Verify (as the sending host signs), parse (malformed bodies are refused), store the
delivery durably, then acknowledge with 202 and queue its processing. Nothing that
is answered 2xx is lost: if Redis is down the stored delivery is picked up by the
scheduler's sweeper. Host-specific verification and parsing live in
``webhooks.hosts``; what deliveries do to the index lives in ``app.webhook_processing``.
"""

from flask import Blueprint, Flask

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def init_app(app: Flask) -> None:
    from webhooks import endpoint  # noqa: F401  (routes register on bp)

    app.register_blueprint(bp)
