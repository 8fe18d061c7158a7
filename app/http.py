"""The one outbound HTTP client base: timeouts, retries on 429/503, one error family.

Every call the app makes to another service (Jira, Atlassian's key CDN, git host APIs)
goes through ``HttpClient`` so timeouts, ``Retry-After`` handling and error mapping are
written once. Subclasses add authentication in ``finalize_request`` and endpoint methods.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import requests

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A remote service refused or failed a call. Never carries credentials."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body[:500]

    @classmethod
    def from_response(cls, response: requests.Response) -> ApiError:
        status = response.status_code
        kind = {401: ApiUnauthorized, 403: ApiForbidden, 404: ApiNotFound}.get(status, ApiError)
        if status == 429 or status == 503:
            return ApiRateLimited(
                f"{response.request.method} {_safe_url(response.url)} answered {status}",
                status=status,
                retry_after=retry_after_seconds(response.headers),
            )
        return kind(
            f"{response.request.method} {_safe_url(response.url)} answered {status}",
            status=status,
            body=response.text,
        )


class ApiUnauthorized(ApiError):
    pass


class ApiForbidden(ApiError):
    pass


class ApiNotFound(ApiError):
    pass


class ApiRateLimited(ApiError):
    def __init__(self, message: str, status: int | None = 429, retry_after: float | None = None):
        super().__init__(message, status)
        self.retry_after = retry_after


class ApiTimeout(ApiError):
    pass


class ApiHostError(ApiError):
    """The host could not be reached (DNS, refused connection, TLS)."""


def _safe_url(url: str | None) -> str:
    """The URL without its query, which may carry tokens."""
    return (url or "").split("?", 1)[0]


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta-seconds or an HTTP date)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpClient:
    """Base for outbound clients.

    Attributes:
        base_url: prefix for relative paths.
        timeout: (connect, read) seconds.
        max_retries: attempts after the first on 429/503.
        max_retry_wait: longest ``Retry-After`` honoured in-line; longer waits raise
            ``ApiRateLimited`` so a job can be rescheduled instead of blocking a worker.
    """

    timeout: tuple[float, float] = (5.0, 30.0)
    max_retries = 3
    max_retry_wait = 30.0

    def __init__(self, base_url: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.session = session or requests.Session()

    def build_url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def finalize_request(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        """Hook for authentication; called once per attempt, after the URL is final."""
        return prepared

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        request = requests.Request(
            method.upper(), self.build_url(path), params=params, json=json, headers=headers
        )
        for attempt in range(self.max_retries + 1):
            prepared = self.finalize_request(self.session.prepare_request(request))
            try:
                response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
            except requests.Timeout as exc:
                raise ApiTimeout(f"{method} {_safe_url(prepared.url)} timed out") from exc
            except requests.RequestException as exc:
                raise ApiHostError(
                    f"{method} {_safe_url(prepared.url)}: {type(exc).__name__}"
                ) from exc
            if response.status_code in (429, 503) and attempt < self.max_retries:
                wait = retry_after_seconds(response.headers)
                wait = min(2.0**attempt, self.max_retry_wait) if wait is None else wait
                if wait <= self.max_retry_wait:
                    log.info(
                        "http.retry status=%s wait=%.1fs url=%s",
                        response.status_code,
                        wait,
                        _safe_url(prepared.url),
                    )
                    time.sleep(wait)
                    continue
            if response.status_code >= 400:
                raise ApiError.from_response(response)
            return response
        raise AssertionError("unreachable")

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, body: Any, **kwargs: Any) -> Any:
        response = self.request("POST", path, json=body, **kwargs)
        return response.json() if response.content else None
