"""The JSON shapes of the fake GitLab (``gitlab.py``), as docs.gitlab.com documents
them: users, projects, merge requests, branches, commits, hooks and the push hook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.fake_hosts.state import FakeRepo, Hook, HostUser, Pull, iso, now

#: our pull request states -> GitLab's merge request ``state``
MR_STATES = {"open": "opened", "draft": "opened", "merged": "merged", "declined": "closed"}


class GitLabShapes:
    """Mixed into ``FakeGitLab`` (before ``FakeHost``, whose ``add_user`` it uses)."""

    url: str

    if TYPE_CHECKING:  # provided by FakeHost

        def add_user(self, login: str, name: str | None = None, email: str | None = None
                     ) -> HostUser: ...

    def user_json(self, login: str) -> dict[str, Any]:
        user = self.add_user(login)
        return {"id": user.id, "username": user.login, "name": user.name, "state": "active",
                "avatar_url": f"{self.url}/uploads/{user.login}.png",
                "web_url": f"{self.url}/{user.login}"}

    def project_json(self, repo: FakeRepo) -> dict[str, Any]:
        namespace = repo.owner
        return {
            "id": repo.id, "description": None, "name": repo.slug,
            "name_with_namespace": f"{namespace} / {repo.slug}", "path": repo.slug,
            "path_with_namespace": repo.name, "created_at": iso(now()),
            "default_branch": repo.default_branch, "tag_list": [], "topics": [],
            "ssh_url_to_repo": f"git@127.0.0.1:{repo.name}.git",
            "http_url_to_repo": f"{self.url}/{repo.name}.git",
            "web_url": f"{self.url}/{repo.name}", "readme_url": None,
            "namespace": {"id": 9, "name": namespace, "path": namespace.rsplit("/", 1)[-1],
                          "kind": "group", "full_path": namespace},
            "archived": False, "visibility": "private", "empty_repo": False,
            "last_activity_at": iso(now()),
        }

    def mr_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        return {
            "id": 7000 + pull.number, "iid": pull.number, "project_id": repo.id,
            "title": ("Draft: " if pull.state == "draft" else "") + pull.title,
            "description": pull.description, "state": MR_STATES[pull.state],
            "created_at": iso(pull.created_at), "updated_at": iso(pull.updated_at),
            "merged_at": iso(pull.updated_at) if pull.state == "merged" else None,
            "closed_at": iso(pull.updated_at) if pull.state == "declined" else None,
            "target_branch": pull.target, "source_branch": pull.source,
            "source_project_id": repo.id, "target_project_id": repo.id,
            "author": self.user_json(pull.author.login),
            "reviewers": [self.user_json(user.login) for user, _ in pull.reviewers],
            "draft": pull.state == "draft", "work_in_progress": pull.state == "draft",
            "merge_status": "can_be_merged", "sha": repo.sha(pull.source),
            "web_url": f"{self.url}/{repo.name}/-/merge_requests/{pull.number}",
            "references": {"short": f"!{pull.number}", "full": f"{repo.name}!{pull.number}"},
        }

    def branch_json(self, repo: FakeRepo, name: str, sha: str) -> dict[str, Any]:
        return {
            "name": name, "merged": False, "protected": name == repo.default_branch,
            "default": name == repo.default_branch, "developers_can_push": False,
            "developers_can_merge": False, "can_push": True,
            "web_url": f"{self.url}/{repo.name}/-/tree/{name}",
            "commit": self.commit_json(repo, sha),
        }

    def commit_json(self, repo: FakeRepo, sha: str) -> dict[str, Any]:
        out = repo.git("show", "-s", "--format=%an%x1f%ae%x1f%aI%x1f%B", sha)
        name, email, date, message = out.split("\x1f", 3)
        return {"id": sha, "short_id": sha[:8], "title": message.splitlines()[0] if message else "",
                "message": message, "author_name": name, "author_email": email,
                "authored_date": date, "committer_name": name, "committer_email": email,
                "committed_date": date, "created_at": date, "parent_ids": [],
                "web_url": f"{self.url}/{repo.name}/-/commit/{sha}"}

    def hook_json(self, repo: FakeRepo, hook: Hook) -> dict[str, Any]:
        return {"id": int(hook.id), "url": hook.url, "project_id": repo.id,
                "push_events": "push_events" in hook.events,
                "merge_requests_events": "merge_requests_events" in hook.events,
                "tag_push_events": "tag_push_events" in hook.events,
                "enable_ssl_verification": True, "created_at": iso(now())}

    # -- deliveries -------------------------------------------------------------------

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        commits = [
            {"id": c["sha"], "message": c["message"], "title": c["message"].splitlines()[0],
             "timestamp": c["date"], "url": f"{self.url}/{repo.name}/-/commit/{c['sha']}",
             "author": {"name": c["name"], "email": c["email"]},
             "added": c["added"], "modified": c["modified"], "removed": c["removed"]}
            for c in repo.commits(before, after)
        ]
        project = self.project_json(repo)
        payload = {
            "object_kind": "push", "event_name": "push", "before": before, "after": after,
            "ref": ref, "ref_protected": False, "checkout_sha": after, "user_id": 1,
            "user_name": "Alice", "user_username": "alice", "user_email": "alice@example.com",
            "project_id": repo.id,
            "project": {
                "id": repo.id, "name": repo.slug, "description": None,
                "web_url": project["web_url"], "git_ssh_url": project["ssh_url_to_repo"],
                "git_http_url": project["http_url_to_repo"], "namespace": repo.owner,
                "visibility_level": 0, "path_with_namespace": repo.name,
                "default_branch": repo.default_branch, "homepage": project["web_url"],
                "url": project["ssh_url_to_repo"], "ssh_url": project["ssh_url_to_repo"],
                "http_url": project["http_url_to_repo"],
            },
            "commits": commits[-20:], "total_commits_count": len(commits),
            "repository": {"name": repo.slug, "url": project["ssh_url_to_repo"],
                           "homepage": project["web_url"],
                           "git_http_url": project["http_url_to_repo"],
                           "git_ssh_url": project["ssh_url_to_repo"]},
        }
        return "Push Hook", payload
