"""What the GitLab contract tests share: the provider under test and GitLab's
answers, shaped like docs.gitlab.com's REST v4 examples."""

from __future__ import annotations

from typing import Any

from app.git_hosts.base import HostRepository
from app.git_hosts.gitlab import GitLabProvider

API = "https://gitlab.com/api/v4"
TOKEN = "glpat-xxxxxxxxxxxxxxxxxxxx"


def gitlab(**kwargs: Any) -> GitLabProvider:
    options: dict[str, Any] = {
        "base_url": None,
        "credentials": {"token": TOKEN},
        "auth_type": "pat",
    }
    options.update(kwargs)
    return GitLabProvider(**options)


def gl_project(ident: int, path_with_namespace: str, **extra: Any) -> dict[str, Any]:
    """A project as ``GET /projects`` lists it (trimmed, same field names)."""
    name = path_with_namespace.rsplit("/", 1)[-1]
    return {
        "id": ident,
        "description": None,
        "name": name,
        "name_with_namespace": path_with_namespace.replace("/", " / "),
        "path": name,
        "path_with_namespace": path_with_namespace,
        "created_at": "2013-09-30T13:46:02Z",
        "default_branch": "main",
        "ssh_url_to_repo": f"git@gitlab.com:{path_with_namespace}.git",
        "http_url_to_repo": f"https://gitlab.com/{path_with_namespace}.git",
        "web_url": f"https://gitlab.com/{path_with_namespace}",
        "visibility": "private",
        "archived": False,
        "namespace": {"id": 3, "name": "Diaspora", "path": "diaspora", "kind": "group"},
        "last_activity_at": "2013-09-30T13:46:02Z",
        **extra,
    }


REPO = HostRepository(
    name="diaspora/diaspora-client",
    clone_https="https://gitlab.com/diaspora/diaspora-client.git",
    clone_ssh="git@gitlab.com:diaspora/diaspora-client.git",
    web_url="https://gitlab.com/diaspora/diaspora-client",
    default_branch="main",
    host_id="4",
)
PROJECT = f"{API}/projects/4"


def gl_mr(iid: int, updated: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": 1000 + iid,
        "iid": iid,
        "project_id": 4,
        "title": f"ABC-{iid} Add login",
        "description": "Closes ABC-1",
        "state": "opened",
        "created_at": "2024-04-01T08:00:00.000Z",
        "updated_at": updated,
        "target_branch": "main",
        "source_branch": f"feature/ABC-{iid}",
        "author": {"id": 1, "username": "admin", "name": "Administrator"},
        "reviewers": [],
        "draft": False,
        "work_in_progress": False,
        "merge_status": "can_be_merged",
        "web_url": f"https://gitlab.com/diaspora/diaspora-client/-/merge_requests/{iid}",
        **extra,
    }
