"""App-wide settings for a Jira site (General settings)."""

from __future__ import annotations

from typing import Any

from flask import g

from app.api import bp
from app.api.common import json_body, require_admin
from app.atlassian import api_auth_required
from app.branch_names import DEFAULT_TEMPLATE
from app.errors import Problem
from app.extensions import db


def _settings() -> dict[str, Any]:
    return {"branch_template": DEFAULT_TEMPLATE, **(g.tenant.settings or {})}


@bp.get("/settings")
@api_auth_required
def get_settings() -> dict[str, Any]:
    return _settings()


@bp.put("/settings")
@api_auth_required
def put_settings() -> dict[str, Any]:
    require_admin()
    template = json_body().get("branch_template")
    if not isinstance(template, str) or "${issuekey}" not in template or len(template) > 200:
        raise Problem(400, "invalid_settings",
                      "branch_template must contain ${issuekey} (at most 200 characters)")
    g.tenant.settings = {**(g.tenant.settings or {}), "branch_template": template}
    db.session.commit()
    return _settings()
