"""The sandbox's Forge installation, and the Forge platform's calls to the remote.

Installing sends what Forge sends when an admin installs the app: the lifecycle
trigger's ``avi:forge:installed:app`` event to the remote's ``/forge/events`` with a
background FIT (no user, module ``gitbridge-lifecycle``) and a fresh app system token.
Page calls (``invokeRemote``/``requestRemote`` from Custom UI) go out the way Forge's
proxy sends them: to the remote's base URL plus the page's path, with a FIT minted for
that one call (the user as ``principal``, the page's module and context), and the app's
system and user tokens. Every answer is the app's own, over real HTTP.
"""

from __future__ import annotations

from typing import Any

import requests
from flask import current_app

from app.atlassian.forge import installations
from app.sandbox import forge_tokens as tokens
from app.sandbox.install import InstallFailed

#: The sandbox's own Forge app id, when no GITBRIDGE_FORGE_APP_ID is configured.
SANDBOX_APP_ID = "ari:cloud:ecosystem::app/5a4db000-0000-4000-8000-00000000f0a9"
LIFECYCLE = ("gitbridge-lifecycle", "core:trigger")
#: Headers a page may set on its call; Forge adds the rest itself.
PAGE_HEADERS = ("accept", "content-type")


def event(event_type: str = "installed") -> dict[str, Any]:
    return {"eventType": f"avi:forge:{event_type}:app", "id": tokens.INSTALLATION_ID,
            "installerAccountId": "5f1c2a0e9d3b4c0001a1d001",
            "app": {"id": tokens.app_id(), "version": "1", "name": "Gitbridge for Jira"},
            "environment": {"id": tokens.environment_id()},
            "context": f"ari:cloud:jira::site/{tokens.CLOUD_ID}"}


def send_event(event_type: str = "installed") -> requests.Response:
    url = f"{current_app.config['BASE_URL']}/forge/events"
    headers = {"Authorization": f"Bearer {tokens.fit(*LIFECYCLE)}",
               "x-forge-oauth-system": tokens.oauth_token()}
    try:
        return requests.post(url, json=event(event_type), headers=headers, timeout=30)
    except requests.RequestException as exc:
        raise InstallFailed(f"could not reach {url}: {exc}") from exc


def ensure_installed() -> None:
    """Install the app on the sandbox site through Forge's lifecycle trigger, unless the
    app has this installation already."""
    if installations.find(tokens.INSTALLATION_ID) is not None:
        return
    response = send_event("installed")
    if response.status_code != 200:
        raise InstallFailed(f"Forge installed event: HTTP {response.status_code} "
                            f"{response.text[:300]}")


def invoke(account_id: str, module: tuple[str, str], extension: dict[str, Any],
           method: str, path: str, headers: dict[str, str] | None = None,
           body: Any = None, raw: str | None = None) -> requests.Response:
    """One call from a page of ``module`` (key, type) to the remote, as Forge proxies it.

    ``body`` is sent as JSON (invokeRemote), ``raw`` as it is (requestRemote).
    Raises ValueError for a path that is not one on the remote.
    """
    if not path.startswith("/") or path.startswith("//") or method.upper() not in (
            "GET", "POST", "PUT", "PATCH", "DELETE"):
        raise ValueError("a remote call takes a method and a path on the remote (/...)")
    ensure_installed()
    sent = {k: v for k, v in (headers or {}).items() if k.lower() in PAGE_HEADERS}
    sent.update({
        "Authorization": "Bearer " + tokens.fit(module[0], module[1], principal=account_id,
                                                extension=extension),
        "x-forge-oauth-system": tokens.oauth_token(),
        "x-forge-oauth-user": tokens.oauth_token(account_id)})
    url = current_app.config["BASE_URL"] + path
    if raw is not None:
        return requests.request(method.upper(), url, data=raw.encode(), headers=sent,
                                timeout=120)
    return requests.request(method.upper(), url, json=body, headers=sent, timeout=120)
