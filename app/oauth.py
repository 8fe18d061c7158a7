"""The OAuth 2.0 authorization-code flow for GitHub, GitLab and Bitbucket Cloud.

1. ``start`` (an admin, from the wizard) signs a ``state`` naming the tenant, the admin,
   the kind and the host, and returns the host's authorize URL; the wizard opens it in
   a popup.
2. The host sends the admin's browser to ``/oauth/<kind>/callback`` with ``code`` and
   ``state``. The signed state (at most ``STATE_MAX_AGE`` old) is the only
   authentication there: ``complete`` checks it, exchanges the code at the host's
   token endpoint and keeps the tokens in an ``OAuthGrant`` for ``GRANT_LIFETIME``.
3. The wizard sends ``{"type": "oauth", "grant": "<id>"}`` as the integration's auth;
   ``grant_fields`` turns it into the tokens (only for the tenant that made it), and
   creating the integration consumes the grant.

Tokens never reach the browser: the callback page only names the grant.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app import hosts as registry
from app.errors import Problem
from app.extensions import db
from app.git_hosts import provider_for
from app.git_hosts.base import host_message
from app.git_hosts.client import Auth, BasicAuth, HostClient, NoAuth
from app.git_hosts.errors import GitHostError
from app.hosts import OAuthEndpoints
from app.http import ApiError
from app.models import OAuthGrant, Tenant, as_utc, utcnow

#: Seconds a signed state is accepted (the admin's time on the host's consent page).
STATE_MAX_AGE = 600
#: How long a completed grant waits for the wizard to use it.
GRANT_LIFETIME = timedelta(minutes=15)


#: ``{kind: endpoints}`` of the hosts that offer OAuth (from the host registry).
HOSTS: dict[str, OAuthEndpoints] = {h.kind: h.oauth for h in registry.HOSTS if h.oauth}


class OAuthFailed(Exception):
    """The callback cannot complete; the message is shown to the admin."""


def client_for(kind: str) -> tuple[str, str] | None:
    """The configured OAuth app ``(client_id, client_secret)`` for ``kind``, if any."""
    clients: dict[str, tuple[str, str]] = current_app.config.get("OAUTH_CLIENTS") or {}
    return clients.get(kind) if kind in HOSTS else None


def redirect_uri(kind: str) -> str:
    return f"{current_app.config['BASE_URL']}/oauth/{kind}/callback"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="oauth")


def _web_root(kind: str, base_url: str | None) -> str:
    try:
        return provider_for(kind).roots_for(base_url)[0]
    except GitHostError as exc:
        raise Problem(400, "invalid_base_url", exc.message) from exc


# --- 1. start ----------------------------------------------------------------------------


def start(tenant: Tenant, account_id: str | None, kind: str, base_url: Any) -> str:
    """The host's authorize URL for this admin (raises ``Problem`` when not offered)."""
    client = client_for(kind)
    if client is None:
        raise Problem(404, "oauth_not_offered", f"OAuth is not configured for '{kind}'")
    cls = provider_for(kind)
    if cls.self_managed:
        if not isinstance(base_url, str) or not base_url.strip():
            raise Problem(400, "invalid_base_url", "base_url (the host's web root) is required")
    else:
        base_url = None
    web_root = _web_root(kind, base_url)
    state = _serializer().dumps({
        "tenant_id": tenant.id, "account_id": account_id, "kind": kind,
        "base_url": web_root if cls.self_managed else None, "nonce": secrets.token_urlsafe(16),
    })
    host = HOSTS[kind]
    query = {"client_id": client[0]}
    if host.response_type:
        query["response_type"] = "code"
    if not host.basic_client_auth:  # Bitbucket: the consumer's own callback URL
        query["redirect_uri"] = redirect_uri(kind)
    if host.scope:
        query["scope"] = host.scope
    query["state"] = state
    return f"{host.authorize_root or web_root}{host.authorize_path}?{urlencode(query)}"


# --- 2. the callback ----------------------------------------------------------------------


def verify_state(kind: str, state: str) -> dict[str, Any]:
    """The state's claims, or ``OAuthFailed`` if forged, expired or for another kind."""
    try:
        claims = _serializer().loads(state, max_age=STATE_MAX_AGE)
    except SignatureExpired as exc:
        raise OAuthFailed("The authorization took too long; start again from Jira.") from exc
    except BadSignature as exc:
        raise OAuthFailed("This authorization was not started by Gitbridge.") from exc
    if not isinstance(claims, dict) or claims.get("kind") != kind:
        raise OAuthFailed("This authorization was not started by Gitbridge.")
    return claims


