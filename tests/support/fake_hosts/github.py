"""A fake GitHub (and GitHub Enterprise Server): REST v3 under ``/api/v3``, git at
``/<owner>/<repo>.git``.

Shapes follow docs.github.com (2022-11-28): ``Authorization: Bearer``/``token``;
``X-OAuth-Scopes`` on every answer for classic tokens (absent for fine-grained ones:
``scopes=None``); ``Link`` pagination with ``page``/``per_page``; 401 "Bad credentials"
for wrong *and* expired tokens; 403 with ``X-RateLimit-Remaining: 0`` for the primary
rate limit; 422 "Validation Failed" bodies for refused writes; 404 for hooks a token may
not administer. Git over https takes ``x-access-token`` (or the owner's login) and the
token as password.

For kind ``github`` (cloud) point the provider at the fake by overriding
``cloud_web_root = fake.url`` and ``cloud_api_root = fake.api_root``; for
``github_enterprise`` give ``base_url = fake.url``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.state import Call, FakeRepo, Hook, HostAnswer, Pull, Token, iso, now
from tests.support.fake_hosts.wire import bearer_token, hub_signature, json_response

DOCS = "https://docs.github.com/rest"

__all__ = ["FakeGitHub"]


def _error(message: str, status: int, **extra: Any) -> Response:
    return json_response(
        {"message": message, "documentation_url": DOCS, "status": str(status), **extra}, status
    )


class FakeGitHub(FakeHost):
    family = "github"
    api_prefix = "/api/v3"
    kinds = ("github", "github_enterprise")
    max_page_size = 100
    default_page_size = 30
    full_scopes: ClassVar[tuple[str, ...] | None] = ("repo", "admin:repo_hook", "read:org")
    oauth_paths: ClassVar[dict[str, str]] = {
        "/login/oauth/authorize": "authorize", "/login/oauth/access_token": "token",
    }
    oauth_error_status: ClassVar[int] = 200
    pkce: ClassVar[bool] = True

    # -- routes --------------------------------------------------------------------------

    def register_routes(self) -> None:
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        self.route("GET", r"/user", self.get_user)
        self.route("GET", r"/user/repos", self.list_repos)
        self.route("GET", repo, self.get_repo)
        self.route("GET", repo + r"/pulls", self.list_pulls)
        self.route("GET", repo + r"/pulls/(?P<number>\d+)/reviews", self.list_reviews)
        self.route("GET", repo + r"/git/ref/heads/(?P<branch>.+)", self.get_ref)
        self.route("POST", repo + r"/git/refs", self.create_ref)
        self.route("POST", repo + r"/pulls", self.create_pull)
        self.route("GET", repo + r"/hooks", self.list_hooks)
        self.route("POST", repo + r"/hooks", self.create_hook)
        self.route("DELETE", repo + r"/hooks/(?P<hook>[^/]+)", self.delete_hook_call)

    # -- auth ----------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Token | None:
        value = bearer_token(request, "Bearer", "token")
        if value is None:
            return None
        token = self.tokens.get(value)
        if token is None or token.expired or token.password:
            raise HostAnswer(self.unauthorized(token))
        return token

    def unauthorized(self, token: Token | None) -> Response:
        if token is None and not self.anonymous_access:
            return _error("Requires authentication", 401)
        return _error("Bad credentials", 401)

    def success_headers(self, token: Token | None) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Used": "1",
            "X-RateLimit-Resource": "core",
            "X-GitHub-Media-Type": "github.v3; format=json",
        }
        if token is not None and token.scopes is not None:
            headers["X-OAuth-Scopes"] = ", ".join(token.scopes)
            headers["X-Accepted-OAuth-Scopes"] = "repo"
        return headers

    def rate_limited_response(self, wait: int) -> Response:
        response = _error(
            "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for "
            "help, please include the request ID.", 403,
        )
        response.headers.update({
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Used": "5000",
            "X-RateLimit-Reset": str(int(time.time()) + wait),
            "X-RateLimit-Resource": "core",
        })
        return response

    def not_found(self, what: str = "") -> HostAnswer:
        return HostAnswer(_error("Not Found", 404))

    def git_token(self, username: str, password: str) -> Token | None:
        token = self.tokens.get(password)
        if token is None or token.password or not username:
            return None
        return token if username in ("x-access-token", token.login) else None

    def _write(self, call: Call) -> Token:
        assert call.token is not None
        if not call.token.write:
            raise HostAnswer(json_response(
                {"message": "Resource not accessible by personal access token",
                 "documentation_url": DOCS, "status": "403"}, 403,
                {"X-Accepted-GitHub-Permissions": "contents=write"},
            ))
        return call.token

    # -- JSON shapes -------------------------------------------------------------------

    def user_json(self, login: str) -> dict[str, Any]:
        user = self.add_user(login)
        return {
            "login": user.login, "id": user.id, "node_id": f"U_{user.id}",
            "avatar_url": f"{self.url}/avatars/{user.login}", "type": "User",
            "site_admin": False, "name": user.name, "email": user.email,
            "html_url": f"{self.url}/{user.login}",
        }

    def repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        return {
            "id": repo.id, "node_id": f"R_{repo.id}", "name": repo.slug, "full_name": repo.name,
            "private": True, "owner": {"login": repo.owner, "id": 1, "type": "Organization"},
            "html_url": f"{self.url}/{repo.name}", "description": None, "fork": False,
            "url": f"{self.api_root}/repos/{repo.name}",
            "clone_url": f"{self.url}/{repo.name}.git",
            "git_url": f"git://127.0.0.1/{repo.name}.git",
            "ssh_url": f"git@127.0.0.1:{repo.name}.git",
            "default_branch": repo.default_branch, "archived": False, "disabled": False,
            "visibility": "private", "pushed_at": iso(now()),
            "permissions": {"admin": True, "maintain": True, "push": True, "triage": True,
                            "pull": True},
        }

    def pull_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        closed = pull.state in ("merged", "declined")
        merged = pull.state == "merged"
        head_sha = repo.sha(pull.source)
        return {
            "url": f"{self.api_root}/repos/{repo.name}/pulls/{pull.number}",
            "id": 5000 + pull.number, "node_id": f"PR_{repo.id}_{pull.number}",
            "html_url": f"{self.url}/{repo.name}/pull/{pull.number}",
            "number": pull.number, "state": "closed" if closed else "open", "locked": False,
            "title": pull.title, "user": self.user_json(pull.author.login),
            "body": pull.description, "created_at": iso(pull.created_at),
            "updated_at": iso(pull.updated_at),
            "closed_at": iso(pull.updated_at) if closed else None,
            "merged_at": iso(pull.updated_at) if merged else None,
            "merge_commit_sha": head_sha if merged else None,
            "requested_reviewers": [
                self.user_json(user.login) for user, approved in pull.reviewers if not approved
            ],
            "head": {"label": f"{repo.owner}:{pull.source}", "ref": pull.source,
                     "sha": head_sha, "repo": self.repo_json(repo)},
            "base": {"label": f"{repo.owner}:{pull.target}", "ref": pull.target,
                     "sha": repo.sha(pull.target), "repo": self.repo_json(repo)},
            "draft": pull.state == "draft", "author_association": "MEMBER",
        }

    def hook_json(self, repo: FakeRepo, hook: Hook) -> dict[str, Any]:
        return {
            "type": "Repository", "id": int(hook.id), "name": "web", "active": hook.active,
            "events": hook.events,
            "config": {"content_type": "json", "insecure_ssl": "0", "url": hook.url},
            "url": f"{self.api_root}/repos/{repo.name}/hooks/{hook.id}",
            "created_at": iso(now()), "updated_at": iso(now()),
        }

    # -- pagination ----------------------------------------------------------------------

    def paged(self, call: Call, items: list[Any]) -> Response:
        size = self.page_size(call, "per_page")
        page = max(1, call.int_arg("page", 1))
        chunk = items[(page - 1) * size: page * size]
        last = max(1, -(-len(items) // size))
        links = []
        if page < last:
            links.append(f'<{self.next_url(call, page=page + 1, per_page=size)}>; rel="next"')
            links.append(f'<{self.next_url(call, page=last, per_page=size)}>; rel="last"')
        if page > 1:
            links.append(f'<{self.next_url(call, page=1, per_page=size)}>; rel="first"')
            links.append(f'<{self.next_url(call, page=page - 1, per_page=size)}>; rel="prev"')
        headers = {"Link": ", ".join(links)} if links else {}
        return json_response(chunk, 200, headers)

    # -- handlers ------------------------------------------------------------------------

    def _repo(self, call: Call) -> FakeRepo:
        return self.repo_or_404(f"{call['owner']}/{call['repo']}")

    def get_user(self, call: Call) -> Response:
        assert call.token is not None
        return json_response(self.user_json(call.token.login))

    def list_repos(self, call: Call) -> Response:
        repos = self.visible_repos(call.token)
        return self.paged(call, [self.repo_json(r) for r in repos])

    def get_repo(self, call: Call) -> Response:
        return json_response(self.repo_json(self._repo(call)))

    def list_pulls(self, call: Call) -> Response:
        repo = self._repo(call)
        state = call.arg("state", "open")
        pulls = [p for p in repo.pulls if state == "all" or (state == "open") == p.open]
        if call.arg("sort") == "updated":
            pulls.sort(key=lambda p: p.updated_at, reverse=call.arg("direction") != "asc")
        else:
            pulls.sort(key=lambda p: p.created_at, reverse=call.arg("direction") != "asc")
        return self.paged(call, [self.pull_json(repo, p) for p in pulls])

    def list_reviews(self, call: Call) -> Response:
        repo = self._repo(call)
        pull = repo.pull(int(call["number"]))
        if pull is None:
            raise self.not_found()
        reviews = [
            {"id": 80 + i, "user": self.user_json(user.login), "body": "",
             "state": "APPROVED", "submitted_at": iso(pull.updated_at),
             "commit_id": repo.sha(pull.source)}
            for i, (user, approved) in enumerate(pull.reviewers) if approved
        ]
        return self.paged(call, reviews)

    def get_ref(self, call: Call) -> Response:
        repo = self._repo(call)
        sha = repo.sha(call["branch"])
        if sha is None:
            raise self.not_found()
        return json_response({
            "ref": f"refs/heads/{call['branch']}", "node_id": "REF_1",
            "url": f"{self.api_root}/repos/{repo.name}/git/refs/heads/{call['branch']}",
            "object": {"type": "commit", "sha": sha,
                       "url": f"{self.api_root}/repos/{repo.name}/git/commits/{sha}"},
        })

    def create_ref(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._write(call)
        body = call.body if isinstance(call.body, dict) else {}
        ref, sha = str(body.get("ref") or ""), str(body.get("sha") or "")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            return _error("Reference name must start with 'refs/' and have at least two "
                          "slashes.", 422)
        name = ref[len("refs/heads/"):]
        if name in repo.branches():
            return _error("Reference already exists", 422)
        try:
            repo.git("cat-file", "-e", f"{sha}^{{commit}}")
        except RuntimeError:
            return _error("Object does not exist", 422)
        self.create_branch_in_git(repo, name, sha, token)
        return json_response({
            "ref": ref, "node_id": "REF_2",
            "url": f"{self.api_root}/repos/{repo.name}/git/{ref}",
            "object": {"type": "commit", "sha": sha,
                       "url": f"{self.api_root}/repos/{repo.name}/git/commits/{sha}"},
        }, 201, {"Location": f"{self.api_root}/repos/{repo.name}/git/{ref}"})

    def create_pull(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._write(call)
        body = call.body if isinstance(call.body, dict) else {}
        head, base = str(body.get("head") or ""), str(body.get("base") or "")
        head = head.split(":", 1)[1] if ":" in head else head
        branches = repo.branches()
        invalid = [
            {"resource": "PullRequest", "field": field, "code": "invalid"}
            for field, name in (("head", head), ("base", base)) if name not in branches
        ]
        if invalid:
            return _error("Validation Failed", 422, errors=invalid)
        if any(p.open and p.source == head and p.target == base for p in repo.pulls):
            return _error("Validation Failed", 422, errors=[{
                "resource": "PullRequest", "code": "custom",
                "message": f"A pull request already exists for {repo.owner}:{head}.",
            }])
        if repo.ahead(base, head) == 0:
            return _error("Validation Failed", 422, errors=[{
                "resource": "PullRequest", "code": "custom",
                "message": f"No commits between {base} and {head}",
            }])
        pull = self.new_pull(repo, token, source=head, target=base,
                             title=str(body.get("title") or ""),
                             description=body.get("body"), draft=bool(body.get("draft")))
        return json_response(self.pull_json(repo, pull), 201)

    def list_hooks(self, call: Call) -> Response:
        repo = self._repo(call)
        if not (call.token and call.token.admin):
            raise self.not_found()
        return self.paged(call, [self.hook_json(repo, h) for h in repo.hooks])

    def create_hook(self, call: Call) -> Response:
        repo = self._repo(call)
        token = call.token
        if token is None or not token.admin:
            raise self.not_found()
        body = call.body if isinstance(call.body, dict) else {}
        config = body.get("config") or {}
        if not config.get("url"):
            return _error("Validation Failed", 422, errors=[
                {"resource": "Hook", "code": "custom", "message": "Config must contain url"}
            ])
        if any(h.url == config["url"] for h in repo.hooks):
            return _error("Validation Failed", 422, errors=[
                {"resource": "Hook", "code": "custom",
                 "message": "Hook already exists on this repository"}
            ])
        hook = self.new_hook(repo, token, config["url"], config.get("secret"),
                             list(body.get("events") or ["push"]))
        return json_response(self.hook_json(repo, hook), 201)

    def delete_hook_call(self, call: Call) -> Response:
        repo = self._repo(call)
        if not (call.token and call.token.admin) or not self.delete_hook(repo, call["hook"]):
            raise self.not_found()
        return json_response(None, 204)

    # -- deliveries -------------------------------------------------------------------

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        commits = [
            {
                "id": c["sha"], "tree_id": c["sha"], "distinct": True, "message": c["message"],
                "timestamp": c["date"], "url": f"{self.url}/{repo.name}/commit/{c['sha']}",
                "author": {"name": c["name"], "email": c["email"]},
                "committer": {"name": c["name"], "email": c["email"]},
                "added": c["added"], "removed": c["removed"], "modified": c["modified"],
            }
            for c in repo.commits(before, after)
        ]
        payload = {
            "ref": ref, "before": before, "after": after,
            "created": before == "0" * 40, "deleted": after == "0" * 40, "forced": False,
            "base_ref": None, "compare": f"{self.url}/{repo.name}/compare/{before}...{after}",
            "commits": commits, "head_commit": commits[-1] if commits else None,
            "repository": {**self.repo_json(repo), "master_branch": repo.default_branch},
            "pusher": {"name": "alice", "email": "alice@example.com"},
            "sender": self.user_json("alice"),
        }
        return "push", payload

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        headers = {
            "User-Agent": "GitHub-Hookshot/abc1234",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": hook.id,
            "X-GitHub-Hook-Installation-Target-Type": "repository",
        }
        if hook.secret:
            headers["X-Hub-Signature-256"] = hub_signature(hook.secret, body)
        return headers
