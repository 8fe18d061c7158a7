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
  integration's ``custom_api_path`` instead, all pages, each page's raw list of the
  host's own repository objects filtered by ``jmespath_filter`` (``listing.py``).
* **Incremental pull requests**: one loop (``pull_requests``) for every host: listed
  newest-updated first, it stops at the first pull request updated before
  ``updated_since`` (the time the previous listing *started*, so nothing changed
  during it is missed); host states map to ours through ``pr_states``.
* **Branch/PR creation** with the user's own PAT (Require User PAT) or the
  integration's credentials, branch names checked locally first (git's rules), and
  host refusals mapped to ``NoWriteAccess``, ``BranchExists`` and friends.
* **Webhooks** (``hooks.py``), **OAuth refresh** (``refresh.py``) and **error
  translation** (``translation.py``) are mixed in from their own modules.
"""

from __future__ import annotations

import copy
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs

import requests

from app.git_hosts import errors
from app.git_hosts.client import Auth, BasicAuth, BearerAuth, HostClient
from app.git_hosts.helpers import (
    api_error_text,
    as_utc,
    check_branch_name,
    host_message,
    normalize_root,
    page_items,
    parse_time,
    strip_userinfo,
    updated_before,
)
from app.git_hosts.hooks import Webhooks
from app.git_hosts.listing import (
    apply_filter,
    check_custom_path,
    compile_filter,
)
from app.git_hosts.records import (
    PR_STATES,
    Account,
    HostBranch,
    HostPullRequest,
    HostRepository,
    Reviewer,
)
from app.git_hosts.refresh import OAuthRefresh

log = logging.getLogger(__name__)

#: A user's own credential: a PAT, or the fields of the host's form.
UserCredential = str | Mapping[str, str]

# --- the provider --------------------------------------------------------------------------


class Provider(Webhooks, OAuthRefresh, ABC):
    """One git host account: list repositories and pull requests, create branches/PRs/hooks.

    Class attributes say how a host differs; subclasses implement the per-host hooks
    (methods starting with ``_``) and ``git_credentials``.
    """

    kind: ClassVar[str]
    #: Auth types (contract names) this provider accepts, and whether the admin gives
    #: the host's web root (``base_url``): both set from the host registry
    #: (``app.hosts``), the one place they are declared.
    auth_types: ClassVar[tuple[str, ...]] = ("pat",)
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
        settings: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> None:
        """``settings``: the integration's settings, for the few a host reads itself
        (Azure DevOps Server's ``collection``). ``timeout``: seconds each call may take
        to connect and to answer, for calls a person waits on (the wizard's checks);
        ``None`` keeps the client's defaults, for background work."""
        self.interactive = timeout is not None
        self.timeout = (timeout, timeout) if timeout is not None else HostClient.timeout
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
        self.custom_api_path = check_custom_path(custom_api_path, self.api_prefixes)
        self.jmespath_filter = (jmespath_filter or "").strip() or None
        self._filter = compile_filter(self.jmespath_filter)
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
        web_root = normalize_root(base_url)
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
        extra = ((self.web_root,) if self.web_root else ()) + self._origins()
        return HostClient(
            root or self.api_root,
            auth=auth,
            session=self.session,
            verify=self.ssl_verify,
            allow_private=self.allow_private,
            default_headers=self.default_headers,
            mutation_interval=type(self).mutation_interval,
            extra_origins=extra,
            timeout=self.timeout,
        )

    def user_auth_type(self, fields: Mapping[str, str]) -> str:
        """The auth type of a user's own credential fields (``PUT /me/tokens`` forms)."""
        return "basic" if "password" in fields else "pat"

    def _origins(self) -> tuple[str, ...]:
        """Origins besides the API root and web root the credentials may go to."""
        return ()

    def _as_user(self, user: UserCredential) -> Self:
        """This provider acting with a user's own credential (Require User PAT): a PAT,
        or the fields of the host's form (user + password, an AWS key pair)."""
        fields = {"token": user} if isinstance(user, str) else dict(user)
        clone = copy.copy(self)
        clone.auth_type = self.user_auth_type(fields)
        clone.credentials = fields
        clone._oauth_client = None
        clone._on_refresh = None
        clone.warnings = []
        clone._auth = clone._make_auth(clone.auth_type, fields)
        clone.client = clone._new_client(clone._auth)
        return clone

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

    def check_user_token(self, token: UserCredential) -> Account:
        """Validate a user's own credential (Require User PAT) against the host."""
        if isinstance(token, str):
            if not token.strip():
                raise errors.WrongToken("The token is empty.")
            token = token.strip()
        return self._as_user(token).check_credentials()

    def list_repositories(self) -> Iterator[HostRepository]:
        """Every repository the credentials can see (all pages), filtered as configured."""
        self._ensure_fresh()
        path, params = self._listing_request()
        with self._translated():
            for page in self._pages(path, params):
                items = page_items(page)
                if self._filter is not None:
                    items = apply_filter(self._filter, items)
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

    def pull_requests(
        self, repo: HostRepository, updated_since: datetime | None
    ) -> Iterator[HostPullRequest]:
        """Pull requests updated since ``updated_since`` (all when ``None``), newest first.

        The one pull-request loop: the host lists newest-updated first, pages are fetched
        lazily, and the listing stops at the first pull request updated before
        ``updated_since``, so an incremental run costs one page when little changed. A
        host that cannot sort by update (``_pr_updated_at`` gives ``None``) is listed whole.
        """
        self._ensure_fresh()
        since = as_utc(updated_since)
        with self._translated():
            for item in self._pull_request_items(repo, since):
                if updated_before(self._pr_updated_at(item), since):
                    return
                yield self._pull_request(repo, item)

    #: The host's own pull request states -> ours (``PR_STATES``); others are ``open``.
    pr_states: ClassVar[Mapping[str, str]] = {}
    #: The listing item's last-update field (``_pr_updated_at``).
    pr_updated_field: ClassVar[str] = "updated_at"

    def pr_state(self, raw: Any, *, draft: bool = False, merged: bool = False) -> str:
        """Our state for the host's ``raw`` one: merged wins, then the map, and an open
        pull request marked as a draft is ``draft``."""
        if merged:
            return "merged"
        state = self.pr_states.get(raw, "open") if isinstance(raw, str) else "open"
        return "draft" if state == "open" and draft else state

    def _pr_updated_at(self, item: Mapping[str, Any]) -> datetime | None:
        return parse_time(item.get(self.pr_updated_field))

    def create_branch(
        self, repo: HostRepository, name: str, source: str, token: UserCredential | None = None
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
        token: UserCredential | None = None,
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

    @abstractmethod
    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        """``{"username", "password"}`` for cloning ``clone_url`` over https with these
        credentials (CodeCommit signs a password per repository URL)."""

    # -- per-host hooks -------------------------------------------------------------------

    @abstractmethod
    def _check_credentials(self) -> Account: ...

    @abstractmethod
    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        """The host's pull request objects, newest-updated first, pages fetched lazily
        (``since`` may narrow the listing on the host's side)."""

    @abstractmethod
    def _pull_request(self, repo: HostRepository, item: Mapping[str, Any]) -> HostPullRequest:
        """One listing item as a ``HostPullRequest``."""

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



__all__ = [
    "PR_STATES", "Account", "HostBranch", "HostPullRequest", "HostRepository", "Provider",
    "Reviewer", "UserCredential", "api_error_text", "as_utc", "check_branch_name",
    "host_message", "page_items", "parse_time", "strip_userinfo", "updated_before",
]
