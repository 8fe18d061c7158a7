"""Forge installations as tenants: lookup, install, the site they belong to, and the
app system token kept for background work.

Forge hands the remote a short-lived ``x-forge-oauth-system`` token with each invocation
(lifecycle events, scheduled triggers, UI calls). Its ``exp`` claim says when it ends
(developer.atlassian.com/platform/forge/remote/calling-product-apis/ "Token Expiry").
The newest one is kept per installation, encrypted, with its expiry; background jobs use
it until it is about to run out and then wait for the next (``app.atlassian.waits``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from flask import current_app

from app import tenants
from app.atlassian.errors import JiraUnavailable, TokenUnavailable
from app.atlassian.forge.fit import Invocation
from app.extensions import db
from app.models import Platform, Tenant, TenantState, as_utc, utcnow

#: A stored token is replaced by one that lives at least this much longer.
NEWER_BY = timedelta(minutes=5)


def find(installation_id: str) -> Tenant | None:
    return db.session.execute(
        db.select(Tenant).filter_by(client_key=installation_id, platform=Platform.FORGE.value)
    ).scalar_one_or_none()


def install(invocation: Invocation) -> tuple[Tenant, bool]:
    """Create the tenant for the installation, or refresh it (a re-install keeps data).

    Returns the tenant and whether it is new.
    """
    tenant = find(invocation.installation_id)
    created = tenant is None
    if tenant is None:
        tenant = Tenant(client_key=invocation.installation_id, platform=Platform.FORGE.value,
                        base_url="", state=TenantState.INSTALLED)
        db.session.add(tenant)
    tenant.installed_at = utcnow()
    observe(tenant, invocation)
    return tenant, created


def observe(tenant: Tenant, invocation: Invocation) -> bool:
    """Follow what a verified FIT says about the installation; True if anything changed."""
    before = (tenant.api_base_url, tenant.cloud_id, tenant.base_url, tenant.forge_environment_id)
    tenant.api_base_url = invocation.api_base_url
    tenant.cloud_id = invocation.cloud_id
    if invocation.environment_id:
        tenant.forge_environment_id = invocation.environment_id
    if invocation.site_url:
        set_site(tenant, invocation.site_url)
    return before != (tenant.api_base_url, tenant.cloud_id, tenant.base_url,
                      tenant.forge_environment_id)


def set_site(tenant: Tenant, site_url: str | None) -> None:
    """Record the site's URL if it is a Jira site we may talk to (links, frame-ancestors)."""
    config = current_app.config
    if site_url and tenants.site_allowed(
        site_url, config["ALLOWED_JIRA_HOSTS"], allow_http=config["ENV_NAME"] == "development"
    ):
        tenant.base_url = site_url.rstrip("/")


def token_expiry(token: str) -> datetime | None:
    """When a Forge OAuth token expires (its ``exp``), or None if it is not a JWT."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


def remember_system_token(tenant: Tenant, token: str | None) -> bool:
    """Keep ``token`` if it outlives the stored one; True if it was stored."""
    expires = token_expiry(token) if token else None
    if token is None or expires is None or expires <= utcnow():
        return False
    stored = tenant.system_token_expires_at if tenant.system_token else None
    stored = as_utc(stored) if stored else None
    if stored is not None and expires < stored + NEWER_BY and usable_until(stored):
        return False
    tenant.system_token, tenant.system_token_expires_at = token, expires
    return True


def usable_until(expires: datetime | None) -> bool:
    margin = timedelta(seconds=current_app.config["FORGE_TOKEN_MARGIN"])
    return expires is not None and expires - margin > utcnow()


def system_token(tenant_id: int) -> str:
    """The installation's current app system token, read fresh (a long job sees the one
    the web process stored a minute ago). Raises ``TokenUnavailable``."""
    row = db.session.execute(
        db.select(Tenant.system_token, Tenant.system_token_expires_at, Tenant.platform)
        .where(Tenant.id == tenant_id)
    ).first()
    if row is None or row.platform != Platform.FORGE.value:
        raise JiraUnavailable("the Forge installation is gone")
    expires = as_utc(row.system_token_expires_at) if row.system_token_expires_at else None
    if not row.system_token or not usable_until(expires):
        raise TokenUnavailable(tenant_id)
    return str(row.system_token)


def refused(tenant_id: int, token: str) -> None:
    """Jira refused ``token`` (revoked, or never Forge's): raise ``TokenUnavailable`` that
    forgets it if it is still the stored one, so background work waits for a good one."""

    def discard() -> None:
        tenant = db.session.get(Tenant, tenant_id)
        if tenant is not None and tenant.system_token == token:
            tenant.system_token, tenant.system_token_expires_at = None, None
            current_app.logger.warning("forge.system_token.refused tenant=%s", tenant_id)

    raise TokenUnavailable(tenant_id, discard)
