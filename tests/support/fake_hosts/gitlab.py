"""A fake GitLab (gitlab.com or self-managed): REST v4 under ``/api/v4``, git at
``/<namespace>/<project>.git``.

Shapes follow docs.gitlab.com: ``PRIVATE-TOKEN`` (or ``Authorization: Bearer``);
``/personal_access_tokens/self`` reports scopes and expiry; 401 ``{"message": "401
Unauthorized"}`` for unknown tokens and ``{"error": "invalid_token", ...}`` with
``WWW-Authenticate`` for expired ones; 403 ``insufficient_scope`` for a token without
``api`` that tries to write; ``Link`` + ``X-Next-Page``/``X-Total`` pagination;
``updated_after`` on merge requests; 429 with ``RateLimit-*`` and ``Retry-After``.
Projects are addressed by numeric id or URL-encoded path. Git over https takes
``oauth2`` (or the owner's username) and the token.

For kind ``gitlab`` override ``cloud_web_root = fake.url`` and ``cloud_api_root =
fake.api_root``; for ``gitlab_self_managed`` give ``base_url = fake.url``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.gitlab_shapes import MR_STATES, GitLabShapes
from tests.support.fake_hosts.state import (
    Call,
    FakeRepo,
    Hook,
    HostAnswer,
    Token,
    iso,
    now,
    parse_iso,
)
from tests.support.fake_hosts.wire import bearer_token, json_response

__all__ = ["FakeGitLab"]


class FakeGitLab(GitLabShapes, FakeHost):
    family = "gitlab"
    api_prefix = "/api/v4"
    kinds = ("gitlab", "gitlab_self_managed")
    pulls_path = "/merge_requests"
    max_page_size = 100
    default_page_size = 20
    full_scopes: ClassVar[tuple[str, ...] | None] = ("api",)
    oauth_paths: ClassVar[dict[str, str]] = {
        "/oauth/authorize": "authorize", "/oauth/token": "token", "/oauth/token/info": "info",
    }
    pkce: ClassVar[bool] = True

    def register_routes(self) -> None:
        project = r"/projects/(?P<project>[^/]+)"
        self.route("GET", r"/user", self.get_user)
        self.route("GET", r"/personal_access_tokens/self", self.token_self)
        self.route("GET", r"/projects", self.list_projects)
        self.route("GET", project, self.get_project)
        self.route("GET", project + r"/merge_requests", self.list_mrs)
        self.route("GET", project + r"/merge_requests/(?P<iid>\d+)/approvals", self.approvals)
        self.route("POST", project + r"/merge_requests", self.create_mr)
        self.route("GET", project + r"/repository/branches/(?P<branch>[^/]+)", self.get_branch)
        self.route("POST", project + r"/repository/branches", self.create_branch)
        self.route("GET", project + r"/repository/commits", self.list_commits)
        self.route("GET", project + r"/hooks", self.list_hooks)
        self.route("POST", project + r"/hooks", self.create_hook)
        self.route("DELETE", project + r"/hooks/(?P<hook>[^/]+)", self.delete_hook_call)

    # -- auth ----------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Token | None:
        value = request.headers.get("PRIVATE-TOKEN") or bearer_token(request)
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
            description = "Token is expired. You can either do re-authorization or token refresh."
            return json_response(
                {"error": "invalid_token", "error_description": description}, 401,
                {"WWW-Authenticate": f'Bearer realm="", error="invalid_token", '
                                     f'error_description="{description}"'},
            )
        return json_response({"message": "401 Unauthorized"}, 401)

    def rate_limited_response(self, wait: int) -> Response:
        reset = int(time.time()) + wait
        return Response("Retry later\n", 429, mimetype="text/plain", headers={
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": "2000", "RateLimit-Observed": "2001",
            "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                 time.gmtime(reset)),
            "Retry-After": str(wait),
        })

    def not_found(self, what: str = "Not") -> HostAnswer:
        return HostAnswer(json_response({"message": f"404 {what or 'Not'} Found"}, 404))

    def git_token(self, username: str, password: str) -> Token | None:
        token = self.tokens.get(password)
        if token is None or token.password or not username:
            return None
        return token if username in ("oauth2", token.login) else None

    def _scope(self, call: Call, needed: str) -> Token:
        token = call.token
        assert token is not None
        scopes = set(token.scopes or ("api",))
        wanted = {"api"} if needed == "api" else {"api", needed}
        if not scopes & wanted:
            raise HostAnswer(json_response(
                {"error": "insufficient_scope",
                 "error_description": "The request requires higher privileges than provided "
                                      "by the access token.",
                 "scope": "api read_api" if needed == "read_api" else "api"},
                403,
                {"WWW-Authenticate": 'Bearer realm="", error="insufficient_scope"'},
            ))
        return token

    def _developer(self, call: Call) -> Token:
        token = self._scope(call, "api")
        if not token.write:
            raise HostAnswer(json_response({"message": "403 Forbidden"}, 403))
        return token

    def _maintainer(self, call: Call) -> Token:
        token = self._scope(call, "api")
        if not token.admin:
            raise HostAnswer(json_response({"message": "403 Forbidden"}, 403))
        return token

    # -- pagination ----------------------------------------------------------------------

    def paged(self, call: Call, items: list[Any]) -> Response:
        size = self.page_size(call, "per_page")
        page = max(1, call.int_arg("page", 1))
        chunk = items[(page - 1) * size: page * size]
        pages = max(1, -(-len(items) // size))
        headers = {
            "X-Page": str(page), "X-Per-Page": str(size), "X-Total": str(len(items)),
            "X-Total-Pages": str(pages), "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
        }
        links = []
        if page < pages:
            links.append(f'<{self.next_url(call, page=page + 1, per_page=size)}>; rel="next"')
        if page > 1:
            links.append(f'<{self.next_url(call, page=page - 1, per_page=size)}>; rel="prev"')
        links.append(f'<{self.next_url(call, page=1, per_page=size)}>; rel="first"')
        links.append(f'<{self.next_url(call, page=pages, per_page=size)}>; rel="last"')
        headers["Link"] = ", ".join(links)
        return json_response(chunk, 200, headers)

    # -- handlers ------------------------------------------------------------------------

    def _project(self, call: Call) -> FakeRepo:
        ident = call["project"]
        with self.lock:
            if ident.isdigit():
                repo = next((r for r in self.repos.values() if r.id == int(ident)), None)
            else:
                repo = self.repos.get(ident)
        if repo is None:
            raise self.not_found("Project Not")
        self._scope(call, "read_api")
        return repo

    def _arg(self, call: Call, name: str) -> str:
        body = call.body if isinstance(call.body, dict) else {}
        return str(call.arg(name) or body.get(name) or "")

    def get_user(self, call: Call) -> Response:
        assert call.token is not None
        user = self.user_json(call.token.login)
        return json_response({**user, "email": call.token.user.email, "is_admin": False})

    def token_self(self, call: Call) -> Response:
        token = call.token
        assert token is not None
        if token.scopes is None:  # a server older than 15.5
            raise self.not_found()
        return json_response({
            "id": 42, "name": "gitbridge", "revoked": False, "created_at": iso(now()),
            "scopes": list(token.scopes), "user_id": token.user.id, "active": True,
            "last_used_at": iso(now()), "expires_at": "2099-01-01",
        })

    def list_projects(self, call: Call) -> Response:
        self._scope(call, "read_api")
        repos = self.visible_repos(call.token)
        if call.arg("order_by", "created_at") in ("id", "created_at"):
            repos.sort(key=lambda r: r.id, reverse=call.arg("sort", "desc") == "desc")
        return self.paged(call, [self.project_json(r) for r in repos])

    def get_project(self, call: Call) -> Response:
        return json_response(self.project_json(self._project(call)))

    def list_mrs(self, call: Call) -> Response:
        repo = self._project(call)
        state = call.arg("state", "all")
        pulls = [p for p in repo.pulls if state == "all" or MR_STATES[p.state] == state]
        since = call.arg("updated_after")
        if since:
            limit = parse_iso(since)
            pulls = [p for p in pulls if p.updated_at >= limit]
        key = "updated_at" if call.arg("order_by") == "updated_at" else "created_at"
        pulls.sort(key=lambda p: getattr(p, key), reverse=call.arg("sort", "desc") == "desc")
        return self.paged(call, [self.mr_json(repo, p) for p in pulls])

    def approvals(self, call: Call) -> Response:
        repo = self._project(call)
        pull = repo.pull(int(call["iid"]))
        if pull is None:
            raise self.not_found()
        approved = [{"user": self.user_json(u.login)} for u, ok in pull.reviewers if ok]
        return json_response({"id": 7000 + pull.number, "iid": pull.number,
                              "project_id": repo.id, "approved": bool(approved),
                              "approved_by": approved})

    def get_branch(self, call: Call) -> Response:
        repo = self._project(call)
        sha = repo.sha(call["branch"])
        if sha is None:
            raise self.not_found("Branch Not")
        return json_response(self.branch_json(repo, call["branch"], sha))

    def _resolve(self, repo: FakeRepo, ref: str) -> str | None:
        try:
            return repo.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except RuntimeError:
            return None

    def create_branch(self, call: Call) -> Response:
        repo = self._project(call)
        token = self._developer(call)
        name, ref = self._arg(call, "branch"), self._arg(call, "ref")
        if not name:
            return json_response({"error": "branch is missing"}, 400)
        if name in repo.branches():
            return json_response({"message": "Branch already exists"}, 400)
        try:
            repo.git("check-ref-format", "--branch", name)
        except RuntimeError:
            return json_response({"message": "Branch name is invalid"}, 400)
        sha = self._resolve(repo, ref) if ref else None
        if sha is None:
            return json_response({"message": f"Invalid reference name: {ref}"}, 400)
        self.create_branch_in_git(repo, name, sha, token)
        return json_response(self.branch_json(repo, name, sha), 201)

    def list_commits(self, call: Call) -> Response:
        repo = self._project(call)
        ref = call.arg("ref_name") or repo.default_branch
        try:
            shas = repo.git("rev-list", ref).split()
        except RuntimeError:
            raise self.not_found() from None
        return self.paged(call, [self.commit_json(repo, sha) for sha in shas[:100]])

    def create_mr(self, call: Call) -> Response:
        repo = self._project(call)
        token = self._developer(call)
        body = call.body if isinstance(call.body, dict) else {}
        source, target = str(body.get("source_branch") or ""), str(body.get("target_branch") or "")
        branches = repo.branches()
        missing = [f"{side} branch '{name}' does not exist" for side, name in
                   (("Source", source), ("Target", target)) if name not in branches]
        if missing:
            return json_response({"message": missing}, 422)
        existing = next((p for p in repo.pulls if p.open and p.source == source
                         and p.target == target), None)
        if existing is not None:
            return json_response({"message": [
                "Another open merge request already exists for this source branch: "
                f"!{existing.number}"
            ]}, 409)
        title = str(body.get("title") or "")
        draft = title.lower().startswith(("draft:", "[draft]"))
        pull = self.new_pull(repo, token, source=source, target=target,
                             title=title.split(":", 1)[1].strip() if draft else title,
                             description=body.get("description"), draft=draft)
        return json_response(self.mr_json(repo, pull), 201)

    def list_hooks(self, call: Call) -> Response:
        repo = self._project(call)
        self._maintainer(call)
        return self.paged(call, [self.hook_json(repo, h) for h in repo.hooks])

    def create_hook(self, call: Call) -> Response:
        repo = self._project(call)
        token = self._maintainer(call)
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("url"):
            return json_response({"error": "url is missing"}, 400)
        events = [k for k in ("push_events", "merge_requests_events", "tag_push_events")
                  if body.get(k, k == "push_events")]
        hook = self.new_hook(repo, token, str(body["url"]), body.get("token"), events)
        return json_response(self.hook_json(repo, hook), 201)

    def delete_hook_call(self, call: Call) -> Response:
        repo = self._project(call)
        self._maintainer(call)
        if not self.delete_hook(repo, call["hook"]):
            raise self.not_found()
        return json_response(None, 204)

    # -- deliveries -------------------------------------------------------------------

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        event_uuid = str(uuid.uuid4())
        headers = {
            "User-Agent": "GitLab/17.0.0",
            "X-Gitlab-Event": event,
            "X-Gitlab-Webhook-UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, hook.id)),
            "X-Gitlab-Event-UUID": event_uuid,
            "Idempotency-Key": str(uuid.uuid4()),
            "X-Gitlab-Instance": self.url,
        }
        if hook.secret:
            headers["X-Gitlab-Token"] = hook.secret
        return headers
