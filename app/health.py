"""Liveness and readiness for load balancers and operators."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask

from app.extensions import db
from app.queue import connection, ping

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[str, int]:
    """The process answers (no I/O: cheap enough to poll often)."""
    return "ok", 200


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """The database and Redis answer."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = type(exc).__name__
    checks["redis"] = "ok" if ping(connection()) is None else "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return {"ready": ready, "checks": checks}, 200 if ready else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
