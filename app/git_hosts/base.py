"""The provider interface every git host implements, and the algorithms they share.

A provider is plain Python: it takes its settings as constructor arguments (no Flask
app context) and talks to the host through one ``HostClient``. Public methods raise only
``app.git_hosts.errors`` classes.

Shared behaviour, written once here:

* **Roots.** Cloud hosts have fixed roots. Self-managed hosts get the admin's web root
  (``https://git.example.com``) and derive the API root by appending ``api_suffix``
  (``/api/v3``, ``/api/v4``, ``/rest/api/1.0``); a web root that already ends with the
  suffix is accepted too.
* **Repository listing** (``list_repositories``): the host's default call, or the
  integration's ``custom_api_path`` instead, all pages.

  ``custom_api_path`` is a path relative to the API root (``/orgs/acme/repos``); the
  forms the vendor documents with the API prefix (``/api/v4/projects?...``,
  ``/!api/2.0/repositories/ws``) are accepted and the prefix dropped. It may carry a
  query string. It can never name another host.

  ``jmespath_filter`` is applied to **each page's raw JSON list of repositories** (for
  Bitbucket the page's ``values`` list) *before* the app reads it, and must return a
  list of repository objects, e.g. ``[?contains(name, 'api')]`` or
  ``[?!archived && starts_with(full_name, 'acme/')]``. Because it runs per page,
  functions over the whole list (``sort_by``, ``[:10]``) act on one page at a time; a
  projection that drops the repository objects (``[].name``) is refused with
  ``InvalidSetting``. Field names are the host's own (GitHub ``full_name``, GitLab
  ``path_with_namespace``, Bitbucket ``full_name``/``slug``), case-sensitive.
* **Incremental pull requests**: each host lists newest-updated first; the listing stops
  at the first pull request updated before ``updated_since`` (the time the previous
  listing *started*, so nothing changed during it is missed).
* **Branch/PR creation** with the user's own PAT (Require User PAT) or the
  integration's credentials, branch names checked locally first (git's rules), and
  host refusals mapped to ``NoWriteAccess``, ``BranchExists`` and friends.
* **Webhooks** are idempotent: an existing hook on the repository with the same URL is
  replaced, so a retried job never leaves two hooks (and double deliveries) behind.
* **OAuth**: ``refresh()`` renews tokens at the host's token endpoint; with
  ``oauth_client`` given, a provider refreshes by itself shortly before expiry and hands
  the new tokens to ``on_refresh`` for storage.
* **Errors**: ``app.http`` errors become ``errors`` classes in ``translate_error``;
  hosts override ``_unauthorized``/``_forbidden`` for their own signals.
"""

from __future__ import annotations

import copy
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit, urlunsplit

import jmespath
import jmespath.exceptions
import requests

from app.git_hosts import errors
from app.git_hosts.client import (
    Auth,
    BasicAuth,
    BearerAuth,
    HostBlocked,
    HostClient,
    HostRateLimited,
    NoAuth,
)
from app.http import (
    ApiError,
    ApiHostError,
    ApiNotFound,
    ApiRateLimited,
    ApiTimeout,
    ApiTlsError,
)

log = logging.getLogger(__name__)

#: Longest custom API path / JMESPath expression accepted (the vendor's limit too).
MAX_SETTING_LENGTH = 2000

PR_STATES = ("open", "draft", "merged", "declined")


# --- what providers return ----------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """Who the credentials belong to.

    ``scopes`` is ``None`` when the host does not report scopes (GitHub fine-grained
    tokens, Bitbucket Server tokens); a tuple (maybe empty) when it does.
    """

    login: str
    name: str | None = None
    id: str | None = None
    scopes: tuple[str, ...] | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class HostRepository:
    """A repository as the host lists it.

    ``name`` is what admins recognise and what the host's API paths use:
    ``owner/repo`` (GitHub, Bitbucket Cloud ``workspace/slug``), the project path
    (GitLab ``group/sub/project``), ``PROJECTKEY/slug`` (Bitbucket Server). ``host_id``
    is the host's stable id (survives renames; GitLab API paths use it).
    """

    name: str
    clone_https: str
    clone_ssh: str | None
    web_url: str
    default_branch: str | None
    host_id: str


class Reviewer(NamedTuple):
    """``(name, approved)``: a reviewer's display name and whether they approved."""

    name: str
    approved: bool


