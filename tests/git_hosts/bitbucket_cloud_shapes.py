"""What the Bitbucket Cloud contract tests share: the provider under test and its
answers, shaped like developer.atlassian.com's 2.0 examples."""

from __future__ import annotations

import base64
from typing import Any

from app.git_hosts.base import HostRepository
from app.git_hosts.bitbucket_cloud import BitbucketCloudProvider

API = "https://api.bitbucket.org/2.0"
BASIC = "Basic " + base64.b64encode(b"tutorials:ATBBapppassword").decode()


def bitbucket(**kwargs: Any) -> BitbucketCloudProvider:
    options: dict[str, Any] = {
        "base_url": None,
        "credentials": {"username": "tutorials", "password": "ATBBapppassword"},
        "auth_type": "basic",
    }
    options.update(kwargs)
    return BitbucketCloudProvider(**options)


def bb_error(message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "error": {"message": message, **extra}}


def bb_repo(full_name: str, **extra: Any) -> dict[str, Any]:
    """A repository as ``GET /repositories`` lists it (trimmed, same field names)."""
    workspace, slug = full_name.split("/")
    return {
        "type": "repository",
        "full_name": full_name,
        "name": slug,
        "slug": slug,
        "uuid": "{" + f"{sum(map(ord, full_name)):08d}-0000-4000-8000-000000000000" + "}",
        "is_private": True,
        "scm": "git",
        "workspace": {"type": "workspace", "slug": workspace, "name": workspace.title()},
        "mainbranch": {"type": "branch", "name": "main"},
        "links": {
            "self": {"href": f"{API}/repositories/{full_name}"},
            "html": {"href": f"https://bitbucket.org/{full_name}"},
            "clone": [
                {"name": "https", "href": f"https://tutorials@bitbucket.org/{full_name}.git"},
                {"name": "ssh", "href": f"git@bitbucket.org:{full_name}.git"},
            ],
        },
        **extra,
    }


REPO = HostRepository(
    name="atlassian/bbql",
    clone_https="https://bitbucket.org/atlassian/bbql.git",
    clone_ssh="git@bitbucket.org:atlassian/bbql.git",
    web_url="https://bitbucket.org/atlassian/bbql",
    default_branch="main",
    host_id="{9970a9b6-2d86-413f-8555-da8e1ac0e542}",
)
REPO_API = f"{API}/repositories/atlassian/bbql"


def user(name: str, approved: bool | None = None, role: str | None = None) -> dict[str, Any]:
    account = {
        "display_name": name,
        "type": "user",
        "uuid": "{" + name + "}",
        "nickname": name.lower(),
    }
    if approved is None:
        return account
    return {
        "type": "participant",
        "user": account,
        "role": role or "PARTICIPANT",
        "approved": approved,
        "state": "approved" if approved else None,
    }


def bb_pr(ident: int, updated: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "pullrequest",
        "id": ident,
        "title": f"ABC-{ident} Fix things",
        "description": "Fixes ABC-7",
        "state": "OPEN",
        "draft": False,
        "author": user("Tutorials"),
        "source": {
            "branch": {"name": f"feature/ABC-{ident}"},
            "commit": {"hash": "e1a1b2"},
            "repository": {"full_name": "atlassian/bbql"},
        },
        "destination": {
            "branch": {"name": "main"},
            "commit": {"hash": "f2c3d4"},
            "repository": {"full_name": "atlassian/bbql"},
        },
        "created_on": "2024-04-01T08:00:00.000000+00:00",
        "updated_on": updated,
        "links": {"html": {"href": f"https://bitbucket.org/atlassian/bbql/pull-requests/{ident}"}},
        "reviewers": [],
        "participants": [],
        **extra,
    }
