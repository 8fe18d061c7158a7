"""Helpers shared by API endpoints: admin checks, tenant-scoped lookups, bodies."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import g, request

from app.errors import Problem
from app.extensions import db
from app.http import ApiError
from app.jira import permissions

M = TypeVar("M")


def require_admin() -> None:
    """Jira administrators only, asked of Jira (cached briefly)."""
    try:
        admin = permissions.is_admin(g.tenant, g.account_id)
    except ApiError as exc:
        raise Problem(502, "jira_unavailable", "Jira did not answer the permission check.") from exc
    if not admin:
        raise Problem(403, "not_admin", "Only Jira administrators can do this.")


def tenant_get(model: type[M], ident: int) -> M:
    """The tenant's row with this id, or 404: another tenant's id looks like no id."""
    row = db.session.execute(
        db.select(model).where(model.id == ident, model.tenant_id == g.tenant.id)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if row is None:
        raise Problem(404, "not_found", f"no {model.__name__.lower()} {ident}")
    return row


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "malformed_body", "the body must be a JSON object")
    return body
