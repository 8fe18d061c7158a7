"""``GET /api/v1/hosts``: the git hosts the app supports, as the host registry has them."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.api import bp
from app.atlassian import api_auth_required
from app.hosts import HOSTS


@bp.get("/hosts")
@api_auth_required
def hosts() -> dict[str, Any]:
    clients = current_app.config.get("OAUTH_CLIENTS") or {}
    return {"hosts": [h.as_json(oauth_configured=h.kind in clients) for h in HOSTS]}
