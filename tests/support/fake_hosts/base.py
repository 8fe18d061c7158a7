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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.oauth import FakeOAuth, OAuthApp
from tests.support.fake_hosts.wire import basic_credentials, bearer_token, json_response
from tests.support.git_http import HTTP_BACKEND, _parse_cgi_output
from tests.support.gitrepo import git, init_bare

__all__ = [
    "Call",
    "Delivery",
    "FakeHost",
    "FakeRepo",
    "Hook",
    "HostAnswer",
    "HostUser",
    "OAuthApp",
    "Pull",
    "Recorded",
    "Token",
    "basic_credentials",
    "bearer_token",
    "iso",
    "json_response",
    "parse_iso",
]

PR_STATES = ("open", "draft", "merged", "declined")
ZERO_SHA = "0" * 40


# --- state ------------------------------------------------------------------------------


@dataclass
class HostUser:
    login: str
    name: str
    id: int
    email: str = ""

    @property
    def uuid(self) -> str:
        """Bitbucket Cloud's ``{...}`` account uuid, stable per login."""
        return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, self.login)) + "}"


@dataclass
class Token:
    """A credential the host accepts. ``password`` tokens are Basic-auth passwords
    (Bitbucket app passwords, Bitbucket Server passwords) rather than bearer tokens."""

    value: str
    user: HostUser
    scopes: tuple[str, ...] | None = None
    expired: bool = False
    write: bool = True
    admin: bool = True
    password: bool = False

    @property
    def login(self) -> str:
        return self.user.login


@dataclass
class Pull:
    number: int
    title: str
    description: str | None
    state: str
    source: str
    target: str
    author: HostUser
    created_at: datetime
    updated_at: datetime
    #: (reviewer, approved)
    reviewers: list[tuple[HostUser, bool]] = field(default_factory=list)
    #: the token that created it through the API (None: seeded by the test)
    created_with: str | None = None

    @property
    def open(self) -> bool:
        return self.state in ("open", "draft")


@dataclass
class Hook:
    id: str
    url: str
    secret: str | None
    events: list[str]
    created_with: str | None
    active: bool = True


@dataclass
class CreatedBranch:
    name: str
    sha: str
    created_with: str
    login: str


@dataclass
class FakeRepo:
    """One repository: ``name`` is how the host's API paths name it."""

    name: str
    id: int
    bare: Path
    default_branch: str = "main"
    pulls: list[Pull] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    created_branches: list[CreatedBranch] = field(default_factory=list)
    deleted_hooks: list[Hook] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.name.rsplit("/", 1)[0]

    @property
    def slug(self) -> str:
        return self.name.rsplit("/", 1)[1]

    def git(self, *args: str) -> str:
        return git("--git-dir", str(self.bare), *args)

    def branches(self) -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def sha(self, branch: str) -> str | None:
        return self.branches().get(branch)

    def ahead(self, base: str, head: str) -> int:
        """Commits on ``head`` that ``base`` lacks (``git rev-list --count base..head``)."""
        return int(self.git("rev-list", "--count", f"{base}..{head}").strip())

    def commits(self, base: str | None, head: str) -> list[dict[str, Any]]:
        """Commits in ``base..head``, oldest first, with what payloads carry."""
        spec = f"{base}..{head}" if base and base != ZERO_SHA else head
        fmt = "%H%x1f%an%x1f%ae%x1f%aI%x1f%B%x1e"
        out = self.git("log", "--reverse", f"--format={fmt}", spec)
        commits = []
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            sha, name, email, date, message = record.split("\x1f", 4)
            files = self.git("diff-tree", "--no-commit-id", "--name-status", "-r", "--root", sha)
            changes: dict[str, list[str]] = {"added": [], "modified": [], "removed": []}
            for line in files.splitlines():
                status, _, path = line.partition("\t")
                key = {"A": "added", "D": "removed"}.get(status[:1], "modified")
                changes[key].append(path)
            commits.append(
                {"sha": sha, "name": name, "email": email, "date": date,
                 "message": message, **changes}
            )
        return commits

    def pull(self, number: int) -> Pull | None:
        return next((p for p in self.pulls if p.number == number), None)


@dataclass
class Recorded:
    kind: str  # "api" or "git"
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    token: str | None = None
    login: str | None = None
    status: int = 0


@dataclass
class Scripted:
    method: str
    path_contains: str
    status: int
    body: Any
    headers: dict[str, str]
    times: int


@dataclass
class Delivery:
    """One webhook delivery the fake made: where, how signed, and what came back."""

    url: str
    headers: dict[str, str]
    body: bytes
    event: str = ""
    status: int | None = None


