"""The one outbound HTTP client base: timeouts, retries on 429/503, one error family.

Every call the app makes to another service (Jira, Atlassian's key CDN, git host APIs)
goes through ``HttpClient`` so timeouts, ``Retry-After`` handling and error mapping are
written once. Subclasses add authentication in ``finalize_request`` and endpoint methods.

Hooks for subclasses (all optional, defaults keep the behaviour above):

* ``check_url(url)`` runs before every attempt with the final URL, so a client that talks
  to user-supplied hosts can refuse private addresses (``app.netguard``) or foreign
  origins. Redirects are never followed, so every URL fetched passes through it.
* ``retry_wait(response, attempt)`` decides whether an answer is worth waiting for and
  for how long (git hosts signal rate limits with 403 and their own headers).
* ``error_for(response)`` builds the exception for a refused call.
* ``verify`` (constructor argument) is handed to requests for TLS verification: ``False``
  for a self-signed internal server whose admin turned verification off, or a CA bundle.
"""

from __future__ import annotations

import email.utils
import logging
import re
import socket
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from app import metrics

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A remote service refused or failed a call. Never carries credentials."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body[:500]
        #: Response headers (cookies dropped): hosts explain refusals in them, e.g.
        #: GitHub's ``X-GitHub-SSO`` or GitLab's ``WWW-Authenticate``.
        self.headers: Mapping[str, str] = {}
        #: The error body parsed as JSON when it is JSON (``None`` otherwise); unlike
        #: ``body`` it is not cut at 500 characters, so validation details survive.
        self.payload: Any = None

    @classmethod
    def from_response(cls, response: requests.Response) -> ApiError:
        status = response.status_code
        kind = {401: ApiUnauthorized, 403: ApiForbidden, 404: ApiNotFound}.get(status, ApiError)
        error: ApiError
        if status == 429 or status == 503:
            error = ApiRateLimited(
                f"{response.request.method} {_safe_url(response.url)} answered {status}",
                status=status,
                retry_after=retry_after_seconds(response.headers),
            )
        else:
            error = kind(
                f"{response.request.method} {_safe_url(response.url)} answered {status}",
                status=status,
                body=response.text,
            )
        error.attach_response(response)
        return error

    def attach_response(self, response: requests.Response) -> None:
        """Keep the headers and JSON body of ``response`` for callers that map errors."""
        self.headers = CaseInsensitiveDict(
            {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        )
        self.payload = _json_or_none(response)


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


class ApiDnsError(ApiHostError):
    """DNS has no such host (most often a mistyped URL); ``host`` is the name asked for."""

    def __init__(self, message: str, host: str) -> None:
        super().__init__(message)
        self.host = host


class ApiTlsError(ApiHostError):
    """The TLS handshake failed, most often an untrusted (self-signed) certificate."""


_MAX_ERROR_JSON = 256 * 1024
_TLS_REASON = re.compile(r"certificate verify failed: ([^()'\"]{1,120})|(wrong version number)")


def _tls_reason(exc: Exception) -> str:
    """OpenSSL's short reason ("self-signed certificate"), without the URL or anything else."""
    match = _TLS_REASON.search(str(exc))
    if match is None:
        return "certificate not trusted"
    return (match.group(1) or match.group(2)).strip()


def _json_or_none(response: requests.Response) -> Any:
    content = response.content or b""
    looks_json = content.lstrip()[:1] in (b"{", b"[")
    if "json" not in response.headers.get("Content-Type", "") and not looks_json:
        return None
    if len(content) > _MAX_ERROR_JSON:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _dns_failure(exc: BaseException) -> bool:
    """Whether a transport error is a failed name lookup, however deep urllib3 wrapped it
    (``ConnectionError`` > ``MaxRetryError.reason`` > ``NameResolutionError`` >
    ``socket.gaierror``)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, socket.gaierror) or type(item).__name__ == "NameResolutionError":
            return True
        todo.extend([item.__cause__, item.__context__, getattr(item, "reason", None),
                     *item.args])
    return False


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
    #: The ``service`` label of this client's calls in ``gitbridge_api_calls``.
    service = "other"
    max_retries = 3
    max_retry_wait = 30.0

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        *,
        verify: bool | str = True,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.session = session or requests.Session()
        self.verify = verify

    def build_url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def finalize_request(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        """Hook for authentication; called once per attempt, after the URL is final."""
        return prepared

    def check_url(self, url: str) -> None:
        """Hook: raise (an ``ApiError``) to refuse fetching ``url``; called every attempt."""

    def retry_wait(self, response: requests.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying ``response``, or ``None`` if it is final.

        A wait longer than ``max_retry_wait`` is not slept: the error is raised instead.
        """
        if response.status_code not in (429, 503):
            return None
        wait = retry_after_seconds(response.headers)
        return min(2.0**attempt, self.max_retry_wait) if wait is None else wait

    def error_for(self, response: requests.Response) -> ApiError:
        """The exception for an answer >= 400 that will not be retried."""
        return ApiError.from_response(response)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        request = requests.Request(
            method.upper(),
            self.build_url(path),
            params=params,
            json=json,
            headers=headers,
            data=data,
        )
        for attempt in range(self.max_retries + 1):
            prepared = self.finalize_request(self.session.prepare_request(request))
            self.check_url(prepared.url or "")
            started = time.perf_counter()
            try:
                response = self._send(prepared, started)
            except requests.Timeout as exc:
                raise ApiTimeout(f"{method} {_safe_url(prepared.url)} timed out") from exc
            except requests.exceptions.SSLError as exc:
                raise ApiTlsError(
                    f"{method} {_safe_url(prepared.url)}: TLS handshake failed"
                    f" ({_tls_reason(exc)})"
                ) from exc
            except requests.RequestException as exc:
                if _dns_failure(exc):
                    host = urlsplit(prepared.url or "").hostname or ""
                    raise ApiDnsError(f"{method} {_safe_url(prepared.url)}: could not resolve "
                                      f"host {host}", host) from exc
                raise ApiHostError(
                    f"{method} {_safe_url(prepared.url)}: {type(exc).__name__}"
                ) from exc
            if response.status_code >= 400 and attempt < self.max_retries:
                wait = self.retry_wait(response, attempt)
                if wait is not None and wait <= self.max_retry_wait:
                    log.info(
                        "http.retry status=%s wait=%.1fs url=%s",
                        response.status_code,
                        wait,
                        _safe_url(prepared.url),
                    )
                    time.sleep(max(0.0, wait))
                    continue
            if response.status_code >= 400:
                raise self.error_for(response)
            return response
        raise AssertionError("unreachable")

    def _send(self, prepared: requests.PreparedRequest, started: float) -> requests.Response:
        """One attempt, counted by its status (or its failure) for the metrics."""
        status = "error"
        try:
            response = self.session.send(
                prepared, timeout=self.timeout, allow_redirects=False, verify=self.verify
            )
            status = str(response.status_code)
            return response
        except requests.Timeout:
            status = "timeout"
            raise
        finally:
            metrics.api_call(self.service, status, time.perf_counter() - started)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, body: Any, **kwargs: Any) -> Any:
        response = self.request("POST", path, json=body, **kwargs)
        return response.json() if response.content else None
