"""The Connect platform: context JWTs in, requests signed with the shared secret out."""

from __future__ import annotations

from typing import Any

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

    def page_url(self, tenant: Any, module_key: str) -> str:
        site = tenant.display_url or tenant.base_url
        return f"{site}/plugins/servlet/ac/{current_app.config['APP_KEY']}/{module_key}"