class HostAnswer(Exception):
    """Raised inside a handler to answer at once (errors, refusals)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Call:
    """One API request as a handler sees it."""

    request: Request
    path: str  # raw (still percent-encoded), without the query string
    query: dict[str, list[str]]
    body: Any
    token: Token | None
    groups: dict[str, str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int:
        value = self.arg(name)
        return int(value) if value and value.lstrip("-").isdigit() else default

    def __getitem__(self, name: str) -> str:
        return self.groups[name]


Handler = Callable[[Call], Response]


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # ``requests`` keeps the record; keep pytest output clean


_GIT_PATH = re.compile(
    r"^/(?P<repo>.+?\.git)/(?P<rest>info/refs|git-upload-pack|git-receive-pack)$"
)


# --- the server -----------------------------------------------------------------------


class FakeHost(FakeOAuth):
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

    def git_token(self, username: str, password: str) -> Token | None:
        """The token that ``username``/``password`` over git stands for, or None."""
        raise NotImplementedError

    def git_match(self, raw_path: str) -> re.Match[str] | None:
        """A smart-HTTP git request (``<repo>`` and ``<rest>`` groups), or ``None``."""
        match = _GIT_PATH.match(raw_path)
        return match if match and not raw_path.startswith(self.api_prefix + "/") else None

    def git_repo(self, repo_path: str) -> FakeRepo | None:
        """The repository ``<path>.git`` names on the git side."""
        return self.repos.get(repo_path[:-4])

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

    def _git(self, request: Request, repo_path: str, rest: str) -> Response:
        body = request.get_data()
        record = self._record(request, "git", request.path, None)
        repo = self.git_repo(repo_path)
        token = None
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                username, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                username = password = ""
            token = self.git_token(username, password)
            record.login = username
            if token is not None:
                record.token = token.value
        pushing = rest == "git-receive-pack" or "service=git-receive-pack" in (
            request.query_string.decode()
        )
        if token is None or token.expired or repo is None:
            # Hosts answer 401 (not 404) to anonymous requests for private repositories.
            response = Response("HTTP Basic: Access denied\n", 401,
                                headers={"WWW-Authenticate": 'Basic realm="fake git host"'})
        elif pushing and not token.write:
            response = Response("You may not push to this repository\n", 403)
        else:
            response = self._cgi(request, repo, rest, body, token)
        record.status = response.status_code
        return response

    def _cgi(self, request: Request, repo: FakeRepo, rest: str, body: bytes, token: Token
             ) -> Response:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(repo.bare.parent),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "REQUEST_METHOD": request.method,
            "PATH_INFO": f"/{repo.bare.name}/{rest}",
            "QUERY_STRING": request.query_string.decode(),
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": request.remote_addr or "127.0.0.1",
            "REMOTE_USER": token.login,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        if request.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = request.headers["Content-Encoding"]
        if request.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = request.headers["Git-Protocol"]
        proc = subprocess.run([HTTP_BACKEND], input=body, env=env, capture_output=True,
                              check=False, timeout=120)
        parsed = _parse_cgi_output(proc.stdout)
        if parsed is None:
            return Response(proc.stderr, 500)
        status, headers, payload = parsed
        return Response(payload, status, headers=headers)

    # -- shared helpers for handlers ----------------------------------------------------

    def page_size(self, call: Call, name: str) -> int:
        size = call.int_arg(name, self.default_page_size)
        size = max(1, min(size, self.max_page_size))
        if self.page_size_cap:
            size = min(size, self.page_size_cap)
        return size

    def next_url(self, call: Call, **updates: Any) -> str:
        query = {k: v for k, v in call.query.items()}
        for key, value in updates.items():
            query[key] = [str(value)]
        return f"{self.url}{call.path}?{urlencode(query, doseq=True)}"

    def repo_or_404(self, name: str) -> FakeRepo:
        with self.lock:
            repo = self.repos.get(name)
        if repo is None:
            raise self.not_found(name)
        return repo

    def visible_repos(self, token: Token | None) -> list[FakeRepo]:
        with self.lock:
            return sorted(self.repos.values(), key=lambda r: r.name.lower())

    def create_branch_in_git(self, repo: FakeRepo, name: str, sha: str, token: Token) -> None:
        """``git update-ref`` in the bare repository, remembering who asked."""
        repo.git("update-ref", f"refs/heads/{name}", sha, ZERO_SHA)
        with self.lock:
            repo.created_branches.append(CreatedBranch(name, sha, token.value, token.login))

    def new_pull(self, repo: FakeRepo, token: Token, *, source: str, target: str, title: str,
                 description: str | None, draft: bool = False) -> Pull:
        stamp = now()
        with self.lock:
            pull = Pull(
                number=len(repo.pulls) + 1, title=title, description=description,
                state="draft" if draft else "open", source=source, target=target,
                author=token.user, created_at=stamp, updated_at=stamp, created_with=token.value,
            )
            repo.pulls.append(pull)
        return pull

    def new_hook(self, repo: FakeRepo, token: Token, url: str, secret: str | None,
                 events: list[str], hook_id: str | None = None) -> Hook:
        hook = Hook(hook_id or str(self.new_id()), url, secret, events, token.value)
        with self.lock:
            repo.hooks.append(hook)
        return hook

    def delete_hook(self, repo: FakeRepo, hook_id: str) -> bool:
        with self.lock:
            for hook in repo.hooks:
                if hook.id == hook_id:
                    repo.hooks.remove(hook)
                    repo.deleted_hooks.append(hook)
                    return True
        return False

    def all_hooks(self) -> list[tuple[FakeRepo, Hook]]:
        with self.lock:
            return [(repo, hook) for repo in self.repos.values() for hook in repo.hooks]

    # -- webhook deliveries --------------------------------------------------------------

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        """``(event name, payload)`` of a push, shaped like the host's."""
        raise NotImplementedError

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        """The headers the host sends with a delivery of ``body`` to ``hook``."""
        raise NotImplementedError

    def deliver_push(self, repo_name: str, ref: str, before: str, after: str,
                     send: Callable[[str, dict[str, str], bytes], int]) -> list[Delivery]:
        """Deliver a push to every webhook on the repository, as the host would.

        ``send(url, headers, body) -> status`` does the HTTP part (e.g. a Flask test
        client, since the app's public URL is not reachable from tests).
        """
        repo = self.repo_or_404(repo_name)
        event, payload = self.push_payload(repo, ref, before, after)
        body = json.dumps(payload).encode()
        out = []
        for hook in list(repo.hooks):
            headers = {"Content-Type": "application/json", **self.sign(hook, event, body)}
            delivery = Delivery(hook.url, headers, body, event)
            delivery.status = send(hook.url, headers, body)
            with self.lock:
                self.deliveries.append(delivery)
            out.append(delivery)
        return out


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
