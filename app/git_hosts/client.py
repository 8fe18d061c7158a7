"""``HostClient``: the ``HttpClient`` every git host provider talks through.

What it adds to ``app.http.HttpClient``, and why:

* **Authentication** (``Auth`` objects) applied per attempt in ``finalize_request``, so
  the credential never sits in a stored ``Request`` and a retried request is re-signed.
* **Origin pinning and the SSRF guard** (``check_url``): every URL, including pagination
  links the host hands back, must be on the API's own origin, and unless private hosts
  are allowed its host must resolve to public addresses only (``app.netguard``).
  Redirects are never followed (``HttpClient``), so nothing else is fetched.
* **Rate limits** the way git hosts signal them: ``429`` with ``Retry-After``; GitHub's
  primary limit (``403``/``429`` with ``X-RateLimit-Remaining: 0`` and an epoch
  ``X-RateLimit-Reset``), GitHub's secondary limit (``403`` whose message says
  "secondary rate limit", with ``Retry-After`` or, per GitHub, at least a minute);
  GitLab's ``RateLimit-Remaining``/``RateLimit-Reset``. A short wait (up to
  ``max_retry_wait``) is slept and the call retried; a longer one raises
  ``HostRateLimited`` with ``reset_at`` so a job can be rescheduled without burning a
  retry or blocking a worker.
* **Pacing per token**: all requests made with one credential in this process go through
  one lock (calls for a token are serialised, never fired in parallel, as GitHub asks of
  integrations), and mutating calls (POST/PATCH/PUT/DELETE) are spaced at least
  ``mutation_interval`` seconds apart (GitHub: "at least one second"). The lock is keyed
  by a SHA-256 fingerprint of the credential; the credential itself is never a key,
  never logged. Separate worker *processes* are not coordinated (see the report).
* **Pagination helpers** for the three schemes in use: RFC 5988 ``Link`` (GitHub,
  GitLab) with GitLab's ``X-Next-Page`` as fallback, Bitbucket Cloud's ``next`` field,
  and Bitbucket Server's ``isLastPage``/``nextPageStart``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from app import netguard
from app.git_hosts.auth import Auth, BasicAuth, BearerAuth, HeaderTokenAuth, NoAuth
from app.http import (
    ApiDnsError,
    ApiError,
    ApiHostError,
    ApiRateLimited,
    HttpClient,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

__all__ = ["Auth", "BasicAuth", "BearerAuth", "HeaderTokenAuth", "HostBlocked", "HostClient",
           "HostRateLimited", "NoAuth"]

MUTATING_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})

#: Safety stop for pagination loops (100 items a page: a million repositories).
MAX_PAGES = 10_000

#: How long a DNS check of a host is trusted before it is repeated.
DNS_CHECK_TTL = 60.0

USER_AGENT = "gitbridge-for-jira"


# --- errors ------------------------------------------------------------------------------


class HostRateLimited(ApiRateLimited):
    """A rate limit whose end is known; ``reset_at`` is when calls may resume (UTC)."""

    def __init__(self, message: str, status: int | None, reset_at: datetime) -> None:
        retry_after = max(0.0, (reset_at - datetime.now(UTC)).total_seconds())
        super().__init__(message, status=status, retry_after=retry_after)
        self.reset_at = reset_at


class HostBlocked(ApiHostError):
    """``check_url`` refused the URL (private address, foreign origin, bad scheme)."""


# --- pacing ------------------------------------------------------------------------------


class _Pacer:
    __slots__ = ("last_mutation", "lock")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.last_mutation = float("-inf")


_PACERS: OrderedDict[str, _Pacer] = OrderedDict()
_PACERS_LOCK = threading.Lock()
_MAX_PACERS = 10_000


def pacer_for(fingerprint: str) -> _Pacer:
    """The process-wide pacer of one credential (bounded LRU, so it cannot grow forever)."""
    with _PACERS_LOCK:
        pacer = _PACERS.get(fingerprint)
        if pacer is None:
            pacer = _PACERS[fingerprint] = _Pacer()
            while len(_PACERS) > _MAX_PACERS:
                _PACERS.popitem(last=False)
        else:
            _PACERS.move_to_end(fingerprint)
        return pacer


# --- helpers -----------------------------------------------------------------------------


def origin_of(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` with the default port filled in, for origin comparison."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


def parse_link_header(value: str | None) -> dict[str, str]:
    """``{rel: url}`` from an RFC 5988 ``Link`` header."""
    links: dict[str, str] = {}
    for part in (value or "").split(","):
        if ";" not in part:
            continue
        url_part, *params = part.split(";")
        url = url_part.strip().strip("<>")
        for param in params:
            key, _, val = param.strip().partition("=")
            if key.strip().lower() == "rel":
                for rel in val.strip().strip('"').split():
                    links[rel] = url
    return links


def _with_query(url: str, **updates: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(updates)
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- the client --------------------------------------------------------------------------


class HostClient(HttpClient):
    """An ``HttpClient`` for one git host API root and one credential.

    Attributes:
        mutation_interval: minimum seconds between two mutating calls with one credential.
        secondary_limit_wait: wait for GitHub's secondary limit when it names no time.
        default_headers: sent with every request unless the call sets them.
    """

    service = "git_host"
    mutation_interval = 1.0
    secondary_limit_wait = 60.0
    default_rate_limit_wait = 60.0

    def __init__(
        self,
        api_root: str,
        *,
        auth: Auth | None = None,
        session: requests.Session | None = None,
        verify: bool | str = True,
        allow_private: bool = False,
        default_headers: Mapping[str, str] | None = None,
        mutation_interval: float | None = None,
        extra_origins: tuple[str, ...] = (),
        timeout: tuple[float, float] | None = None,
    ) -> None:
        super().__init__(api_root, session, verify=verify)
        if timeout is not None:
            self.timeout = timeout
        self.auth = auth or NoAuth()
        self.allow_private = allow_private
        self.default_headers = {"User-Agent": USER_AGENT, **(default_headers or {})}
        if mutation_interval is not None:
            self.mutation_interval = mutation_interval
        self.origin = origin_of(self.base_url)
        self._origins = {self.origin, *(origin_of(o) for o in extra_origins)}
        self._dns_checked: dict[tuple[str, int], float] = {}

    # -- HttpClient hooks -------------------------------------------------------------

    def finalize_request(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        self.auth.apply(prepared)
        return prepared

    def check_url(self, url: str) -> None:
        """Only the API origin, over http(s), on a public address unless allowed."""
        scheme, host, port = origin_of(url)
        if scheme not in ("https", "http"):
            raise HostBlocked(f"refused to fetch a {scheme or 'scheme-less'} URL")
        if (scheme, host, port) not in self._origins:
            raise HostBlocked(f"refused to send credentials to another host ({host})")
        if self.allow_private:
            return
        now = time.monotonic()
        if self._dns_checked.get((host, port), 0.0) > now:
            return
        try:
            netguard.resolve_checked(host, port, allow_private=False)
        except netguard.BlockedAddress as exc:
            raise HostBlocked(str(exc)) from exc
        except netguard.UnresolvableHost as exc:
            raise ApiDnsError(str(exc), host) from exc
        self._dns_checked[(host, port)] = now + DNS_CHECK_TTL

    def retry_wait(self, response: requests.Response, attempt: int) -> float | None:
        wait = self.rate_limit_wait(response)
        if wait is not None:
            return wait
        return super().retry_wait(response, attempt)

    def error_for(self, response: requests.Response) -> ApiError:
        wait = self.rate_limit_wait(response)
        if wait is None and response.status_code == 429:
            wait = self.default_rate_limit_wait
        if wait is None:
            return super().error_for(response)
        reset_at = datetime.now(UTC) + timedelta(seconds=wait)
        error = HostRateLimited(
            f"{response.request.method} {urlsplit(response.url or '').path} "
            f"answered {response.status_code} (rate limited)",
            status=response.status_code,
            reset_at=reset_at,
        )
        error.attach_response(response)
        log.warning(
            "git_hosts.rate_limited status=%s reset_at=%s path=%s",
            response.status_code,
            reset_at.isoformat(timespec="seconds"),
            urlsplit(response.url or "").path,
        )
        return error

    # -- rate limits --------------------------------------------------------------------

    def rate_limit_wait(self, response: requests.Response) -> float | None:
        """Seconds until the host accepts calls again, or ``None`` if not rate limited.

        GitHub: primary limit = 403/429 with ``X-RateLimit-Remaining: 0`` (wait until
        ``X-RateLimit-Reset``); secondary limit = 403/429 whose message mentions it
        (``Retry-After`` or at least ``secondary_limit_wait``). GitLab: 429 with
        ``RateLimit-Reset``/``Retry-After``. Any host: 429 with ``Retry-After``.
        """
        status = response.status_code
        if status not in (403, 429):
            return None
        headers = response.headers
        retry_after = retry_after_seconds(headers)
        remaining = headers.get("X-RateLimit-Remaining", headers.get("RateLimit-Remaining"))
        reset = headers.get("X-RateLimit-Reset", headers.get("RateLimit-Reset"))
        if status == 403 and remaining != "0" and not _mentions_secondary_limit(response):
            return None
        if retry_after is not None:
            return retry_after
        if remaining == "0" and reset and reset.strip().isdigit():
            return max(0.0, float(reset) - time.time())
        if _mentions_secondary_limit(response):
            return self.secondary_limit_wait
        return None

    # -- requests ------------------------------------------------------------------------

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
        """One call, serialised with every other call made with this credential."""
        mutating = method.upper() in MUTATING_METHODS
        pacer = pacer_for(self.auth.fingerprint)
        with pacer.lock:
            if mutating:
                wait = pacer.last_mutation + self.mutation_interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                response = super().request(
                    method,
                    path,
                    params=params,
                    json=json,
                    # ours over the session's (requests' "Accept: */*"), the call's over ours
                    headers={**self.default_headers, **(headers or {})},
                    data=data,
                )
            finally:
                if mutating:
                    pacer.last_mutation = time.monotonic()
        return response

    # -- pagination ----------------------------------------------------------------------

    def _on_origin(self, url: str) -> str:
        """``url`` moved onto the API's own origin.

        A self-managed GitLab behind a proxy often builds pagination links from a wrong
        ``external_url`` (http instead of https, an internal name). Keeping path and query
        but not the host means credentials only ever go where the admin pointed us.
        """
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    def iter_link_pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[requests.Response]:
        """GitHub/GitLab style: follow ``Link: <...>; rel="next"`` (or ``X-Next-Page``)."""
        url: str | None = path
        seen: set[str] = set()
        first = True
        for _ in range(MAX_PAGES):
            assert url is not None
            response = self.request("GET", url, params=params if first else None)
            first = False
            yield response
            next_url = parse_link_header(response.headers.get("Link")).get("next")
            next_page = (response.headers.get("X-Next-Page") or "").strip()
            if next_url and origin_of(next_url) in self._origins:
                pass
            elif next_page.isdigit():
                # GitLab: the page number is on our own URL, whatever ``external_url`` says.
                next_url = _with_query(response.url or self.build_url(path), page=next_page)
            elif next_url:
                next_url = self._on_origin(next_url)
            if not next_url or next_url in seen:
                return
            seen.add(next_url)
            url = next_url

    def iter_bitbucket_cloud_pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Bitbucket Cloud: ``{"values": [...], "next": "<url>"}`` until ``next`` is absent."""
        url: str = path
        seen: set[str] = set()
        first = True
        for _ in range(MAX_PAGES):
            page = self.request("GET", url, params=params if first else None).json()
            first = False
            if not isinstance(page, dict):
                raise ApiError(f"GET {urlsplit(url).path}: expected a page object", 200)
            yield page
            next_url = page.get("next")
            if not isinstance(next_url, str) or not next_url:
                return
            next_url = self._on_origin(next_url)
            if next_url in seen:
                return
            seen.add(next_url)
            url = next_url

    def iter_bitbucket_server_pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Bitbucket Server/DC: ``start`` → ``{"values", "isLastPage", "nextPageStart"}``."""
        query = dict(params or {})
        start = int(query.pop("start", 0))
        for _ in range(MAX_PAGES):
            page = self.request("GET", path, params={**query, "start": start}).json()
            if not isinstance(page, dict):
                raise ApiError(f"GET {path}: expected a page object", 200)
            yield page
            next_start = page.get("nextPageStart")
            if page.get("isLastPage", True) or not isinstance(next_start, int):
                return
            if next_start <= start:
                return
            start = next_start


def _mentions_secondary_limit(response: requests.Response) -> bool:
    if response.status_code not in (403, 429):
        return False
    text = (response.text or "")[:2000].lower()
    return "secondary rate limit" in text or "abuse detection" in text
