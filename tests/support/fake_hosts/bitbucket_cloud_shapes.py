"""The JSON shapes of the fake Bitbucket Cloud (``bitbucket_cloud.py``), as
developer.atlassian.com documents them: users, repositories, pull requests, branches,
webhooks and the ``repo:push`` payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.support.fake_hosts.state import FakeRepo, Hook, HostUser, Pull, now

#: our pull request states -> Bitbucket Cloud's
PULL_STATES = {"open": "OPEN", "draft": "OPEN", "merged": "MERGED", "declined": "DECLINED"}


def stamp(value: datetime) -> str:
    """Bitbucket's timestamps: ``2024-01-02T03:04:05.123456+00:00``."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class BitbucketCloudShapes:
    """Mixed into ``FakeBitbucketCloud`` (before ``FakeHost``, whose ``add_user`` it uses)."""

    url: str
    api_root: str

    if TYPE_CHECKING:  # provided by FakeHost

        def add_user(self, login: str, name: str | None = None, email: str | None = None
                     ) -> HostUser: ...

    def user_json(self, login: str) -> dict[str, Any]:
        user = self.add_user(login)
        return {"type": "user", "display_name": user.name, "uuid": user.uuid,
                "account_id": f"5f{user.id:022x}", "nickname": user.login,
                "links": {"html": {"href": f"{self.url}/{{{user.uuid}}}/"}}}

    def repo_uuid(self, repo: FakeRepo) -> str:
        return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"repo-{repo.id}")) + "}"

    def repo_json(self, repo: FakeRepo, viewer: str | None = None) -> dict[str, Any]:
        host = self.url.split("://", 1)[1]
        https = f"http://{viewer}@{host}/{repo.name}.git" if viewer else (
            f"{self.url}/{repo.name}.git")
        return {
            "type": "repository", "full_name": repo.name, "name": repo.slug, "slug": repo.slug,
            "uuid": self.repo_uuid(repo), "is_private": True, "scm": "git",
            "mainbranch": {"type": "branch", "name": repo.default_branch},
            "workspace": {"type": "workspace", "slug": repo.owner, "name": repo.owner.title()},
            "links": {
                "self": {"href": f"{self.api_root}/repositories/{repo.name}"},
                "html": {"href": f"{self.url}/{repo.name}"},
                "clone": [{"name": "https", "href": https},
                          {"name": "ssh", "href": f"git@{host.split(':')[0]}:{repo.name}.git"}],
            },
            "created_on": stamp(now()), "updated_on": stamp(now()),
        }

    def pull_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        def side(branch: str) -> dict[str, Any]:
            return {"branch": {"name": branch}, "commit": {"hash": (repo.sha(branch) or "")[:12]},
                    "repository": {"type": "repository", "full_name": repo.name,
                                   "uuid": self.repo_uuid(repo)}}

        return {
            "type": "pullrequest", "id": pull.number, "title": pull.title,
            "description": pull.description or "", "state": PULL_STATES[pull.state],
            "draft": pull.state == "draft", "author": self.user_json(pull.author.login),
            "source": side(pull.source), "destination": side(pull.target),
            "reviewers": [self.user_json(u.login) for u, _ in pull.reviewers],
            "participants": [
                {"type": "participant", "user": self.user_json(u.login), "role": "REVIEWER",
                 "approved": ok, "state": "approved" if ok else None}
                for u, ok in pull.reviewers
            ],
            "links": {"html": {"href": f"{self.url}/{repo.name}/pull-requests/{pull.number}"},
                      "self": {"href": f"{self.api_root}/repositories/{repo.name}/pullrequests/"
                                       f"{pull.number}"}},
            "created_on": stamp(pull.created_at), "updated_on": stamp(pull.updated_at),
            "close_source_branch": False, "comment_count": 0, "task_count": 0,
        }

    def branch_json(self, repo: FakeRepo, name: str, sha: str) -> dict[str, Any]:
        return {
            "type": "branch", "name": name,
            "target": {"type": "commit", "hash": sha,
                       "repository": {"full_name": repo.name}},
            "links": {"html": {"href": f"{self.url}/{repo.name}/branch/{name}"}},
        }

    def hook_json(self, hook: Hook) -> dict[str, Any]:
        return {"type": "webhook_subscription", "uuid": hook.id, "url": hook.url,
                "description": "", "subject_type": "repository", "active": hook.active,
                "events": hook.events, "secret_set": bool(hook.secret),
                "created_at": stamp(now())}

    # -- deliveries -------------------------------------------------------------------

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        kind = "tag" if ref.startswith("refs/tags/") else "branch"
        name = ref.split("/", 2)[2]
        commits = [
            {"type": "commit", "hash": c["sha"], "message": c["message"], "date": c["date"],
             "author": {"type": "author", "raw": f"{c['name']} <{c['email']}>"},
             "links": {"html": {"href": f"{self.url}/{repo.name}/commits/{c['sha']}"}}}
            for c in reversed(repo.commits(before, after))
        ]
        zero = "0" * 40

        def side(sha: str) -> dict[str, Any] | None:
            if sha == zero:
                return None
            return {"type": kind, "name": name, "target": {"type": "commit", "hash": sha}}

        change = {
            "old": side(before), "new": side(after), "created": before == zero,
            "closed": after == zero, "forced": False, "truncated": len(commits) > 5,
            "commits": commits[:5],
        }
        payload = {"push": {"changes": [change]}, "repository": self.repo_json(repo),
                   "actor": self.user_json("alice")}
        return "repo:push", payload
