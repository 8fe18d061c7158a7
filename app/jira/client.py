"""Jira REST client, authorised the way the tenant's platform requires.

Connect: every request signed with the tenant's shared secret, claims as Connect
documents for app-to-Jira calls: ``iss`` is the app key (not the clientKey), ``exp`` is
180 s after ``iat``, and ``qsh`` hashes the exact request that goes out (method, path
relative to the site's context path, final query string).

Forge: ``Authorization: Bearer <token>`` at the installation's ``apiBaseUrl``
(``https://api.atlassian.com/ex/jira/<cloudId>``), the same paths below it
(developer.atlassian.com/platform/forge/remote/calling-product-apis/). The token comes
from a callable asked once per attempt, so a long job always sends the newest one and
learns (``app.atlassian.TokenUnavailable``) when none is left.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import jwt.warnings
import requests
from atlassian_jwt import encode_token

from app.connect.qsh import library_url
from app.http import ApiError, HttpClient

TOKEN_LIFETIME = 180


class JiraClient(HttpClient):
    service = "jira"

    def __init__(
        self,
        base_url: str,
        shared_secret: str | None = None,
        app_key: str = "",
        session: requests.Session | None = None,
        *,
        bearer: Callable[[], str] | None = None,
        on_unauthorized: Callable[[str], None] | None = None,
    ) -> None:
        """Connect: ``shared_secret`` and ``app_key``; Forge: ``bearer`` (exactly one).

        ``on_unauthorized(token)`` hears of a bearer token Jira refused (401), and may
        raise instead of the ``ApiUnauthorized`` that would follow."""
        if (shared_secret is None) == (bearer is None):
            raise ValueError("a Jira client needs either a shared secret or a bearer token")
        super().__init__(base_url, session)
        self._secret = shared_secret or ""
        self._app_key = app_key
        self._bearer = bearer
        self._on_unauthorized = on_unauthorized
        self._context_path = urlsplit(base_url).path.rstrip("/")

    def sign(self, method: str, url: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        parts = urlsplit(url)
        with warnings.catch_warnings():
            # The secret is the site's, chosen by Jira; its length is not ours to judge.
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            token: str = encode_token(
                method,
                library_url(parts.path, parts.query, self._context_path),
                clientKey=self._app_key,
                sharedSecret=self._secret,
                timeout_secs=TOKEN_LIFETIME,
                # the library reads its own clock; ``now`` pins both times for tests
                payload_kwargs={"iat": issued, "exp": issued + TOKEN_LIFETIME},
            )
        return token

    def finalize_request(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._bearer is not None:
            prepared.headers["Authorization"] = "Bearer " + self._bearer()
        else:
            prepared.headers["Authorization"] = "JWT " + self.sign(
                prepared.method or "GET", prepared.url or ""
            )
        prepared.headers.setdefault("Accept", "application/json")
        return prepared

    def error_for(self, response: requests.Response) -> ApiError:
        if response.status_code == 401 and self._on_unauthorized is not None:
            sent = response.request.headers.get("Authorization", "")
            self._on_unauthorized(sent.removeprefix("Bearer "))
        return super().error_for(response)

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

    def server_info(self) -> dict[str, Any]:
        """The site's own description; ``baseUrl`` is the site's URL."""
        result: dict[str, Any] = self.get_json("/rest/api/3/serverInfo")
        return result

    def check_permissions(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.post_json("/rest/api/3/permissions/check", body)
        return result
