"""What every fake git host shares: the server, the git side, the state and the knobs.

A fake host is one threaded werkzeug server on ``127.0.0.1`` with a spare port. It plays
two roles on the same origin, as the real hosts do:

* the host's REST API under its prefix (``/api/v3``, ``/api/v4``, ``/2.0``,
  ``/rest/api/1.0``), for exactly the calls ``app.git_hosts`` makes, with the host's own
  pagination and error bodies;
* smart HTTP git (``git http-backend`` as CGI, reusing ``tests.support.git_http``) for
  the same repositories, with the same credentials.

Repositories are real bare repositories under ``root``; branches are read and created
with the ``git`` CLI, so the indexer sees exactly what the API says.

Everything the fake receives is recorded in ``requests`` (``Recorded``: method, path,
query, JSON body, the credential used), and branches, pull requests and webhooks
created through the API remember the token that created them, so a test can assert
who the host thinks acted (Require User PAT).

OAuth (GitHub, GitLab, Bitbucket Cloud), PKCE checked where the host takes it: see
``oauth.py``.

Knobs: tokens (valid, expired, read-only, without admin rights, scopes), ``rate_limit``
(the next N API calls are refused the host's way), ``page_size_cap`` (force several
pages with few items), ``script`` (answer one call with any status and body), and
``anonymous_access`` (Bitbucket Server).

This module is the server (lifecycle, set-up, knobs, routing); its parts live next to
it: ``state.py`` (the dataclasses), ``git_serving.py`` (smart HTTP git),
``handlers.py`` (paging and creation helpers for route handlers), ``deliveries.py``
(webhook deliveries) and ``wire.py`` (credentials, JSON answers, signatures).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.deliveries import WebhookDeliveries
from tests.support.fake_hosts.git_serving import GitServing
from tests.support.fake_hosts.handlers import HandlerHelpers
from tests.support.fake_hosts.oauth import FakeOAuth
from tests.support.fake_hosts.state import (
    PR_STATES,
    Call,
    Delivery,
    FakeRepo,
    Handler,
    HostAnswer,
    HostUser,
    Pull,
    Recorded,
    Scripted,
    Token,
    now,
    parse_iso,
)
from tests.support.fake_hosts.wire import json_response
from tests.support.gitrepo import init_bare

__all__ = ["FakeHost"]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # ``requests`` keeps the record; keep pytest output clean


# --- the server -----------------------------------------------------------------------


class FakeHost(FakeOAuth, GitServing, HandlerHelpers, WebhookDeliveries):
    """Base of the four fakes; subclasses add routes, auth rules and JSON shapes."""

    #: e.g. "github"
    family: ClassVar[str]
    #: the API's path under the web root
    api_prefix: ClassVar[str]
    #: (cloud kind or None, self-managed kind or None)
    kinds: ClassVar[tuple[str | None, str | None]]
    #: the largest page the real host serves, and its default
    max_page_size: ClassVar[int] = 100
    default_page_size: ClassVar[int] = 30
    #: what a repository's owner part is called in the scenario ("acme" / "ACME")
    default_owner: ClassVar[str] = "acme"
    #: the last path segment of the pull request listing ("/pulls", "/merge_requests", ...)
    pulls_path: ClassVar[str] = "/pulls"
    #: hooks the app's one webhook on a repository is made of (Azure: one per event)
    hooks_per_webhook: ClassVar[int] = 1
    #: what a preview of the standard scenario warns about
    preview_warnings: ClassVar[list[str]] = []

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.users: dict[str, HostUser] = {}
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Recorded] = []
        self.deliveries: list[Delivery] = []
        self.page_size_cap: int | None = None
        self.anonymous_access = False
        self._rate_limited = 0
        self._rate_limit_wait = 0
        self._rate_limit_path = ""
        self._scripted: list[Scripted] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._next_id = 1000
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None
        self.init_oauth()
        self.register_routes()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeHost:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- roots ------------------------------------------------------------------------

    @property
    def web_root(self) -> str:
        return self.url

    @property
    def api_root(self) -> str:
        return self.url + self.api_prefix

    # -- set-up -----------------------------------------------------------------------

    def new_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    def add_user(self, login: str, name: str | None = None, email: str | None = None
                 ) -> HostUser:
        with self.lock:
            user = self.users.get(login)
            if user is None:
                user = HostUser(login, name or login.title(), self.new_id(),
                                email or f"{login}@example.com")
                self.users[login] = user
            return user

    def add_token(self, value: str, login: str, *, scopes: Iterable[str] | None = (),
                  expired: bool = False, write: bool = True, admin: bool = True,
                  password: bool = False, name: str | None = None) -> Token:
        """A credential for ``login``; ``scopes=()`` means the host's full default set."""
        user = self.add_user(login, name)
        if scopes == ():
            scopes = self.full_scopes
        token = Token(value, user, tuple(scopes) if scopes is not None else None,
                      expired=expired, write=write, admin=admin, password=password)
        with self.lock:
            self.tokens[value] = token
        return token

    #: scopes a default token gets (None: the host reports none)
    full_scopes: ClassVar[tuple[str, ...] | None] = None

    def account_login(self, login: str) -> str:
        """What the app reports as the account of ``login``'s credentials."""
        return login

    def repo_name(self, owner: str, slug: str) -> str:
        """How the host names a repository in API paths."""
        return f"{owner}/{slug}"

    def bare_path(self, name: str) -> Path:
        return self.root / f"{name}.git"

    def create_repo(self, name: str, default_branch: str = "main") -> FakeRepo:
        path = self.bare_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        init_bare(path, head=default_branch)
        repo = FakeRepo(name=name, id=self.new_id(), bare=path, default_branch=default_branch)
        with self.lock:
            self.repos[name] = repo
        return repo

    def add_pull(self, repo: str, *, source: str, target: str = "main", title: str,
                 description: str | None = None, state: str = "open", author: str = "alice",
                 updated_at: datetime | str | None = None,
                 reviewers: Iterable[tuple[str, bool]] = ()) -> Pull:
        """A pull request that exists on the host before the test starts."""
        assert state in PR_STATES, state
        updated = parse_iso(updated_at) if isinstance(updated_at, str) else (updated_at or now())
        with self.lock:
            fake = self.repos[repo]
            pull = Pull(
                number=len(fake.pulls) + 1, title=title, description=description, state=state,
                source=source, target=target, author=self.add_user(author),
                created_at=updated, updated_at=updated,
                reviewers=[(self.add_user(login), ok) for login, ok in reviewers],
            )
            fake.pulls.append(pull)
            return pull

    # -- knobs ------------------------------------------------------------------------

    def rate_limit(self, calls: int = 1, wait: int = 1, path_contains: str = "") -> None:
        """The next ``calls`` API requests (whose path contains ``path_contains``) are
        refused as rate limited for ``wait`` seconds, the host's way; ``calls=0`` lifts it."""
        with self.lock:
            self._rate_limited = calls
            self._rate_limit_wait = wait
            self._rate_limit_path = path_contains

    def script(self, method: str, path_contains: str, status: int, body: Any = None, *,
               headers: Mapping[str, str] | None = None, times: int = 1) -> None:
        """Answer the next ``times`` matching API calls with ``status`` and ``body``."""
        with self.lock:
            self._scripted.append(
                Scripted(method.upper(), path_contains, status, body, dict(headers or {}), times)
            )

    def calls(self, method: str | None = None, contains: str = "", kind: str = "api"
              ) -> list[Recorded]:
        """Recorded requests, filtered by method and a path fragment."""
        with self.lock:
            return [r for r in self.requests if r.kind == kind
                    and (method is None or r.method == method.upper()) and contains in r.path]

    def reset_calls(self) -> None:
        with self.lock:
            self.requests.clear()

    # -- per-host hooks ----------------------------------------------------------------

    def register_routes(self) -> None:
        raise NotImplementedError

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """``pattern`` is a regex on the raw path after ``api_prefix``."""
        self._routes.append((method, re.compile(f"^{re.escape(self.api_prefix)}{pattern}$"),
                             handler))

    def authenticate(self, request: Request) -> Token | None:
        """The token the request carries; raise ``HostAnswer`` for a refused one."""
        raise NotImplementedError

    def unauthorized(self, token: Token | None) -> Response:
        """The host's 401 for no, unknown or expired credentials."""
        raise NotImplementedError

    def rate_limited_response(self, wait: int) -> Response:
        raise NotImplementedError

    def not_found(self, what: str = "") -> HostAnswer:
        raise NotImplementedError

    def success_headers(self, token: Token | None) -> dict[str, str]:
        return {}

    # -- WSGI -------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        raw_path = urlsplit(raw).path
        if raw_path in self.oauth_paths:
            return self._oauth(request, raw_path)(environ, start_response)
        match = self.git_match(raw_path)
        if match:
            response = self._git(request, unquote(match["repo"]), match["rest"])
        else:
            response = self._api(request, raw_path)
        return response(environ, start_response)

    def _record(self, request: Request, kind: str, path: str, body: Any) -> Recorded:
        record = Recorded(
            kind=kind, method=request.method, path=path,
            query=parse_qs(request.query_string.decode(), keep_blank_values=True),
            headers=dict(request.headers.items()), body=body,
        )
        with self.lock:
            self.requests.append(record)
        return record

    def _api(self, request: Request, raw_path: str) -> Response:
        data = request.get_data()
        try:
            body = json.loads(data) if data else None
        except ValueError:
            body = data.decode("utf-8", "replace")
        record = self._record(request, "api", raw_path, body)
        try:
            response = self._dispatch(request, raw_path, body, record)
        except HostAnswer as answer:
            response = answer.response
        record.status = response.status_code
        return response

    def _take_scripted(self, method: str, path: str) -> Scripted | None:
        with self.lock:
            for item in self._scripted:
                if item.method == method and item.path_contains in path:
                    item.times -= 1
                    if item.times <= 0:
                        self._scripted.remove(item)
                    return item
        return None

    def _take_rate_limit(self, path: str) -> int | None:
        with self.lock:
            if self._rate_limited <= 0 or self._rate_limit_path not in path:
                return None
            self._rate_limited -= 1
            return self._rate_limit_wait

    def _dispatch(self, request: Request, raw_path: str, body: Any, record: Recorded
                  ) -> Response:
        token = self.authenticate(request)
        if token is not None:
            record.token, record.login = token.value, token.login
        scripted = self._take_scripted(request.method, raw_path)
        if scripted is not None:
            return json_response(scripted.body, scripted.status, scripted.headers)
        wait = self._take_rate_limit(raw_path)
        if wait is not None:
            return self.rate_limited_response(wait)
        for method, pattern, handler in self._routes:
            match = pattern.match(raw_path)
            if match is None or method != request.method:
                continue
            if token is None and not self.anonymous_access:
                return self.unauthorized(None)
            call = Call(request, raw_path, record.query, body, token,
                        {k: unquote(v) for k, v in match.groupdict().items()})
            response = handler(call)
            for key, value in self.success_headers(token).items():
                response.headers.setdefault(key, value)
            return response
        raise self.not_found()

    # -- git over HTTP ------------------------------------------------------------------
