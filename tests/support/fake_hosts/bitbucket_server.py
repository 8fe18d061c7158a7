"""A fake Bitbucket Server / Data Center: REST 1.0 under ``/rest/api/1.0``, web pages at
``/projects/<KEY>/repos/<slug>/browse``, git at ``/scm/<key>/<slug>.git``.

Shapes follow the v9 REST reference: HTTP access tokens as ``Authorization: Bearer``, or
HTTP Basic with username + password (or username + token); every authenticated answer
carries ``X-AUSERNAME``/``X-AUSERID`` and there is no "who am I" resource; errors as
``{"errors": [{"context", "message", "exceptionName"}]}`` (401 ``AuthorisationException``
when a known user lacks a permission, 409 ``DuplicateRefException``,
``DuplicatePullRequestException``, ``EmptyPullRequestException``); pages as
``start``/``limit`` → ``{"values", "isLastPage", "nextPageStart"}``; epoch-millisecond
dates; refs as ``refs/heads/x``. ``order=NEWEST`` is served most recently *updated*
first, which is what the provider's incremental listing relies on. Git over https takes
the token owner's username and the token (or password).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.state import Call, FakeRepo, Hook, HostAnswer, Pull, Token, now
from tests.support.fake_hosts.wire import (
    basic_credentials,
    bearer_token,
    hub_signature,
    json_response,
)

__all__ = ["FakeBitbucketServer"]

_STATES = {"open": "OPEN", "draft": "OPEN", "merged": "MERGED", "declined": "DECLINED"}
_EXC = "com.atlassian.bitbucket."


def _errors(message: str, status: int, exception: str) -> Response:
    return json_response({"errors": [{"context": None, "message": message,
                                      "exceptionName": _EXC + exception}]}, status)


def millis(value: datetime) -> int:
    return int(value.timestamp() * 1000)


class FakeBitbucketServer(FakeHost):
    family = "bitbucket_server"
    api_prefix = "/rest/api/1.0"
    kinds = (None, "bitbucket_server")
    pulls_path = "/pull-requests"
    max_page_size = 1000
    default_page_size = 25
    default_owner = "ACME"

    def register_routes(self) -> None:
        repo = r"/projects/(?P<key>[^/]+)/repos/(?P<slug>[^/]+)"
        self.route("GET", r"/application-properties", self.properties)
        self.route("GET", r"/users/(?P<user>[^/]+)", self.get_user)
        self.route("GET", r"/repos", self.list_repos)
        self.route("GET", repo, self.get_repo)
        self.route("GET", repo + r"/pull-requests", self.list_pulls)
        self.route("POST", repo + r"/pull-requests", self.create_pull)
        self.route("POST", repo + r"/branches", self.create_branch)
        self.route("GET", repo + r"/webhooks", self.list_hooks)
        self.route("POST", repo + r"/webhooks", self.create_hook)
        self.route("DELETE", repo + r"/webhooks/(?P<hook>[^/]+)", self.delete_hook_call)

    def bare_path(self, name: str) -> Any:
        key, slug = name.split("/", 1)
        return self.root / key.lower() / f"{slug}.git"

    def git_repo(self, repo_path: str) -> FakeRepo | None:
        if not repo_path.startswith("scm/"):
            return None
        key, _, slug = repo_path[4:-4].partition("/")
        with self.lock:
            return next((r for r in self.repos.values()
                         if r.owner.lower() == key.lower() and r.slug == slug), None)

    # -- auth ----------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Token | None:
        basic = basic_credentials(request)
        if basic is not None:
            token = self.tokens.get(basic[1])
            if token is None or token.login != basic[0]:
                raise HostAnswer(self.unauthorized(None))
        else:
            value = bearer_token(request)
            if value is None:
                return None
            token = self.tokens.get(value)
            if token is None or token.password:
                raise HostAnswer(self.unauthorized(None))
        if token.expired:
            raise HostAnswer(self.unauthorized(token))
        return token

    def unauthorized(self, token: Token | None) -> Response:
        if token is not None and token.expired:
            return _errors("Authentication failed. The access token has expired.", 401,
                           "auth.ExpiredAccessTokenException")
        if token is None and self.anonymous_access is False:
            return _errors("Authentication failed. Please check your credentials and try "
                           "again.", 401, "auth.IncorrectPasswordAuthenticationException")
        return _errors("You are not permitted to access this resource", 401,
                       "AuthorisationException")

    def success_headers(self, token: Token | None) -> dict[str, str]:
        if token is None:
            return {}
        return {"X-AUSERNAME": token.login, "X-AUSERID": str(token.user.id),
                "X-ASESSIONID": "fake-session"}

    def rate_limited_response(self, wait: int) -> Response:
        response = _errors("You have exceeded the rate limit. Try again later.", 429,
                           "throttle.ThrottledException")
        response.headers["Retry-After"] = str(wait)
        response.headers["X-RateLimit-Limit"] = "60"
        return response

    def not_found(self, what: str = "") -> HostAnswer:
        return HostAnswer(_errors(what or "The requested resource does not exist.", 404,
                                  "NoSuchEntityException"))

    def git_token(self, username: str, password: str) -> Token | None:
        token = self.tokens.get(password)
        return token if token is not None and username == token.login else None

    def _permitted(self, call: Call, allowed: bool) -> Token:
        token = call.token
        if token is None or not allowed:
            raise HostAnswer(_errors("You are not permitted to access this resource", 401,
                                     "AuthorisationException"))
        return token

    # -- JSON shapes -------------------------------------------------------------------

    def user_json(self, login: str) -> dict[str, Any]:
        user = self.add_user(login)
        return {"name": user.login, "emailAddress": user.email, "active": True,
                "displayName": user.name, "id": user.id, "slug": user.login.lower(),
                "type": "NORMAL",
                "links": {"self": [{"href": f"{self.url}/users/{user.login.lower()}"}]}}

    def web_url(self, repo: FakeRepo) -> str:
        return f"{self.url}/projects/{repo.owner}/repos/{repo.slug}/browse"

    def repo_json(self, repo: FakeRepo, viewer: str | None = None) -> dict[str, Any]:
        host = self.url.split("://", 1)[1]
        who = f"{viewer}@" if viewer else ""
        return {
            "slug": repo.slug, "id": repo.id, "name": repo.slug,
            "hierarchyId": f"{repo.id:020x}", "scmId": "git", "state": "AVAILABLE",
            "statusMessage": "Available", "forkable": True, "public": False, "archived": False,
            "project": {"key": repo.owner, "id": 1, "name": repo.owner.title(),
                        "public": False, "type": "NORMAL",
                        "links": {"self": [{"href": f"{self.url}/projects/{repo.owner}"}]}},
            "links": {
                "clone": [
                    {"href": f"http://{who}{host}/scm/{repo.owner.lower()}/{repo.slug}.git",
                     "name": "http"},
                    {"href": f"ssh://git@{host.split(':')[0]}:7999/{repo.owner.lower()}/"
                             f"{repo.slug}.git", "name": "ssh"},
                ],
                "self": [{"href": self.web_url(repo)}],
            },
        }

    def ref_json(self, repo: FakeRepo, branch: str) -> dict[str, Any]:
        return {"id": f"refs/heads/{branch}", "displayId": branch, "type": "BRANCH",
                "latestCommit": repo.sha(branch),
                "repository": {"slug": repo.slug, "id": repo.id,
                               "project": {"key": repo.owner}}}

    def pull_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        state = _STATES[pull.state]
        body: dict[str, Any] = {
            "id": pull.number, "version": 0, "title": pull.title,
            "description": pull.description, "state": state, "open": state == "OPEN",
            "closed": state != "OPEN", "draft": pull.state == "draft",
            "createdDate": millis(pull.created_at), "updatedDate": millis(pull.updated_at),
            "fromRef": self.ref_json(repo, pull.source),
            "toRef": self.ref_json(repo, pull.target), "locked": False,
            "author": {"user": self.user_json(pull.author.login), "role": "AUTHOR",
                       "approved": False, "status": "UNAPPROVED"},
            "reviewers": [
                {"user": self.user_json(u.login), "role": "REVIEWER", "approved": ok,
                 "status": "APPROVED" if ok else "UNAPPROVED"}
                for u, ok in pull.reviewers
            ],
            "participants": [],
            "links": {"self": [{"href": f"{self.url}/projects/{repo.owner}/repos/{repo.slug}"
                                        f"/pull-requests/{pull.number}"}]},
        }
        if state != "OPEN":
            body["closedDate"] = millis(pull.updated_at)
        return body

    def hook_json(self, hook: Hook) -> dict[str, Any]:
        return {"id": int(hook.id), "name": "Gitbridge for Jira", "url": hook.url,
                "active": hook.active, "events": hook.events,
                "configuration": {},  # the secret is never shown again
                "createdDate": millis(now()), "updatedDate": millis(now()),
                "scopeType": "repository", "sslVerificationRequired": True}

    # -- pagination ----------------------------------------------------------------------

    def paged(self, call: Call, items: list[Any]) -> Response:
        size = self.page_size(call, "limit")
        start = max(0, call.int_arg("start", 0))
        chunk = items[start: start + size]
        last = start + size >= len(items)
        body: dict[str, Any] = {"size": len(chunk), "limit": size, "isLastPage": last,
                                "values": chunk, "start": start}
        if not last:
            body["nextPageStart"] = start + size
        return json_response(body)

    # -- handlers ------------------------------------------------------------------------

    def _repo(self, call: Call) -> FakeRepo:
        name = f"{call['key']}/{call['slug']}"
        with self.lock:
            repo = next((r for r in self.repos.values() if r.name.lower() == name.lower()),
                        None)
        if repo is None:
            raise HostAnswer(_errors(f"Repository {name} does not exist.", 404,
                                     "repository.NoSuchRepositoryException"))
        return repo

    def properties(self, call: Call) -> Response:
        return json_response({"version": "8.19.1", "buildNumber": "8019001",
                              "buildDate": "1718000000000", "displayName": "Bitbucket"})

    def get_user(self, call: Call) -> Response:
        with self.lock:
            user = next((u for u in self.users.values() if u.login.lower() == call["user"]),
                        None)
        if user is None:
            raise HostAnswer(_errors(f"User {call['user']} does not exist.", 404,
                                     "user.NoSuchUserException"))
        return json_response(self.user_json(user.login))

    def list_repos(self, call: Call) -> Response:
        viewer = call.token.login if call.token else None
        return self.paged(call, [self.repo_json(r, viewer) for r in
                                 self.visible_repos(call.token)])

    def get_repo(self, call: Call) -> Response:
        return json_response(self.repo_json(self._repo(call)))

    def list_pulls(self, call: Call) -> Response:
        repo = self._repo(call)
        state = (call.arg("state") or "OPEN").upper()
        pulls = [p for p in repo.pulls if state == "ALL" or _STATES[p.state] == state]
        newest = (call.arg("order") or "NEWEST").upper() == "NEWEST"
        pulls.sort(key=lambda p: p.updated_at, reverse=newest)
        return self.paged(call, [self.pull_json(repo, p) for p in pulls])

    def create_branch(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._permitted(call, bool(call.token and call.token.write))
        body = call.body if isinstance(call.body, dict) else {}
        name = str(body.get("name") or "")
        start = str(body.get("startPoint") or "")
        if name in repo.branches():
            return _errors(f"Branch '{name}' already exists in repository {repo.slug}.", 409,
                           "repository.DuplicateRefException")
        try:
            repo.git("check-ref-format", "--branch", name)
        except RuntimeError:
            return _errors(f"'{name}' is not a valid branch name.", 400,
                           "repository.InvalidRefNameException")
        try:
            sha = repo.git("rev-parse", "--verify", "--quiet", f"{start}^{{commit}}").strip()
        except RuntimeError:
            return _errors(f"Start point '{start}' does not exist in repository.", 400,
                           "commit.NoSuchCommitException")
        self.create_branch_in_git(repo, name, sha, token)
        return json_response({"id": f"refs/heads/{name}", "displayId": name, "type": "BRANCH",
                              "latestCommit": sha, "latestChangeset": sha, "isDefault": False},
                             200)

    def create_pull(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._permitted(call, bool(call.token and call.token.write))
        body = call.body if isinstance(call.body, dict) else {}
        source = str((body.get("fromRef") or {}).get("id") or "").removeprefix("refs/heads/")
        target = str((body.get("toRef") or {}).get("id") or "").removeprefix("refs/heads/")
        branches = repo.branches()
        for name in (source, target):
            if name not in branches:
                return _errors(f"Repository \"{repo.slug}\" of project {repo.owner} has no "
                               f"branch refs/heads/{name}.", 404, "repository.NoSuchRefException")
        existing = next((p for p in repo.pulls if p.open and p.source == source
                         and p.target == target), None)
        if existing is not None:
            return _errors("Only one pull request may be open for a given source and target "
                           "branch", 409, "pull.DuplicatePullRequestException")
        if repo.ahead(target, source) == 0:
            return _errors(f"Pull request cannot be created because the source branch "
                           f"'{source}' is already up-to-date with branch '{target}'", 409,
                           "pull.EmptyPullRequestException")
        pull = self.new_pull(repo, token, source=source, target=target,
                             title=str(body.get("title") or ""),
                             description=body.get("description"), draft=bool(body.get("draft")))
        return json_response(self.pull_json(repo, pull), 201)

    def list_hooks(self, call: Call) -> Response:
        repo = self._repo(call)
        self._permitted(call, bool(call.token and call.token.admin))
        return self.paged(call, [self.hook_json(h) for h in repo.hooks])

    def create_hook(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._permitted(call, bool(call.token and call.token.admin))
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("url"):
            return _errors("The URL is required.", 400, "validation.ArgumentValidationException")
        secret = (body.get("configuration") or {}).get("secret")
        hook = self.new_hook(repo, token, str(body["url"]), secret, list(body.get("events") or []))
        return json_response(self.hook_json(hook), 201)

    def delete_hook_call(self, call: Call) -> Response:
        repo = self._repo(call)
        self._permitted(call, bool(call.token and call.token.admin))
        if not self.delete_hook(repo, call["hook"]):
            raise HostAnswer(_errors(f"No webhook with id {call['hook']} exists.", 404,
                                     "webhook.NoSuchWebhookException"))
        return json_response(None, 204)

    # -- deliveries -------------------------------------------------------------------

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        zero = "0" * 40
        kind = "ADD" if before == zero else "DELETE" if after == zero else "UPDATE"
        commits = [
            {"id": c["sha"], "displayId": c["sha"][:11], "message": c["message"],
             "author": {"name": c["name"], "emailAddress": c["email"]},
             "authorTimestamp": millis(datetime.fromisoformat(c["date"])),
             "committer": {"name": c["name"], "emailAddress": c["email"]},
             "committerTimestamp": millis(datetime.fromisoformat(c["date"])),
             "parents": [{"id": p} for p in repo.git("rev-list", "--parents", "-n1",
                                                     c["sha"]).split()[1:]]}
            for c in reversed(repo.commits(before, after))
        ]
        payload = {
            "eventKey": "repo:refs_changed", "date": now().isoformat(),
            "actor": self.user_json("alice"), "repository": self.repo_json(repo),
            "changes": [{"ref": {"id": ref, "displayId": ref.split("/", 2)[2],
                                 "type": "TAG" if ref.startswith("refs/tags/") else "BRANCH"},
                         "refId": ref, "fromHash": before, "toHash": after, "type": kind}],
            "commits": commits,
            "toCommit": commits[0] if commits else None,
        }
        return "repo:refs_changed", payload

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        headers = {"User-Agent": "Atlassian HttpClient 4.2.1 / Bitbucket-8.19.1",
                   "X-Event-Key": event, "X-Request-Id": str(uuid.uuid4())}
        if hook.secret:
            headers["X-Hub-Signature"] = hub_signature(hook.secret, body)
        return headers
