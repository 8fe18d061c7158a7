"""The Atlassian side of the app, behind one seam.

Everything outside this package asks only these things of Atlassian:

* :func:`api_auth_required`: the guard on every JSON API route. It verifies the
  request's token as its issuer specifies and puts the tenant on ``g.tenant`` and the
  Atlassian account id of the acting user on ``g.account_id`` (``None`` for calls
  without a user).
* :func:`jira_for`: the Jira REST client for a tenant, for request handlers and
  background jobs alike; it signs or authorises each call as the tenant's platform
  requires. When it cannot (a Forge installation without a valid token) its calls raise
  :class:`TokenUnavailable`, which background jobs park on (``app.atlassian.waits``).
* :func:`check_permissions`: what Jira says a user may do.
* :func:`page_url`: where one of the app's pages lives on the tenant's site.

Two platforms implement :class:`AtlassianPlatform`: Connect (``app.atlassian.connect``:
Connect JWTs in, JWT-signed REST out) and Forge Remote (``app.atlassian.forge``: Forge
Invocation Tokens in, Bearer tokens at the installation's ``apiBaseUrl`` out). A tenant
row names its platform; a token of one platform never authenticates a tenant of the
other. Nothing outside this package looks at which platform a tenant uses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Flask, current_app, request

from app.atlassian.errors import JiraUnavailable, TokenUnavailable
from app.jira.client import JiraClient

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "AtlassianPlatform",
    "JiraUnavailable",
    "TokenUnavailable",
    "api_auth_required",
    "check_permissions",
    "jira_for",
    "page_url",
]


class AtlassianPlatform(Protocol):
    #: The value of ``Tenant.platform`` for its tenants.
    name: str
    #: The ``Authorization`` scheme its API tokens arrive with.
    scheme: str

    def authenticate(self) -> None:
        """Verify the current request; set ``g.tenant`` and ``g.account_id`` or raise
        the ``Problem`` (401/403) to answer."""

    def jira(self, tenant: Any) -> JiraClient:
        """A Jira client acting as the app for ``tenant``."""

    def user_jira(self, tenant: Any, account_id: str) -> JiraClient | None:
        """A client acting as ``account_id`` itself, if the current request brought one."""

    def page_url(self, tenant: Any, module_key: str,
                 params: dict[str, str] | None = None) -> str:
        """The URL of the app's page ``module_key`` on the tenant's site (with ``params``
        for the page where the platform passes them on)."""


def init_app(app: Flask) -> None:
    """The platform registry: Connect always, Forge when it is configured."""
    from app.atlassian.connect import ConnectPlatform

    platforms: dict[str, AtlassianPlatform] = {"connect": ConnectPlatform()}
    app.extensions["atlassian_platforms"] = platforms
    if app.config.get("FORGE_APP_ID"):
        enable_forge(app)


def enable_forge(app: Flask) -> Any:
    """The Forge platform (its routes registered on first use): for a configured app id,
    or the development sandbox's own Forge app."""
    from app.atlassian import forge

    platforms = app.extensions["atlassian_platforms"]
    if "forge" not in platforms:
        platforms["forge"] = forge.init_app(app)
    return platforms["forge"]


def _platforms() -> dict[str, AtlassianPlatform]:
    platforms: dict[str, AtlassianPlatform] = current_app.extensions["atlassian_platforms"]
    return platforms


def _platform_of(tenant: Any) -> AtlassianPlatform:
    platform = _platforms().get(tenant.platform)
    if platform is None:  # a Forge tenant while GITBRIDGE_FORGE_APP_ID is unset
        raise JiraUnavailable(f"the {tenant.platform} platform is not configured")
    return platform


def api_auth_required(view: F) -> F:
    """For the JSON API: the caller's platform token, verified; tenant and user on ``g``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        scheme = request.headers.get("Authorization", "").partition(" ")[0]
        platforms = _platforms()
        chosen = next((p for p in platforms.values() if p.scheme == scheme), None)
        # Without a recognised scheme, Connect's check says what is missing.
        (chosen or platforms["connect"]).authenticate()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def jira_for(tenant: Any) -> JiraClient:
    """The Jira REST client for ``tenant``, acting as the app."""
    return _platform_of(tenant).jira(tenant)


def check_permissions(tenant: Any, account_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Jira's ``POST /rest/api/3/permissions/check`` answer for ``account_id`` (named in
    the body either way).

    Asked as that user when the current request carries the user's own token (Forge's
    ``x-forge-oauth-user``: a user may always ask about themself), otherwise as the app,
    as Connect apps (and background work) do.
    """
    user_client = _platform_of(tenant).user_jira(tenant, account_id)
    return (user_client or jira_for(tenant)).check_permissions(
        {"accountId": account_id, **body})


def page_url(tenant: Any, module_key: str, params: dict[str, str] | None = None) -> str:
    """Where the app's page ``module_key`` (a descriptor/manifest module key) lives on the
    tenant's site: a link that opens it inside Jira, for the API's answers and for what
    Jira shows outside the app's frames (the Development panel)."""
    return _platform_of(tenant).page_url(tenant, module_key, params)
