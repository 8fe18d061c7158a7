"""``POST /api/v1/oauth/<kind>/start``: begin connecting a host with OAuth (admins)."""

from __future__ import annotations

from typing import Any

from flask import g, request

from app import oauth
from app.api import bp
from app.api.common import require_admin
from app.atlassian import api_auth_required
from app.errors import Problem


@bp.post("/oauth/<kind>/start")
@api_auth_required
def start_oauth(kind: str) -> dict[str, Any]:
    """The host's authorize URL for the wizard's popup (body: ``{"base_url"?}``)."""
    require_admin()
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise Problem(400, "malformed_body", "the body must be a JSON object")
    return {"authorize_url": oauth.start(g.tenant, g.account_id, kind, body.get("base_url"))}
