"""The OAuth 2.0 authorization-code flow for GitHub, GitLab and Bitbucket Cloud.

Authlib's ``OAuth2Session`` (``app.git_hosts.oauth_session``) builds the authorize URL
and exchanges the code; refresh and expiry live with the providers (``refresh.py``).

1. ``start`` (an admin, from the wizard) signs a ``state`` naming the tenant, the admin,
   the kind, the host and a nonce, keeps an ``OAuthStart`` under that nonce with a PKCE
   code verifier, and returns the host's authorize URL (with the verifier's S256
   challenge where the host takes PKCE, ``OAuthEndpoints.pkce``); the wizard opens it
   in a popup.
2. The host sends the admin's browser to ``/oauth/<kind>/callback`` with ``code`` and
   ``state``. The signed state (at most ``STATE_MAX_AGE`` old) is the only
   authentication there: ``complete`` checks it, takes its ``OAuthStart`` (so a state
   completes once), exchanges the code with the verifier at the host's token endpoint
   and keeps the tokens in an ``OAuthGrant`` for ``GRANT_LIFETIME``.
3. The wizard sends ``{"type": "oauth", "grant": "<id>"}`` as the integration's auth;
   ``grant_fields`` turns it into the tokens (only for the tenant that made it), and
   creating the integration consumes the grant.

Tokens never reach the browser: the callback page only names the grant.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.common.security import generate_token
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app import hosts as registry
from app.errors import Problem
from app.extensions import db
from app.git_hosts import oauth_session, provider_for
from app.git_hosts.base import host_message
from app.git_hosts.errors import GitHostError
from app.hosts import OAuthEndpoints
from app.http import ApiError
from app.models import OAuthGrant, OAuthStart, Tenant, as_utc, utcnow

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
    nonce = secrets.token_urlsafe(16)
    state = _serializer().dumps({
        "tenant_id": tenant.id, "account_id": account_id, "kind": kind,
        "base_url": web_root if cls.self_managed else None, "nonce": nonce,
    })
    host = HOSTS[kind]
    verifier = generate_token(64)  # RFC 7636 §4.1: 43-128 unreserved characters
    now = utcnow()
    db.session.execute(db.delete(OAuthStart).where(OAuthStart.expires_at < now))
    db.session.add(OAuthStart(id=nonce, tenant_id=tenant.id, kind=kind, code_verifier=verifier,
                              expires_at=now + timedelta(seconds=STATE_MAX_AGE)))
    db.session.commit()
    oauth = _session(kind, host, client, web_root)
    url, _ = oauth.create_authorization_url(
        host.authorize_url(web_root), state=state,
        code_verifier=verifier if host.pkce else None, scope=host.scope)
    return str(url) if host.response_type else _without(str(url), "response_type")


def _session(kind: str, host: OAuthEndpoints, client: tuple[str, str], web_root: str) -> Any:
    """Authlib's session for this host's token endpoint (``app.git_hosts.oauth_session``)."""
    return oauth_session.session(
        client, host.token_url(web_root),
        basic_client_auth=host.basic_client_auth,
        # Bitbucket: the consumer's own callback URL, never sent
        redirect_uri=None if host.basic_client_auth else redirect_uri(kind),
        pkce=host.pkce, allow_private=current_app.config["ALLOW_PRIVATE_HOSTS"])


def _without(url: str, name: str) -> str:
    """``url`` less one query parameter: GitHub's authorize endpoint documents no
    ``response_type``, which Authlib always writes."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode(query)))


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
    verifier = _take_start(tenant, kind, str(claims.get("nonce", "")))
    base_url = claims.get("base_url")
    tokens = exchange(kind, base_url, code, client, verifier)
    now = utcnow()
    db.session.execute(db.delete(OAuthGrant).where(OAuthGrant.expires_at < now))
    grant = OAuthGrant(id=secrets.token_urlsafe(24), tenant_id=tenant.id, kind=kind,
                       base_url=base_url, token=json.dumps(tokens),
                       expires_at=now + GRANT_LIFETIME)
    db.session.add(grant)
    db.session.commit()
    current_app.logger.info("oauth.granted tenant=%s kind=%s", tenant.id, kind)
    return grant


def _take_start(tenant: Tenant, kind: str, nonce: str) -> str:
    """The code verifier of the state's ``OAuthStart``, which is used up (exactly once,
    even when two callbacks race: only one ``DELETE`` finds the row)."""
    row = db.session.get(OAuthStart, nonce) if nonce else None
    if row is None or row.tenant_id != tenant.id or row.kind != kind:
        raise OAuthFailed("This authorization was already used; start again from Jira.")
    verifier, expired = row.code_verifier, as_utc(row.expires_at) <= utcnow()
    taken = db.session.execute(db.delete(OAuthStart).where(OAuthStart.id == nonce))
    db.session.commit()
    if getattr(taken, "rowcount", 0) != 1:
        raise OAuthFailed("This authorization was already used; start again from Jira.")
    if expired:
        raise OAuthFailed("The authorization took too long; start again from Jira.")
    return verifier


def exchange(kind: str, base_url: str | None, code: str, client: tuple[str, str],
             verifier: str) -> dict[str, str]:
    """Trade the authorization code (and the PKCE verifier) for tokens, with Authlib."""
    host = HOSTS[kind]
    oauth = _session(kind, host, client, _web_root(kind, base_url))
    url = oauth.metadata["token_endpoint"]
    try:
        token = oauth_session.token_request(url, lambda: oauth.fetch_token(
            url, code=code, code_verifier=verifier if host.pkce else None))
    except oauth_session.TokenRequestRefused as exc:
        raise OAuthFailed(f"The host refused the authorization: {exc.said}") from exc
    except ApiError as exc:
        said = host_message(exc.payload) or (str(exc.status) if exc.status else exc.message)
        raise OAuthFailed(f"The host refused the authorization: {said}") from exc
    return oauth_session.as_fields(token)


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
