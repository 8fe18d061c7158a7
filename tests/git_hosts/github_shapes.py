"""What the GitHub contract tests share: the provider under test and GitHub's
answers, shaped like docs.github.com's examples (REST 2022-11-28)."""

from __future__ import annotations

from typing import Any

from app.git_hosts.base import HostRepository
from app.git_hosts.github import GitHubProvider

API = "https://api.github.com"
TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
DOCS = "https://docs.github.com/rest"
PULLS_QUERY = "state=all&sort=updated&direction=desc&per_page=100"


def github(**kwargs: Any) -> GitHubProvider:
    options: dict[str, Any] = {
        "base_url": None,
        "credentials": {"token": TOKEN},
        "auth_type": "pat",
    }
    options.update(kwargs)
    return GitHubProvider(**options)


def gh_repo(owner: str, name: str, ident: int, **extra: Any) -> dict[str, Any]:
    """A repository as ``GET /user/repos`` lists it (trimmed, same field names)."""
    full = f"{owner}/{name}"
    return {
        "id": ident,
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": name,
        "full_name": full,
        "private": False,
        "owner": {"login": owner, "id": 1, "type": "Organization"},
        "html_url": f"https://github.com/{full}",
        "description": "This your first repo!",
        "fork": False,
        "url": f"{API}/repos/{full}",
        "clone_url": f"https://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "default_branch": "main",
        "archived": False,
        "visibility": "public",
        "pushed_at": "2011-01-26T19:06:43Z",
        "permissions": {"admin": False, "push": True, "pull": True},
        **extra,
    }


REPO = HostRepository(
    name="octocat/Hello-World",
    clone_https="https://github.com/octocat/Hello-World.git",
    clone_ssh="git@github.com:octocat/Hello-World.git",
    web_url="https://github.com/octocat/Hello-World",
    default_branch="main",
    host_id="1296269",
)


def gh_pull(number: int, updated: str, **extra: Any) -> dict[str, Any]:
    """A pull request as ``GET /repos/{o}/{r}/pulls`` lists it (trimmed)."""
    return {
        "url": f"{API}/repos/octocat/Hello-World/pulls/{number}",
        "id": 1000 + number,
        "html_url": f"https://github.com/octocat/Hello-World/pull/{number}",
        "number": number,
        "state": "open",
        "locked": False,
        "title": f"ABC-{number} Amazing new feature",
        "user": {"login": "octocat", "id": 1},
        "body": "Please pull these awesome changes in!",
        "created_at": "2011-01-26T19:01:12Z",
        "updated_at": updated,
        "closed_at": None,
        "merged_at": None,
        "requested_reviewers": [],
        "requested_teams": [],
        "head": {"label": "octocat:new-topic", "ref": f"feature/ABC-{number}", "sha": "6dcb09b"},
        "base": {"label": "octocat:main", "ref": "main", "sha": "6dcb09b"},
        "draft": False,
        **extra,
    }


def error(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "documentation_url": DOCS, **extra}