@dataclass(frozen=True)
class HostPullRequest:
    """A pull/merge request, in the shape of ``app.models.index.PullRequest``.

    ``state`` is one of ``open``, ``draft``, ``merged``, ``declined`` (GitLab "closed",
    Bitbucket "SUPERSEDED" and GitHub closed-unmerged are all ``declined``).
    """

    number: str
    title: str
    description: str | None
    state: str
    source_branch: str | None
    target_branch: str | None
    author: str | None
    reviewers: tuple[Reviewer, ...]
    url: str | None
    updated_at: datetime | None

    def reviewers_json(self) -> list[dict[str, Any]]:
        """``[{name, approved}]`` as the ``PullRequest.reviewers`` column stores it."""
        return [{"name": r.name, "approved": r.approved} for r in self.reviewers]


@dataclass(frozen=True)
class HostBranch:
    name: str
    sha: str | None
    url: str | None


# --- helpers ---------------------------------------------------------------------------------


def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime; naive values (SQLite gives those) are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_FRACTION = re.compile(r"\.(\d{6})\d+")


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (``Z``, offsets, any fraction length) or epoch seconds/milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        return parse_time(int(text))
    text = text.replace(" UTC", "+00:00")
    text = _FRACTION.sub(r".\1", text)
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def host_message(payload: Any, limit: int = 300) -> str:
    """The host's own explanation from an error body, whatever its shape.

    GitHub ``{"message", "errors": [{"message"}]}``, GitLab ``{"message": str | list |
    dict}`` or ``{"error", "error_description"}``, Bitbucket Cloud ``{"type": "error",
    "error": {"message", "detail"}}``, Bitbucket Server ``{"errors": [{"message"}]}``.
    """
    parts: list[str] = []
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            _collect(error.get("message"), parts)
            if isinstance(error.get("detail"), str):
                _collect(error["detail"], parts)
        elif isinstance(error, str):
            _collect(payload.get("error_description") or error, parts)
        _collect(payload.get("message"), parts)
        for item in payload.get("errors") or []:
            _collect(item.get("message") if isinstance(item, dict) else item, parts)
    else:
        _collect(payload, parts)
    return " ".join(dict.fromkeys(parts))[:limit]


def _collect(value: Any, parts: list[str]) -> None:
    """Append the readable text in ``value`` (str, list, or GitLab's field dict)."""
    if isinstance(value, str) and value.strip():
        parts.append(value.strip())
    elif isinstance(value, list):
        for item in value:
            _collect(item, parts)
    elif isinstance(value, dict):
        if "message" in value:
            _collect(value["message"], parts)
            return
        for key, item in value.items():
            if isinstance(item, list | str):
                items = item if isinstance(item, list) else [item]
                parts.append(f"{key}: {'; '.join(map(str, items))}")


_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def check_branch_name(name: str) -> None:
    """Raise ``InvalidBranchName`` unless ``name`` passes ``git check-ref-format --branch``."""
    problems = (
        not name,
        len(name) > 250,
        bool(_BAD_REF_CHARS.search(name)),
        name.startswith(("-", "/", ".")),
        name.endswith(("/", ".", ".lock")),
        ".." in name,
        "//" in name,
        "@{" in name,
        name == "@",
        any(part.startswith(".") or part.endswith(".lock") for part in name.split("/")),
    )
    if any(problems):
        raise errors.InvalidBranchName(
            f"'{name[:100]}' is not a valid branch name: "
            + errors.InvalidBranchName.default_message
        )


