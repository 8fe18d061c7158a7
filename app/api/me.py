"""The acting user's own things: personal access tokens per integration, preferences."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g

from app import host_checks, hosts, providers
from app.api import bp
from app.api.common import json_body, tenant_get
from app.atlassian import api_auth_required
from app.errors import Problem
from app.extensions import db
from app.git_hosts.errors import GitHostError
from app.models import Integration, UserSetting, UserToken
from app.models.user import credential_fields


def _account() -> str:
    if not g.account_id:
        raise Problem(403, "no_user", "this call needs a signed-in Jira user")
    return str(g.account_id)


def _token_row(integration_id: int) -> UserToken | None:
    return db.session.execute(sa.select(UserToken).where(
        UserToken.integration_id == integration_id, UserToken.account_id == _account())
    ).scalar_one_or_none()


@bp.get("/me/tokens")
@api_auth_required
def my_tokens() -> dict[str, Any]:
    account = _account()
    rows = db.session.execute(sa.select(Integration).where(
        Integration.tenant_id == g.tenant.id, Integration.mode == "full")
        .order_by(Integration.display_name)).scalars()
    mine = {t.integration_id: t for t in db.session.execute(sa.select(UserToken).where(
        UserToken.tenant_id == g.tenant.id, UserToken.account_id == account)).scalars()}
    return {"tokens": [
        {"integration_id": i.id, "display_name": i.display_name, "kind": i.kind,
         "has_token": i.id in mine, "login": mine[i.id].login if i.id in mine else None,
         "credentials": [list(f) for f in hosts.BY_KIND[i.kind].user_credentials],
         "required": bool(i.setting("require_user_pat"))}
        for i in rows if providers.is_service(i.kind)
    ]}


def credential_form(kind: str, body: dict[str, Any]) -> tuple[str, ...]:
    """The form of the host's user credential the body gives (``PUT /me/tokens`` takes
    ``{"token"}``, ``{"username", "token"}`` (the password; ``"password"`` is taken too)
    or ``{"access_key_id", "secret_access_key"}``, as the host signs in); 400 naming the
    ones it takes."""
    if "token" not in body and "password" in body:
        body["token"] = body["password"]
    forms = hosts.BY_KIND[kind].user_credentials
    for form in sorted(forms, key=len, reverse=True):
        if all(isinstance(body.get(f), str) and body[f].strip() for f in form):
            return form
    wanted = " or ".join("{" + ", ".join(f'"{f}"' for f in form) + "}" for form in forms)
    first = forms[0][0] if len(forms) == 1 and len(forms[0]) == 1 else None
    raise Problem(400, "invalid_request",
                  f"'{first}' is required" if first else f"give {wanted} for this host")


@bp.put("/me/tokens/<int:integration_id>")
@api_auth_required
def put_my_token(integration_id: int) -> dict[str, Any]:
    """Store the user's credential after the host accepts it; a refused one is not kept."""
    account = _account()
    integration = tenant_get(Integration, integration_id)
    if not providers.is_service(integration.kind):
        raise Problem(400, "not_supported", "this integration takes no personal tokens")
    body = json_body()
    form = credential_form(integration.kind, body)
    values = [body[f].strip() for f in form]
    credential = credential_fields(values[0] if len(form) == 2 else None, values[-1],
                                   hosts.BY_KIND[integration.kind].user_credentials)
    try:
        login = providers.for_integration(
            integration, timeout=host_checks.timeout()).check_user_token(credential).login
    except GitHostError as exc:
        raise providers.problem(exc) from exc
    row = _token_row(integration.id) or UserToken(
        tenant_id=g.tenant.id, integration_id=integration.id, account_id=account)
    row.username, row.token = (None, values[0]) if len(form) == 1 else (values[0], values[1])
    row.login = login
    db.session.add(row)
    db.session.commit()
    return {"integration_id": integration.id, "has_token": True, "login": login}


@bp.delete("/me/tokens/<int:integration_id>")
@api_auth_required
def delete_my_token(integration_id: int) -> tuple[str, int]:
    tenant_get(Integration, integration_id)
    row = _token_row(integration_id)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    return "", 204


@bp.get("/me/settings")
@api_auth_required
def my_settings() -> dict[str, Any]:
    row = db.session.get(UserSetting, (g.tenant.id, _account()))
    return {"default_repositories": {}, **(row.data if row else {})}


@bp.put("/me/settings")
@api_auth_required
def put_my_settings() -> dict[str, Any]:
    defaults = json_body().get("default_repositories")
    if not isinstance(defaults, dict) or not all(
            isinstance(k, str) and isinstance(v, int) for k, v in defaults.items()):
        raise Problem(400, "invalid_settings",
                      "default_repositories maps project keys to repository ids")
    row = db.session.get(UserSetting, (g.tenant.id, _account())) or UserSetting(
        tenant_id=g.tenant.id, account_id=_account(), data={})
    row.data = {**(row.data or {}),
                "default_repositories": {**(row.data or {}).get("default_repositories", {}),
                                         **{k.upper(): v for k, v in defaults.items()}}}
    db.session.add(row)
    db.session.commit()
    return dict(row.data)
