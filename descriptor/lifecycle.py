"""Lifecycle hooks Jira calls on install, uninstall, enable and disable.

``installed``/``uninstalled`` must carry a signed-install token (RS256, Atlassian's key
by ``kid``, ``aud`` our base URL, ``iss`` the body's clientKey, qsh of the request).
A refused call answers before anything is written. A verified token can be used once:
the JWT does not cover the body, so replaying a captured token with a different body
(say, an attacker's shared secret) is refused; an identical retry is a no-op.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError

from app import tenants
from app.connect.auth import authenticate, request_qsh_candidates
from app.connect.tokens import TokenError, kid_of, unverified, verify_install
from app.extensions import db
from app.models import TenantState, UsedToken, utcnow

bp = Blueprint("lifecycle", __name__, url_prefix="/lifecycle")


def _refuse(status: int, code: str, message: str) -> tuple[dict[str, Any], int]:
    current_app.logger.warning("connect.lifecycle.refused code=%s path=%s", code, request.path)
    return {"error": {"code": code, "message": message}}, status


def _token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme == "JWT" and token.strip() else None


def _verify_signed_install(client_key: str) -> dict[str, Any]:
    token = _token()
    if not token:
        raise TokenError("lifecycle calls must carry a signed-install JWT", code="token_missing")
    pem = current_app.extensions["install_keys"].get(kid_of(token))
    return verify_install(
        token,
        pem,
        audience=current_app.config["BASE_URL"],
        client_key=client_key,
        expected_qsh=request_qsh_candidates(),
        leeway=current_app.config["JWT_LEEWAY"],
    )


def _spend(token: str, claims: dict[str, Any]) -> str:
    """Record the token as used: ``fresh``, ``repeat`` (same body again: a retry, to
    acknowledge without redoing), or ``replay`` (another body: refuse)."""
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    body_hash = hashlib.sha256(request.get_data()).hexdigest()
    db.session.execute(db.delete(UsedToken).where(UsedToken.expires_at < utcnow()))
    used = db.session.get(UsedToken, token_hash)
    if used is not None:
        return "repeat" if used.body_hash == body_hash else "replay"
    expires = datetime.fromtimestamp(float(claims["exp"]) + 3600, UTC)
    db.session.add(UsedToken(token_hash=token_hash, body_hash=body_hash, expires_at=expires))
    return "fresh"


def _spent_before(claims: dict[str, Any]) -> Any:
    """None for a fresh token (now recorded); else the answer: a retry of the same call
    is acknowledged without redoing it, a reuse with another body is refused."""
    spent = _spend(_token() or "", claims)
    if spent == "fresh":
        return None
    db.session.rollback()
    if spent == "repeat":
        return "", 204
    return _refuse(401, "token_replayed", "this token was already used")


def _commit_or_refuse() -> tuple[dict[str, Any], int] | None:
    """Commit; a concurrent use of the same token loses the race and is refused."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _refuse(401, "token_replayed", "this token was already used")
    return None


@bp.post("/installed")
def installed() -> Any:
    """Create or update the tenant from a verified signed install."""
    try:
        fields = tenants.validate_install_payload(
            request.get_json(silent=True), current_app.config["APP_KEY"]
        )
        claims = _verify_signed_install(fields["clientKey"])
    except tenants.InstallRefused as exc:
        return _refuse(exc.status, exc.code, exc.message)
    except TokenError as exc:
        return _refuse(401, exc.code, exc.message)
    config = current_app.config
    for url in filter(None, (fields["baseUrl"], fields.get("displayUrl"))):
        if not tenants.site_allowed(
            url, config["ALLOWED_JIRA_HOSTS"], allow_http=config["ENV_NAME"] == "development"
        ):
            return _refuse(
                403, "site_not_allowed", "this Jira site is not in GITBRIDGE_ALLOWED_JIRA_HOSTS"
            )
    if (answer := _spent_before(claims)) is not None:
        return answer
    tenant = tenants.install(fields)
    if refused := _commit_or_refuse():
        return refused
    current_app.logger.info("connect.lifecycle.installed tenant=%s", tenant.id)
    return "", 204


@bp.post("/uninstalled")
def uninstalled() -> Any:
    """Remove the tenant's secrets and data after a verified signed uninstall."""
    body = request.get_json(silent=True)
    client_key = body.get("clientKey") if isinstance(body, dict) else None
    if not isinstance(client_key, str) or not client_key:
        return _refuse(400, "malformed_body", "'clientKey' is missing")
    try:
        claims = _verify_signed_install(client_key)
    except TokenError as exc:
        return _refuse(401, exc.code, exc.message)
    if (answer := _spent_before(claims)) is not None:
        return answer
    removed = tenants.uninstall(client_key)
    if refused := _commit_or_refuse():
        return refused
    current_app.logger.info("connect.lifecycle.uninstalled removed=%s", removed)
    return "", 204


def _state_change(state: TenantState) -> Any:
    """``enabled``/``disabled``: signed with the tenant's shared secret, or signed-install."""
    body = request.get_json(silent=True)
    client_key = body.get("clientKey") if isinstance(body, dict) else None
    if not isinstance(client_key, str) or not client_key:
        return _refuse(400, "malformed_body", "'clientKey' is missing")
    try:
        token = _token()
        if token and unverified(token)[0].get("alg") == "RS256":
            _verify_signed_install(client_key)
            tenant = tenants.find(client_key)
        else:
            tenant = authenticate(token, request_qsh_candidates())
        if tenant is None or tenant.client_key != client_key:
            raise TokenError("the token's site does not match the body", code="unknown_tenant")
    except TokenError as exc:
        return _refuse(401, exc.code, exc.message)
    tenants.set_state(tenant, state)
    db.session.commit()
    return "", 204


@bp.post("/enabled")
def enabled() -> Any:
    return _state_change(TenantState.ENABLED)


@bp.post("/disabled")
def disabled() -> Any:
    return _state_change(TenantState.DISABLED)
