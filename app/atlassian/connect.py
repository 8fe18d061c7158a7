"""The Connect platform: context JWTs in, requests signed with the shared secret out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app

from app.connect.auth import check_context_token
from app.jira.client import JiraClient


class ConnectPlatform:
    name = "connect"
    scheme = "JWT"

    def authenticate(self) -> None:
        check_context_token()

    def jira(self, tenant: Any) -> JiraClient:
        return JiraClient(tenant.base_url, tenant.shared_secret, current_app.config["APP_KEY"])

    def user_jira(self, tenant: Any, account_id: str) -> JiraClient | None:
        return None  # Connect apps may ask about any user server-side

    def page_url(self, tenant: Any, module_key: str,
                 params: dict[str, str] | None = None) -> str:
        """``/plugins/servlet/ac/<app>/<module>``; ``params`` as ``ac.<name>``, which Jira
        hands the page as its URL's ``{ac.<name>}`` variables."""
        site = tenant.display_url or tenant.base_url
        url = f"{site}/plugins/servlet/ac/{current_app.config['APP_KEY']}/{module_key}"
        if params:
            url += "?" + urlencode({f"ac.{k}": v for k, v in params.items()})
        return url