def strip_userinfo(url: str | None) -> str | None:
    """Clone URLs without ``user@`` (Bitbucket puts the lister's name in its https links)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def page_items(page: Any) -> list[Any]:
    """The list of objects in a page: the body itself, or its ``values``/``items`` list."""
    if isinstance(page, list):
        return page
    if isinstance(page, dict):
        for key in ("values", "items", "repositories"):
            if isinstance(page.get(key), list):
                return list(page[key])
    raise errors.HostError(
        "The git host's repository listing did not answer with a list of repositories."
        " If a custom API path is set, check that it returns repositories."
    )


def _normalize_root(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise errors.InvalidSetting(
            f"The host URL {url!r} is not valid; enter the web address of the server, "
            "e.g. https://git.example.com."
        )
    if parts.username or parts.password:
        raise errors.InvalidSetting(
            "Do not put credentials in the host URL; enter them in the credentials fields."
        )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


# --- the provider --------------------------------------------------------------------------


class Provider(ABC):
    """One git host account: list repositories and pull requests, create branches/PRs/hooks.

    Class attributes say how a host differs; subclasses implement the per-host hooks
    (methods starting with ``_``) and ``check_credentials``, ``pull_requests``,
    ``git_credentials``.
    """

    kind: ClassVar[str]
    #: Auth types (contract names) this provider accepts.
    auth_types: ClassVar[tuple[str, ...]] = ("pat",)
    #: True when the admin must give the host's web root (``base_url``).
    self_managed: ClassVar[bool] = False
    #: Fixed roots of the cloud service (ignored for self-managed kinds).
    cloud_web_root: ClassVar[str] = ""
    cloud_api_root: ClassVar[str] = ""
    #: Appended to a self-managed web root to reach the API.
    api_suffix: ClassVar[str] = ""
    #: Prefixes dropped from a custom API path written with the API's own path.
    api_prefixes: ClassVar[tuple[str, ...]] = ()
    default_headers: ClassVar[Mapping[str, str]] = {"Accept": "application/json"}
    #: Minimum seconds between mutating calls with one credential (GitHub: 1 s).
    mutation_interval: ClassVar[float] = 1.0
    #: Refresh an OAuth token this many seconds before it expires.
    refresh_margin: ClassVar[float] = 300.0
    webhook_name: ClassVar[str] = "Gitbridge for Jira"
    #: Said when creating a webhook is refused for lack of rights.
    webhook_permission_hint: ClassVar[str] = (
        "Creating webhooks needs admin rights on the repository."
    )

    def __init__(
        self,
        *,
        base_url: str | None,
        credentials: Mapping[str, str],
        auth_type: str,
        ssl_verify: bool = True,
        allow_private: bool = False,
        custom_api_path: str | None = None,
        jmespath_filter: str | None = None,
        session: requests.Session | None = None,
        oauth_client: tuple[str, str] | None = None,
        on_refresh: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.web_root, self.api_root = self.roots_for(base_url)
        self.ssl_verify = ssl_verify
        self.allow_private = allow_private
        self.session = session or requests.Session()
        if auth_type not in self.auth_types:
            raise errors.UnsupportedHost(
                f"{self.kind} integrations accept the auth types "
                f"{', '.join(self.auth_types)}, not {auth_type!r}."
            )
        self.auth_type = auth_type
        self.credentials: dict[str, str] = {
            k: v for k, v in credentials.items() if k != "type" and v is not None
        }
        self.custom_api_path = self._check_custom_path(custom_api_path)
        self.jmespath_filter = (jmespath_filter or "").strip() or None
        self._filter = self._compile_filter(self.jmespath_filter)
        self._oauth_client = oauth_client
        self._on_refresh = on_refresh
        #: Things the admin should know that did not stop the call (e.g. SSO-hidden orgs).
        self.warnings: list[str] = []
        self._auth = self._make_auth(auth_type, self.credentials)
        self.client = self._new_client(self._auth)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def roots_for(cls, base_url: str | None) -> tuple[str, str]:
        """``(web_root, api_root)``: fixed for cloud hosts, derived for self-managed ones."""
        if not cls.self_managed:
            return cls.cloud_web_root, cls.cloud_api_root
        if not base_url or not base_url.strip():
            raise errors.InvalidSetting(
                f"A {cls.kind} integration needs the server's URL (base_url), "
                "e.g. https://git.example.com."
            )
        web_root = _normalize_root(base_url)
        if cls.api_suffix and web_root.endswith(cls.api_suffix):
            web_root = web_root[: -len(cls.api_suffix)]
        return web_root, web_root + cls.api_suffix

    def _require(self, credentials: Mapping[str, str], *keys: str) -> list[str]:
        missing = [k for k in keys if not credentials.get(k)]
        if missing:
            raise errors.InvalidSetting(
                f"The {self.auth_type} credentials need {', '.join(missing)}."
            )
        return [credentials[k] for k in keys]

    def _make_auth(self, auth_type: str, credentials: Mapping[str, str]) -> Auth:
        """Credentials → ``Auth``. Default: pat/oauth as Bearer, basic as HTTP Basic."""
        if auth_type == "pat":
            return self._token_auth(self._require(credentials, "token")[0])
        if auth_type == "oauth":
            return BearerAuth(self._require(credentials, "access_token")[0])
        if auth_type == "basic":
            username, password = self._require(credentials, "username", "password")
            return BasicAuth(username, password)
        raise errors.UnsupportedHost(f"Unknown auth type {auth_type!r}.")

    def _token_auth(self, token: str) -> Auth:
        """How a personal access token is sent (GitLab overrides: ``PRIVATE-TOKEN``)."""
        return BearerAuth(token)

    def _new_client(self, auth: Auth, root: str | None = None) -> HostClient:
        extra = (self.web_root,) if self.web_root else ()
        return HostClient(
            root or self.api_root,
            auth=auth,
            session=self.session,
            verify=self.ssl_verify,
            allow_private=self.allow_private,
            default_headers=self.default_headers,
            mutation_interval=type(self).mutation_interval,
            extra_origins=extra,
        )

    def _as_user(self, token: str) -> Self:
        """This provider acting with a user's own PAT (Require User PAT)."""
        clone = copy.copy(self)
        clone.auth_type = "pat"
        clone.credentials = {"token": token}
        clone._oauth_client = None
        clone._on_refresh = None
        clone.warnings = []
        clone._auth = self._token_auth(token)
        clone.client = clone._new_client(clone._auth)
        return clone

    def _check_custom_path(self, path: str | None) -> str | None:
        path = (path or "").strip()
        if not path:
            return None
        if len(path) > MAX_SETTING_LENGTH:
            raise errors.InvalidSetting(
                f"The custom API path is longer than {MAX_SETTING_LENGTH} characters."
            )
        if not path.startswith("/") or path.startswith("//") or "://" in path or "\\" in path:
            raise errors.InvalidSetting(
                "The custom API path must be a path on the host's API starting with '/', "
                "e.g. /orgs/acme/repos; it cannot name another host."
            )
        if any(seg == ".." for seg in path.split("?", 1)[0].split("/")):
            raise errors.InvalidSetting("The custom API path may not contain '..'.")
        for prefix in self.api_prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                path = path[len(prefix) :] or "/"
                break
        return path

    @staticmethod
    def _compile_filter(expression: str | None) -> Any:
        if not expression:
            return None
        if len(expression) > MAX_SETTING_LENGTH:
            raise errors.InvalidSetting(
                f"The JMESPath filter is longer than {MAX_SETTING_LENGTH} characters."
            )
        try:
            return jmespath.compile(expression)
        except jmespath.exceptions.JMESPathError as exc:
            raise errors.InvalidSetting(
                f"The JMESPath filter is not valid: {str(exc).splitlines()[0][:200]}"
            ) from exc

    # -- error translation ------------------------------------------------------------------

    @contextmanager
    def _translated(self, *, write: bool = False) -> Iterator[None]:
        """Turn ``app.http`` errors raised inside the block into ``errors`` classes."""
        try:
            yield
        except errors.GitHostError:
            raise
        except ApiError as exc:
            raise self.translate_error(exc, write=write) from exc

    def translate_error(self, exc: ApiError, *, write: bool = False) -> errors.GitHostError:
        """The ``errors`` class for a transport or HTTP error from ``HostClient``."""
        status = exc.status
        if isinstance(exc, HostRateLimited):
            return errors.RateLimited(exc.reset_at, status=status)
        if isinstance(exc, ApiRateLimited) and status == 429:
            wait = exc.retry_after if exc.retry_after is not None else 60.0
            return errors.RateLimited(datetime.now(UTC) + timedelta(seconds=wait), status=status)
        if isinstance(exc, HostBlocked):
            return errors.HostNotAllowed(f"The git host was not contacted: {exc.message}")
        if isinstance(exc, ApiTlsError):
            return errors.SelfSignedCertificate(
                errors.SelfSignedCertificate.default_message + f" ({exc.message})"
            )
        if isinstance(exc, ApiTimeout):
            return errors.HostUnreachable(
                f"The git host did not answer in time ({exc.message}). Try again later."
            )
        if isinstance(exc, ApiHostError):
            return errors.HostUnreachable(
                f"The git host could not be reached ({exc.message}). Check the URL, "
                "and that the server accepts connections from this app."
            )
        said = host_message(exc.payload) or exc.body[:200]
        if status == 401:
            return self._unauthorized(exc, said)
        if status == 403:
            if re.search(r"\bIP\b.*\b(allow ?list|whitelist|allowlist)", said, re.I):
                return errors.IpAllowListRefused(
                    errors.IpAllowListRefused.default_message + f" The host said: {said}",
                    status=status,
                )
            return self._forbidden(exc, said, write=write)
        if status == 404:
            if write:
                return errors.NoWriteAccess(
                    "The git host answered 'not found' to a write: either the repository is "
                    "gone, or the credentials may not write to it. "
                    + (f"The host said: {said}" if said else ""),
                    status=status,
                )
            return errors.NotFound(status=status)
        if status is not None and status >= 500:
            return errors.HostUnreachable(
                f"The git host answered {status}; it may be down or overloaded. Try again later.",
                status=status,
            )
        return errors.HostError(
            f"The git host answered {status}" + (f": {said}" if said else "."), status=status
        )

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        if "expired" in said.lower():
            return errors.ExpiredToken(
                errors.ExpiredToken.default_message + f" The host said: {said}", status=401
            )
        suffix = f" The host said: {said}" if said else ""
        return errors.WrongToken(errors.WrongToken.default_message + suffix, status=401)

    def _forbidden(self, exc: ApiError, said: str, *, write: bool) -> errors.GitHostError:
        suffix = f" The host said: {said}" if said else ""
        if write:
            return errors.NoWriteAccess(errors.NoWriteAccess.default_message + suffix, status=403)
        return errors.NoAccess(errors.NoAccess.default_message + suffix, status=403)

    # -- OAuth --------------------------------------------------------------------------------

    @property
    def token_url(self) -> str | None:
        """The host's OAuth token endpoint, or ``None`` if this host has no OAuth here."""
        return None

    def _refresh_form(
        self, refresh_token: str, client_id: str, client_secret: str
    ) -> tuple[dict[str, str], Auth]:
        """Form body and client authentication for a refresh (RFC 6749 §6)."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        return form, NoAuth(key=refresh_token)

    def refresh(
        self, client_id: str, client_secret: str, *, redirect_uri: str | None = None
    ) -> dict[str, Any]:
        """Renew the OAuth access token; returns the new ``{"type": "oauth", ...}`` auth.

        The provider switches to the new token at once; ``on_refresh`` (if given) gets
        the same dict so the caller can store it (hosts rotate refresh tokens: the old
        one stops working as soon as this returns).
        """
        if self.auth_type != "oauth":
            raise errors.UnsupportedOperation("Only OAuth credentials can be refreshed.")
        url = self.token_url
        if not url:
            raise errors.UnsupportedOperation(f"{self.kind} has no OAuth token endpoint here.")
        refresh_token = self.credentials.get("refresh_token")
        if not refresh_token:
            raise errors.TokenRefreshFailed(
                "The OAuth authorization has no refresh token; reconnect the integration."
            )
        form, auth = self._refresh_form(refresh_token, client_id, client_secret)
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        client = self._new_client(auth, root=url)
        try:
            response = client.request(
                "POST", url, data=form, headers={"Accept": "application/json"}
            )
        except ApiError as exc:
            if exc.status in (400, 401, 403):
                raise errors.TokenRefreshFailed(
                    errors.TokenRefreshFailed.default_message
                    + f" The host said: {host_message(exc.payload) or exc.status}",
                    status=exc.status,
                ) from exc
            raise self.translate_error(exc) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or "error" in payload or not payload.get("access_token"):
            raise errors.TokenRefreshFailed(
                errors.TokenRefreshFailed.default_message
                + (f" The host said: {host_message(payload)}" if payload else "")
            )
        expires_in = payload.get("expires_in")
        expires_at = (
            (datetime.now(UTC) + timedelta(seconds=float(expires_in))).isoformat()
            if isinstance(expires_in, int | float)
            else None
        )
        new: dict[str, Any] = {
            "type": "oauth",
            "access_token": payload["access_token"],
            "refresh_token": payload.get("refresh_token") or refresh_token,
            "expires_at": expires_at,
        }
        self.credentials = {k: v for k, v in new.items() if k != "type" and v is not None}
        self._auth = self._make_auth("oauth", self.credentials)
        self.client = self._new_client(self._auth)
        log.info("git_hosts.oauth_refreshed kind=%s expires_at=%s", self.kind, expires_at)
        if self._on_refresh is not None:
            self._on_refresh(dict(new))
        return new

    def _ensure_fresh(self) -> None:
        """Refresh an OAuth token about to expire (if we can), or say it has expired."""
        if self.auth_type != "oauth":
            return
        expires_at = parse_time(self.credentials.get("expires_at"))
        if expires_at is None:
            return
        left = (expires_at - datetime.now(UTC)).total_seconds()
        if left > self.refresh_margin:
            return
        if self._oauth_client and self.credentials.get("refresh_token") and self.token_url:
            self.refresh(*self._oauth_client)
            return
        if left <= 0:
            raise errors.ExpiredToken(
                "The OAuth authorization expired and cannot be renewed here; reconnect "
                "the integration."
            )

    # -- public API ---------------------------------------------------------------------------

    def check_credentials(self) -> Account:
        """Who the credentials belong to, and their scopes; raises ``CredentialsError``.

        ``WrongToken``, ``ExpiredToken``, ``MissingScope`` (the scope the app needs),
        ``SsoRequired``, ``IpAllowListRefused``, ``HostUnreachable``, ``HostNotAllowed``,
        ``SelfSignedCertificate`` or ``RateLimited``.
        """
        self._ensure_fresh()
        with self._translated():
            return self._check_credentials()

    def check_user_token(self, token: str) -> Account:
        """Validate a user's own PAT (Require User PAT) against the host."""
        if not token or not token.strip():
            raise errors.WrongToken("The token is empty.")
        return self._as_user(token.strip()).check_credentials()

    def list_repositories(self) -> Iterator[HostRepository]:
        """Every repository the credentials can see (all pages), filtered as configured."""
        self._ensure_fresh()
        path, params = self._listing_request()
        with self._translated():
            for page in self._pages(path, params):
                items = page_items(page)
                if self._filter is not None:
                    items = self._apply_filter(items)
                for item in items:
                    repo = self._parse_repository(item) if isinstance(item, dict) else None
                    if repo is None:
                        log.info("git_hosts.repository_skipped kind=%s", self.kind)
                        continue
                    yield repo

    def _listing_request(self) -> tuple[str, dict[str, Any]]:
        """The listing call: the custom path (with its own query) or the default one."""
        default_path, params = self._default_listing()
        if not self.custom_api_path:
            return default_path, params
        given = parse_qs(self.custom_api_path.partition("?")[2], keep_blank_values=True)
        keep = {k: v for k, v in params.items() if k in self._page_size_params and k not in given}
        return self.custom_api_path, keep

    #: Query parameters that only set the page size (kept for custom paths).
    _page_size_params: ClassVar[tuple[str, ...]] = ("per_page", "pagelen", "limit")

    def _apply_filter(self, items: list[Any]) -> list[Any]:
        try:
            result = self._filter.search(items)
        except jmespath.exceptions.JMESPathError as exc:
            raise errors.InvalidSetting(
                f"The JMESPath filter failed on the host's repository list: {exc}"
            ) from exc
        if result is None:
            return []
        if isinstance(result, dict):
            result = [result]
        if not isinstance(result, list) or not all(isinstance(x, dict) for x in result):
            raise errors.InvalidSetting(
                "The JMESPath filter must return a list of repository objects, e.g. "
                "[?contains(name, 'api')]; a projection such as [].name drops the fields "
                "the app needs."
            )
        return result

    def pull_requests(
        self, repo: HostRepository, updated_since: datetime | None
    ) -> Iterator[HostPullRequest]:
        """Pull requests updated since ``updated_since`` (all when ``None``), newest first.

        Pages are fetched lazily and the listing stops at the first pull request updated
        before ``updated_since``, so an incremental run costs one page when little changed.
        """
        self._ensure_fresh()
        with self._translated():
            yield from self._pull_requests(repo, as_utc(updated_since))

    def create_branch(
        self, repo: HostRepository, name: str, source: str, token: str | None = None
    ) -> HostBranch:
        """Create branch ``name`` at the tip of ``source``, as the user (token) or the app."""
        name = name.strip()
        check_branch_name(name)
        if not source or not source.strip():
            raise errors.SourceBranchUnknown("Choose the branch to start from.")
        actor = self._as_user(token) if token else self
        actor._ensure_fresh()
        with actor._translated(write=True):
            branch = actor._create_branch(repo, name, source.strip())
        log.info("git_hosts.branch_created kind=%s repo=%s", self.kind, repo.name)
        return branch

    def create_pull_request(
        self,
        repo: HostRepository,
        *,
        source: str,
        target: str,
        title: str,
        description: str,
        token: str | None = None,
    ) -> HostPullRequest:
        """Open a pull request from ``source`` into ``target``, as the user or the app."""
        if not source.strip():
            raise errors.SourceBranchUnknown("Choose the branch to merge from.")
        if not target.strip():
            raise errors.TargetBranchUnknown("Choose the branch to merge into.")
        if source.strip() == target.strip():
            raise errors.NothingToMerge("The source and target branches are the same branch.")
        if not title.strip():
            raise errors.InvalidSetting("A pull request needs a title.")
        actor = self._as_user(token) if token else self
        actor._ensure_fresh()
        with actor._translated(write=True):
            pr = actor._create_pull_request(
                repo, source.strip(), target.strip(), title.strip(), description or ""
            )
        log.info("git_hosts.pull_request_created kind=%s repo=%s", self.kind, repo.name)
        return pr

    def create_webhook(self, repo: HostRepository, url: str, secret: str) -> str:
        """Create (or replace) our push + PR webhook on ``repo``; returns the host's id."""
        self._ensure_fresh()
        try:
            with self._translated(write=True):
                wanted = url.rstrip("/")
                for hook_id, hook_url in list(self._list_hooks(repo)):
                    if (hook_url or "").rstrip("/") == wanted:
                        self._delete_hook(repo, hook_id)
                return self._create_hook(repo, url, secret)
        except (errors.NoWriteAccess, errors.NoAccess) as exc:
            raise errors.NoWriteAccess(
                f"{self.webhook_permission_hint} ({exc.message})", status=exc.status
            ) from exc

    def delete_webhook(self, repo: HostRepository, hook_id: str) -> None:
        """Delete our webhook; one that is already gone (404) is fine."""
        self._ensure_fresh()
        with self._translated(write=True):
            try:
                self._delete_hook(repo, hook_id)
            except ApiNotFound:
                log.info("git_hosts.webhook_already_gone kind=%s repo=%s", self.kind, repo.name)

    @abstractmethod
    def git_credentials(self) -> dict[str, str]:
        """``{"username", "password"}`` for cloning over https with these credentials."""

    # -- per-host hooks -------------------------------------------------------------------

    @abstractmethod
    def _check_credentials(self) -> Account: ...

    @abstractmethod
    def _pull_requests(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[HostPullRequest]: ...

    @abstractmethod
    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        """Path and query of the host's default repository listing."""

    @abstractmethod
    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        """The raw JSON of each page of a listing."""

    @abstractmethod
    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        """A repository from one listing item, or ``None`` if it lacks what we need."""

    @abstractmethod
    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch: ...

    @abstractmethod
    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest: ...

    @abstractmethod
    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        """``(hook id, url)`` of the repository's webhooks."""

    @abstractmethod
    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str: ...

    @abstractmethod
    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None: ...


def updated_before(updated_at: datetime | None, since: datetime | None) -> bool:
    """True when a newest-first listing has reached items older than ``since``."""
    return since is not None and updated_at is not None and updated_at < since


def api_error_text(exc: ApiError) -> str:
    """The host's message for ``exc``, lower-cased, for matching refusal reasons."""
    return (host_message(exc.payload, limit=2000) or exc.body).lower()


__all__ = [
    "PR_STATES",
    "Account",
    "HostBranch",
    "HostPullRequest",
    "HostRepository",
    "Provider",
    "Reviewer",
    "api_error_text",
    "as_utc",
    "check_branch_name",
    "host_message",
    "page_items",
    "parse_time",
    "strip_userinfo",
    "updated_before",
]