def complete(kind: str, code: str, state: str) -> OAuthGrant:
    """Check ``state``, exchange ``code`` and keep the tokens as a grant of the tenant."""
    claims = verify_state(kind, state)
    tenant = db.session.get(Tenant, claims.get("tenant_id"))
    client = client_for(kind)
    if tenant is None or client is None:
        raise OAuthFailed("Gitbridge can no longer use this authorization; start again.")
    if not code:
        raise OAuthFailed("The host did not send an authorization code.")
    base_url = claims.get("base_url")
    tokens = exchange(kind, base_url, code, client)
    now = utcnow()
    db.session.execute(db.delete(OAuthGrant).where(OAuthGrant.expires_at < now))
    grant = OAuthGrant(id=secrets.token_urlsafe(24), tenant_id=tenant.id, kind=kind,
                       base_url=base_url, token=json.dumps(tokens),
                       expires_at=now + GRANT_LIFETIME)
    db.session.add(grant)
    db.session.commit()
    current_app.logger.info("oauth.granted tenant=%s kind=%s", tenant.id, kind)
    return grant


def exchange(kind: str, base_url: str | None, code: str, client: tuple[str, str]
             ) -> dict[str, str]:
    """Trade the authorization code for tokens at the host's token endpoint."""
    host = HOSTS[kind]
    url = (host.authorize_root or _web_root(kind, base_url)) + host.token_path
    form = {"grant_type": "authorization_code", "code": code}
    auth: Auth
    if host.basic_client_auth:
        auth = BasicAuth(*client)
    else:
        form.update(client_id=client[0], client_secret=client[1], redirect_uri=redirect_uri(kind))
        auth = NoAuth(key=code)
    http = HostClient(url, auth=auth, allow_private=current_app.config["ALLOW_PRIVATE_HOSTS"],
                      default_headers={"Accept": "application/json"})
    try:
        payload: Any = http.request("POST", url, data=form).json()
    except ApiError as exc:
        raise OAuthFailed(
            f"The host refused the authorization: {host_message(exc.payload) or exc.status}"
        ) from exc
    except ValueError as exc:
        raise OAuthFailed("The host's token endpoint did not answer with JSON.") from exc
    if not isinstance(payload, dict) or payload.get("error") or not payload.get("access_token"):
        said = host_message(payload) if payload else ""
        raise OAuthFailed(f"The host refused the authorization: {said or 'no token'}")
    tokens = {"access_token": str(payload["access_token"])}
    if payload.get("refresh_token"):
        tokens["refresh_token"] = str(payload["refresh_token"])
    if isinstance(payload.get("expires_in"), int | float):
        expires = datetime.now(UTC) + timedelta(seconds=float(payload["expires_in"]))
        tokens["expires_at"] = expires.isoformat()
    return tokens


# --- 3. using the grant ------------------------------------------------------------------


def find_grant(tenant: Tenant | None, kind: str, base_url: str | None, grant_id: str
               ) -> OAuthGrant:
    """The tenant's unexpired grant for this host; others look like no grant (400)."""
    grant = db.session.get(OAuthGrant, grant_id) if tenant is not None else None
    if (grant is None or tenant is None or grant.tenant_id != tenant.id
            or as_utc(grant.expires_at) <= utcnow()):
        raise Problem(400, "invalid_grant",
                      "The OAuth authorization is unknown or has expired; connect again.")
    expected = _web_root(kind, base_url) if provider_for(kind).self_managed else None
    if grant.kind != kind or grant.base_url != expected:
        raise Problem(400, "invalid_grant", "The OAuth authorization is for another host.")
    return grant


def grant_fields(grant: OAuthGrant) -> dict[str, str]:
    """The grant's tokens as ``oauth`` credential fields."""
    fields: dict[str, str] = json.loads(grant.token)
    return fields


def store_refreshed(grant_id: str) -> Callable[[dict[str, Any]], None]:
    """An ``on_refresh`` callback keeping tokens renewed during preview on the grant."""

    def store(new_fields: dict[str, Any]) -> None:
        grant = db.session.get(OAuthGrant, grant_id)
        if grant is not None:
            grant.token = json.dumps({k: str(v) for k, v in new_fields.items()
                                      if v is not None and k != "type"})
            db.session.commit()

    return store
