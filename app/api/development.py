"""``/api/v1/issues/{key}/...``: what an issue's Git panel and commits view show.

Only users with Browse Projects and View Development Tools on the issue see anything,
asked of Jira for the user in the token (cached briefly), and only repositories
associated with the issue's project are searched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import current_app, g, request

from app import creating
from app.api import bp
from app.atlassian import api_auth_required, jira_for
from app.cache import TTLCache
from app.errors import Problem
from app.extensions import db
from app.http import ApiError, ApiNotFound
from app.indexing.errors import GitError
from app.jira import permissions
from app.models import CommitKey
from app.store import compare, development, mirror_git

ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-[1-9][0-9]*$")
SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def _issue_cache() -> TTLCache[Any]:
    cache: TTLCache[Any] = current_app.extensions["permission_cache"]
    return cache


def authorize(key: str) -> dict[str, Any]:
    """The issue (id, project) if the user may see its development data; else a Problem."""
    key = key.upper()
    if not ISSUE_KEY.match(key):
        raise Problem(400, "invalid_issue_key", f"'{key}' is not a Jira issue key")
    tenant = g.tenant
    try:
        issue = _issue_cache().get_or_set(
            (tenant.id, "issue", key),
            lambda: jira_for(tenant).issue(key, fields="summary,project"),
        )
        allowed = permissions.can_view_development(tenant, g.account_id, issue_id=int(issue["id"]))
    except ApiNotFound as exc:
        raise Problem(404, "issue_not_found", f"issue {key} does not exist or is hidden") from exc
    except ApiError as exc:
        raise Problem(502, "jira_unavailable", "Jira did not answer; try again shortly.") from exc
    if not allowed:
        raise Problem(
            403, "forbidden", "You need Browse Projects and View Development Tools on this project."
        )
    fields = issue.get("fields") or {}
    return {"key": key, "id": issue["id"], "project": fields["project"]["key"],
            "summary": fields.get("summary") or ""}


@bp.get("/issues/<key>/development")
@api_auth_required
def issue_development(key: str) -> dict[str, Any]:
    issue = authorize(key)
    tenant_id = g.tenant.id
    repositories = development.visible_repositories(
        tenant_id, issue["project"], current_app.config["DATA_DIR"]
    )
    try:
        commits, next_cursor = development.commits(
            tenant_id, issue["key"], repositories, request.args.get("cursor")
        )
    except ValueError as exc:
        raise Problem(400, "invalid_cursor", str(exc)) from exc
    # Containment questions (tags, unmerged branches) use this page's commits.
    shas: dict[int, list[str]] = {}
    for commit in commits:  # in every repository that has it (a fork's own branches)
        for repository in [commit["repository"], *commit["also_in"]]:
            per_repository = shas.setdefault(repository["id"], [])
            if len(per_repository) < development.CONTAINS_LIMIT:
                per_repository.append(commit["sha"])
    branches, tags = development.branches_and_tags(tenant_id, issue["key"], repositories, shas)
    return {
        "issue": issue["key"],
        "commits": commits,
        "next": next_cursor,
        "branches": branches,
        "pull_requests": development.pull_requests(tenant_id, issue["key"], repositories),
        "tags": tags,
        # Whether the panel offers Create branch / Create pull request, and why not.
        "create": creating.offer([r.id for r in repositories]),
    }


@bp.get("/issues/<key>/commits/<int:repository_id>/<sha>/diff")
@api_auth_required
def commit_diff(key: str, repository_id: int, sha: str) -> dict[str, Any]:
    """One file's diff of a commit of the issue (``?path=``), shown on demand."""
    issue = authorize(key)
    path = request.args.get("path", "")
    if not SHA.match(sha) or not path or "\0" in path:
        raise Problem(400, "invalid_request", "a full commit sha and ?path= are required")
    repositories = {
        r.id: r
        for r in development.visible_repositories(
            g.tenant.id, issue["project"], current_app.config["DATA_DIR"]
        )
    }
    linked = db.session.execute(
        db.select(CommitKey.sha).where(
            CommitKey.tenant_id == g.tenant.id,
            CommitKey.issue_key == issue["key"],
            CommitKey.repository_id == repository_id,
            CommitKey.sha == sha,
        )
    ).first()
    if repository_id not in repositories or linked is None:
        raise Problem(404, "not_found", "that commit is not linked to this issue")
    return diff_answer(repositories[repository_id].mirror, repository_id, sha, path)


def diff_answer(mirror: Path, repository_id: int, sha: str, path: str,
                base: str | None = None) -> dict[str, Any]:
    """A file's diff for the pages (blobs a partial mirror lacks are fetched from the
    repository's host), or a Problem when git cannot give it."""
    try:
        return compare.file_diff(mirror, sha, path, base=base,
                                 remote=mirror_git.lazy_remote(repository_id))
    except GitError as exc:
        raise Problem(502, "diff_unavailable", exc.message) from exc
