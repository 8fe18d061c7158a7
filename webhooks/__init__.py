"""Webhook receivers for git hosts (one module per host)."""

from flask import Blueprint, Flask

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
