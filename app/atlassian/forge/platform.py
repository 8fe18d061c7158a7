"""The Forge Remote platform: Forge Invocation Tokens in, Bearer tokens out.

The tenant of a request is the FIT's installation (``app.installationId``), the user its
``principal``. The request's ``x-forge-oauth-system`` token refreshes the installation's
stored one (for background work); ``x-forge-oauth-user`` is kept for this request only
and used where Jira should answer as that user (``app.atlassian.check_permissions``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request

from app.atlassian import waits
from app.atlassian.forge import fit, installations
from app.atlassian.forge.jwks import JwksCache
from app.errors import Problem
from app.extensions import db
from app.jira.client import JiraClient
from app.models import as_utc
from app.queue import QueueUnavailable

SYSTEM_TOKEN_HEADER = "x-forge-oauth-system"
USER_TOKEN_HEADER = "x-forge-oauth-user"
#: Page module key -> its path on the site, after the app and environment ids
#: (.../manifest-reference/modules/jira-global-page/, jira-admin-page/: the URL formats;
#: the subpages are the ``pages`` routes in forge/manifest.yml).
PAGE_PATHS = {
    "manage-repositories": "/jira/settings/apps/{app}/{env}/repositories",
    "general-settings": "/jira/settings/apps/{app}/{env}/settings",
    "repository-browser": "/jira/apps/{app}/{env}/repositories",
    "user-settings": "/jira/apps/{app}/{env}/settings",
}


class ForgePlatform:
    name = "forge"
    scheme = "Bearer"

    def __init__(self, app: Flask) -> None:
        self.keys = JwksCache(app.config["FORGE_JWKS_URL"], app.config["FORGE_JWKS_REFRESH_FLOOR"])

    # -- incoming ----------------------------------------------------------------------

    def verify(self) -> fit.Invocation:
        """The current request's verified FIT, or a 401 Problem (nothing is written)."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != self.scheme or not token.strip():
            raise Problem(401, "token_missing", "this request needs a Forge invocation token")
        config = current_app.config
        try:
            return fit.verify(
                token.strip(),
                self.keys,
                app_id=config["FORGE_APP_ID"],
                api_hosts=config["FORGE_API_HOSTS"],
                leeway=config["JWT_LEEWAY"],
                allow_http=config["ENV_NAME"] == "development",
            )
        except fit.FitError as exc:
            current_app.logger.info("forge.fit.refused code=%s path=%s", exc.code, request.path)
            raise Problem(401, exc.code, exc.message) from exc

    def authenticate(self) -> None:
        invocation = self.verify()
        tenant = installations.find(invocation.installation_id)
        if tenant is None:
            raise Problem(401, "unknown_installation",
                          "Gitbridge has no record of this Forge installation; reinstall the app.")
        self.take_tokens(tenant, invocation)
        g.tenant = tenant
        g.account_id = invocation.principal
        g.forge_invocation = invocation
        user_token = request.headers.get(USER_TOKEN_HEADER)
        if user_token and invocation.principal:
            g.forge_user_token = (tenant.id, invocation.principal, user_token)

    def take_tokens(self, tenant: Any, invocation: fit.Invocation) -> int:
        """Follow the FIT's facts, keep a newer system token (committed), and resume
        work that waited for one; returns how many parked jobs were queued."""
        installations.observe(tenant, invocation)
        installations.remember_system_token(tenant, request.headers.get(SYSTEM_TOKEN_HEADER))
        if db.session.dirty or db.session.new or db.session.deleted:
            db.session.commit()
        if not waits.waiting(tenant.id) or not installations.usable_until(
                tenant.system_token_expires_at and as_utc(tenant.system_token_expires_at)):
            return 0
        try:
            return waits.resume(tenant.id)
        except QueueUnavailable:  # the next invocation (or the scheduled trigger) retries
            current_app.logger.warning("forge.resume.queue_unavailable tenant=%s", tenant.id)
            return 0

    # -- outgoing ----------------------------------------------------------------------

    def jira(self, tenant: Any) -> JiraClient:
        tenant_id = tenant.id
        return JiraClient(tenant.api_base_url or "",
                          bearer=lambda: installations.system_token(tenant_id),
                          on_unauthorized=lambda token: installations.refused(tenant_id, token))

    def user_jira(self, tenant: Any, account_id: str) -> JiraClient | None:
        held = g.get("forge_user_token")
        if not held or held[:2] != (tenant.id, account_id):
            return None
        token = held[2]
        if not installations.usable_until(installations.token_expiry(token)):
            return None
        return JiraClient(tenant.api_base_url or "", bearer=lambda: token)

    def page_url(self, tenant: Any, module_key: str,
                 params: dict[str, str] | None = None) -> str:
        """The page's URL on the site, from the app and environment ids of the request
        (or, in background work, the installation's last known ones); the site's root
        when they are not known. Forge pages take no parameters from their URL, so
        ``params`` are not sent."""
        invocation = g.get("forge_invocation")
        environment = (invocation.environment_id if invocation else None) or \
            tenant.forge_environment_id
        match = fit.ENVIRONMENT_ARI.match(environment or "")
        path = PAGE_PATHS.get(module_key)
        if not match or not path:
            return tenant.base_url or ""
        return tenant.base_url + path.format(app=match.group(1), env=match.group(2))
