"""What the Bitbucket Server / Data Center contract tests share: the provider under
test and its REST 1.0 answers as its reference shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.git_hosts.base import HostRepository
from app.git_hosts.bitbucket_server import BitbucketServerProvider

ROOT = "https://bitbucket.example.com"
API = f"{ROOT}/rest/api/1.0"
TOKEN = "BBDC-NzQ0NjU4ODk0MzU2OtVS9n7dZ"


def server(**kwargs: Any) -> BitbucketServerProvider:
    options: dict[str, Any] = {
        "base_url": ROOT,
        "credentials": {"token": TOKEN},
        "auth_type": "pat",
    }
    options.update(kwargs)
    return BitbucketServerProvider(**options)


def bbs_errors(message: str, exception: str) -> dict[str, Any]:
    return {"errors": [{"context": None, "message": message, "exceptionName": exception}]}


def bbs_repo(key: str, slug: str, ident: int) -> dict[str, Any]:
    return {
        "slug": slug,
        "id": ident,
        "name": slug.title(),
        "hierarchyId": "e3c939f9ef4a7fae272e",
        "scmId": "git",
        "state": "AVAILABLE",
        "forkable": True,
        "project": {"key": key, "id": 1, "name": "My Cool Project", "type": "NORMAL"},
        "public": False,
        "links": {
            "clone": [
                {
                    "href": f"ssh://git@bitbucket.example.com:7999/{key.lower()}/{slug}.git",
                    "name": "ssh",
                },
                {
                    "href": f"https://admin@bitbucket.example.com/scm/{key.lower()}/{slug}.git",
                    "name": "http",
                },
            ],
            "self": [{"href": f"{ROOT}/projects/{key}/repos/{slug}/browse"}],
        },
    }


REPO = HostRepository(
    name="PRJ/my-repo",
    clone_https=f"{ROOT}/scm/prj/my-repo.git",
    clone_ssh="ssh://git@bitbucket.example.com:7999/prj/my-repo.git",
    web_url=f"{ROOT}/projects/PRJ/repos/my-repo/browse",
    default_branch=None,
    host_id="1",
)
REPO_API = f"{API}/projects/PRJ/repos/my-repo"


def bbs_pr(ident: int, updated_ms: int, **extra: Any) -> dict[str, Any]:
    ref = {"repository": {"slug": "my-repo", "project": {"key": "PRJ"}}}
    return {
        "id": ident,
        "version": 1,
        "title": f"ABC-{ident} Talking Nerdy",
        "description": "It's a kludge, but put the tuple from the database in the cache.",
        "state": "OPEN",
        "open": True,
        "closed": False,
        "draft": False,
        "createdDate": 1359075920000,
        "updatedDate": updated_ms,
        "fromRef": {
            "id": f"refs/heads/feature-ABC-{ident}",
            "displayId": f"feature-ABC-{ident}",
            **ref,
        },
        "toRef": {"id": "refs/heads/master", "displayId": "master", **ref},
        "locked": False,
        "author": {
            "user": {
                "name": "tom",
                "emailAddress": "tom@example.com",
                "id": 115026,
                "displayName": "Tom",
                "slug": "tom",
            },
            "role": "AUTHOR",
            "approved": False,
            "status": "UNAPPROVED",
        },
        "reviewers": [],
        "participants": [],
        "links": {"self": [{"href": f"{ROOT}/projects/PRJ/repos/my-repo/pull-requests/{ident}"}]},
        **extra,
    }


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)
