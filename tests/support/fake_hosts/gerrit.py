"""A fake Gerrit: REST under ``/a/`` (HTTP Basic with the user name and HTTP password),
every JSON answer behind the ``)]}'`` guard, plain-text errors, git at ``/a/<project>``.

Shapes follow the REST documentation: the projects map (with the meta projects
All-Projects and All-Users) paged with ``n``/``S``; changes for ``q=project:<p>``
newest-updated first with ``_more_changes`` on the last, ``DETAILED_LABELS`` votes and
the current revision's commit; branches created with ``PUT`` (409 when they exist).
With ``webhooks_plugin`` the plugin's remotes live under
``/a/config/server/webhooks~projects/<project>/remotes/<name>``; without it those paths
are 404. The plugin posts stream-events JSON to the remote's URL, which carries the
secret. A scenario pull request becomes a change on its target branch whose topic is
the source branch (``git push origin HEAD:refs/for/main%topic=<branch>``).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.state import (
    Call,
    Delivery,
    FakeRepo,
    Hook,
    HostAnswer,
    Pull,
    Token,
    now,
)
from tests.support.fake_hosts.wire import basic_credentials

__all__ = ["FakeGerrit"]

_GIT = re.compile(r"^/(?:a/)?(?P<repo>.+?)/(?P<rest>info/refs|git-upload-pack|git-receive-pack)$")
_STATUS = {"open": "NEW", "draft": "NEW", "merged": "MERGED", "declined": "ABANDONED"}
META = ("All-Projects", "All-Users")


def guarded(body: Any, status: int = 200) -> Response:
    return Response(")]}'\n" + json.dumps(body), status,
                    mimetype="application/json", headers={"Content-Disposition": "attachment"})


def text(message: str, status: int) -> Response:
    return Response(message + "\n", status, mimetype="text/plain")


def stamp(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.000000000")


class FakeGerrit(FakeHost):
    family = "gerrit"
    api_prefix = "/a"
    kinds = (None, "gerrit")
    pulls_path = "/changes/"
    max_page_size = 500
    default_page_size = 25

    def __init__(self, root: Any, *, webhooks_plugin: bool = True) -> None:
        self.webhooks_plugin = webhooks_plugin
        super().__init__(root)

    def register_routes(self) -> None:
        project = r"/projects/(?P<project>[^/]+)"
        remotes = r"/config/server/webhooks~projects/(?P<project>[^/]+)/remotes"
        self.route("GET", r"/accounts/self", self.me)
        self.route("GET", r"/projects/", self.list_projects)
        self.route("PUT", project + r"/branches/(?P<branch>.+)", self.create_branch)
        self.route("GET", r"/changes/", self.list_changes)
        self.route("GET", remotes + r"/", self.list_remotes)
        self.route("PUT", remotes + r"/(?P<name>[^/]+)", self.put_remote)
        self.route("DELETE", remotes + r"/(?P<name>[^/]+)", self.delete_remote)

    def git_match(self, raw_path: str) -> re.Match[str] | None:
        match = _GIT.match(raw_path)
        return match if match and unquote(match["repo"]) in self.repos else None

    def git_repo(self, repo_path: str) -> FakeRepo | None:
        return self.repos.get(repo_path)

    # -- auth -------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Token | None:
        basic = basic_credentials(request)
        if basic is None:
            return None
        token = self.tokens.get(basic[1])
        if token is None or token.expired or token.login != basic[0]:
            raise HostAnswer(self.unauthorized(token))
        return token

    def unauthorized(self, token: Token | None) -> Response:
        return text("Unauthorized", 401)

    def rate_limited_response(self, wait: int) -> Response:
        response = text("Too Many Requests", 429)
        response.headers["Retry-After"] = str(wait)
        return response

    def not_found(self, what: str = "") -> HostAnswer:
        return HostAnswer(text(f"Not found: {what}" if what else "Not Found", 404))

    def git_token(self, username: str, password: str) -> Token | None:
        token = self.tokens.get(password)
        return token if token is not None and token.login == username else None

    # -- shapes -----------------------------------------------------------------------

    def account(self, login: str) -> dict[str, Any]:
        user = self.add_user(login)
        return {"_account_id": user.id, "name": user.name, "email": user.email,
                "username": user.login}

    def change_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        sha = repo.sha(pull.source) or "0" * 40
        votes = [{"value": 2 if ok else 0, "date": stamp(pull.updated_at),
                  **self.account(u.login)} for u, ok in pull.reviewers]
        body: dict[str, Any] = {
            "id": f"{repo.name.replace('/', '%2F')}~{pull.target}~I{pull.number:040x}",
            "project": repo.name, "branch": pull.target, "topic": pull.source,
            "change_id": f"I{pull.number:040x}", "subject": pull.title,
            "status": _STATUS[pull.state], "created": stamp(pull.created_at),
            "updated": stamp(pull.updated_at), "insertions": 1, "deletions": 0,
            "_number": pull.number, "owner": self.account(pull.author.login),
            "labels": {"Code-Review": {"all": votes, "values": {
                "-2": "This shall not be submitted", "-1": "I would prefer this is not "
                "submitted as is", " 0": "No score", "+1": "Looks good to me, but someone "
                "else must approve", "+2": "Looks good to me, approved"}}},
            "current_revision": sha,
            "revisions": {sha: {"_number": 1, "ref": f"refs/changes/{pull.number % 100:02d}/"
                                f"{pull.number}/1", "commit": {"subject": pull.title,
                                "message": f"{pull.title}\n\n{pull.description or ''}\n"}}}}
        if pull.state == "draft":
            body["work_in_progress"] = True
        return body

    # -- handlers ---------------------------------------------------------------------

    def _repo(self, call: Call) -> FakeRepo:
        repo = self.repos.get(unquote(call["project"]))
        if repo is None:
            raise self.not_found(unquote(call["project"]))
        return repo

    def me(self, call: Call) -> Response:
        assert call.token is not None
        return guarded(self.account(call.token.login))

    def list_projects(self, call: Call) -> Response:
        names = sorted([*META, *self.repos])
        size, skip = self.page_size(call, "n"), call.int_arg("S", 0)
        page = {n: {"id": n.replace("/", "%2F"), "state": "ACTIVE",
                    "web_links": [{"name": "browse", "url": f"/plugins/gitiles/{n}"}]}
                for n in names[skip: skip + size]}
        return guarded(page)

    def create_branch(self, call: Call) -> Response:
        repo = self._repo(call)
        token = call.token
        if token is None or not token.write:
            return text(f"not permitted: create on refs/heads/{call['branch']}", 403)
        name = unquote(call["branch"]).removeprefix("refs/heads/")
        revision = str((call.body or {}).get("revision") or "")
        if name in repo.branches():
            return text(f'branch "refs/heads/{name}" already exists', 409)
        try:
            repo.git("check-ref-format", "--branch", name)
        except RuntimeError:
            return text(f'invalid branch name "refs/heads/{name}"', 400)
        sha = repo.sha(revision) or (revision if re.fullmatch(r"[0-9a-f]{40}", revision) else "")
        if not sha:
            return text(f'invalid revision "{revision}"', 400)
        self.create_branch_in_git(repo, name, sha, token)
        return guarded({"ref": f"refs/heads/{name}", "revision": sha, "can_delete": True}, 201)

    def list_changes(self, call: Call) -> Response:
        query = call.arg("q") or ""
        match = re.match(r"project:(\S+)", query)
        after = re.search(r'after:"([^"+]+?) ?\+0000"', query)
        repo = self.repos.get(match[1]) if match else None
        pulls = sorted(repo.pulls if repo else [], key=lambda p: p.updated_at, reverse=True)
        if after:
            since = after[1].replace(" ", "T") + "+00:00"
            pulls = [p for p in pulls if p.updated_at.isoformat() >= since]
        size, skip = self.page_size(call, "n"), call.int_arg("S", 0)
        assert repo is not None or not pulls
        page = [self.change_json(repo, p) for p in pulls[skip: skip + size]] if repo else []
        if page and skip + size < len(pulls):
            page[-1]["_more_changes"] = True
        return guarded(page)

    def _plugin(self, call: Call) -> FakeRepo:
        if not self.webhooks_plugin:
            raise self.not_found()
        if call.token is None or not call.token.admin:
            raise HostAnswer(text("administrate server not permitted", 403))
        return self._repo(call)

    def list_remotes(self, call: Call) -> Response:
        repo = self._plugin(call)
        return guarded({h.id: {"url": f"{h.url}?secret={h.secret}", "events": h.events,
                               "maxTries": 3, "sslVerify": False} for h in repo.hooks})

    def put_remote(self, call: Call) -> Response:
        repo = self._plugin(call)
        assert call.token is not None
        body = call.body if isinstance(call.body, dict) else {}
        parts = urlsplit(str(body.get("url") or ""))
        secret = (parse_qs(parts.query).get("secret") or [None])[0]
        existed = self.delete_hook(repo, call["name"])
        self.new_hook(repo, call.token, parts._replace(query="").geturl(), secret,
                      list(body.get("events") or []), hook_id=call["name"])
        return guarded(body, 200 if existed else 201)

    def delete_remote(self, call: Call) -> Response:
        repo = self._plugin(call)
        if not self.delete_hook(repo, call["name"]):
            raise self.not_found(call["name"])
        return Response(status=204)

    # -- deliveries: the plugin posts to the remote's URL, secret in its query ---------

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        return "ref-updated", {
            "type": "ref-updated", "submitter": self.account("alice"),
            "refUpdate": {"oldRev": before, "newRev": after, "refName": ref,
                          "project": repo.name},
            "eventCreatedOn": int(now().timestamp())}

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        return {}  # the plugin cannot sign or add headers

    def deliver_push(self, repo_name: str, ref: str, before: str, after: str, send: Any
                     ) -> list[Delivery]:
        repo = self.repo_or_404(repo_name)
        event, payload = self.push_payload(repo, ref, before, after)
        body = json.dumps(payload).encode()
        out = []
        for hook in list(repo.hooks):
            url = f"{hook.url}?secret={hook.secret}"
            delivery = Delivery(url, {"Content-Type": "application/json"}, body, event)
            delivery.status = send(url, delivery.headers, body)
            self.deliveries.append(delivery)
            out.append(delivery)
        return out
