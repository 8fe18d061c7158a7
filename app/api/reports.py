"""``/api/v1/issues/{key}/rollup`` and ``/api/v1/projects/{key}/commits``: an issue's
commits summed up, and a project's linked commits.

Roll Up is for the same users as the issue's Git panel (Browse Projects and View
Development Tools, asked of Jira for the issue); the project's commits for users with
Browse Projects on the project. Both read only repositories associated with the project.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, request

from app.api import bp
from app.api.development import authorize
from app.atlassian import api_auth_required
from app.errors import Problem
from app.extensions import db
from app.http import ApiError
from app.jira import permissions
from app.models import CommitKey, as_utc
from app.store import browsing, compare, development

PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]+$")


@bp.get("/issues/<key>/rollup")
@api_auth_required
def issue_rollup(key: str) -> dict[str, Any]:
    issue = authorize(key)
    repositories = development.visible_repositories(
        g.tenant.id, issue["project"], current_app.config["DATA_DIR"])
    return compare.rollup(g.tenant.id, issue["key"], repositories)


def _authorize_project(key: str) -> str:
    key = key.upper()
    if not PROJECT_KEY.match(key):
        raise Problem(400, "invalid_project_key", f"'{key[:100]}' is not a Jira project key")
    try:
        project = permissions.project_id(g.tenant, key)
        allowed = project is not None and permissions.can_browse_project(
            g.tenant, g.account_id, project)
    except ApiError as exc:
        raise Problem(502, "jira_unavailable", "Jira did not answer; try again shortly.") from exc
    if project is None:
        raise Problem(404, "project_not_found", f"project {key} does not exist or is hidden")
    if not allowed:
        raise Problem(403, "forbidden", "You need Browse Projects on this project.")
    return key


@bp.get("/projects/<key>/commits")
@api_auth_required
def project_commits(key: str) -> dict[str, Any]:
    """The project's linked commits, newest first, up to 1,000 per answer with ``next``."""
    key = _authorize_project(key)
    repositories = {r.id: r for r in development.visible_repositories(
        g.tenant.id, key, current_app.config["DATA_DIR"])}
    if not repositories:
        return {"project": key, "commits": [], "next": None}
    limit = development.PAGE_SIZE
    # One row per commit (a commit naming ABC-1 and ABC-2 is one commit of ABC, and a
    # commit in a fork and its upstream is one commit, under the repository connected
    # first), read along ix_commit_keys_project in order, so a page costs the same on
    # any project size.
    repository_id = sa.func.min(CommitKey.repository_id).label("repository_id")
    query = (
        sa.select(CommitKey.committed_at, CommitKey.sha, repository_id)
        .where(CommitKey.tenant_id == g.tenant.id, CommitKey.project_key == key,
               CommitKey.repository_id.in_(list(repositories)))
        .group_by(CommitKey.committed_at, CommitKey.sha)
        .order_by(CommitKey.committed_at.desc(), CommitKey.sha.desc())
        .limit(limit + 1)
    )
    cursor = request.args.get("cursor")
    if cursor:
        try:
            at, sha, _ = development.decode_cursor(cursor)
        except ValueError as exc:
            raise Problem(400, "invalid_cursor", str(exc)) from exc
        query = query.where(sa.tuple_(CommitKey.committed_at, CommitKey.sha) < sa.tuple_(at, sha))
    keys = db.session.execute(query).all()
    page = keys[:limit]
    commits = browsing.page_items(repositories, [(r.repository_id, r.sha) for r in page])
    next_cursor = None
    if len(keys) > limit:
        last = page[-1]
        next_cursor = development.encode_cursor(as_utc(last.committed_at), last.sha,
                                                last.repository_id)
    return {"project": key, "commits": commits, "next": next_cursor}
