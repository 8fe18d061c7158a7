"""Jira REST client: every request signed with the tenant's shared secret.

Claims as Connect documents for app-to-Jira calls: ``iss`` is the app key (not the
clientKey), ``exp`` is 180 s after ``iat``, and ``qsh`` hashes the exact request that
goes out (method, path relative to the site's context path, final query string).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jwt
import jwt.warnings
import requests

from app.connect.qsh import qsh
from app.http import HttpClient

TOKEN_LIFETIME = 180


class JiraClient(HttpClient):
    def __init__(
        self,
        base_url: str,
        shared_secret: str,
        app_key: str,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(base_url, session)
        self._secret = shared_secret
        self._app_key = app_key
        self._context_path = urlsplit(base_url).path.rstrip("/")

    @classmethod
    def for_tenant(cls, tenant: Any, app_key: str) -> JiraClient:
        return cls(tenant.base_url, tenant.shared_secret, app_key)

    def sign(self, method: str, url: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        parts = urlsplit(url)
        claims = {
            "iss": self._app_key,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME,
            "qsh": qsh(method, parts.path, parts.query, self._context_path),
        }
        with warnings.catch_warnings():
            # The secret is the site's, chosen by Jira; its length is not ours to judge.
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            return jwt.encode(claims, self._secret, algorithm="HS256")

    def finalize_request(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        prepared.headers["Authorization"] = "JWT " + self.sign(
            prepared.method or "GET", prepared.url or ""
        )
        prepared.headers.setdefault("Accept", "application/json")
        return prepared

    def projects(self) -> Iterator[dict[str, Any]]:
        """Every project on the site visible to the app, following pagination."""
        start = 0
        while True:
            page = self.get_json(
                "/rest/api/3/project/search", params={"startAt": start, "maxResults": 50}
            )
            values = page.get("values", [])
            yield from values
            if page.get("isLast", True) or not values:
                return
            start += len(values)

    def issue(self, key: str, fields: str = "summary,project") -> dict[str, Any]:
        result: dict[str, Any] = self.get_json(
            f"/rest/api/3/issue/{key}", params={"fields": fields}
        )
        return result

    def check_permissions(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.post_json("/rest/api/3/permissions/check", body)
        return result
