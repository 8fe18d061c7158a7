"""``/api/v1/repositories...``: the Repository Browser and Compare.

A user may browse a repository when it is associated with at least one project on which
Jira grants them Browse Projects and View Development Tools (asked of Jira once for all
projects, cached briefly). Any other repository, including another tenant's, answers
404 exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from app.api import bp
from app.api.development import SHA, diff_answer
from app.atlassian import api_auth_required
from app.errors import Problem
from app.http import ApiError
from app.jira import permissions
from app.store import browsing, compare, mirror_git
from app.store.browsing import BrowsableRepository

PAGE = 100
MAX_PAGE = 1000
#: Commits of a compare range per answer (the summary always covers the whole range).
COMMITS_PAGE = 100


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Problem(400, "invalid_request", f"?{name}= must be a whole number") from None
    if not low <= value <= high:
        raise Problem(400, "invalid_request", f"?{name}= must be between {low} and {high}")
    return value


def _browsable() -> list[BrowsableRepository]:
    try:
        projects = permissions.projects_with(g.tenant, g.account_id)
    except ApiError as exc:
        raise Problem(502, "jira_unavailable", "Jira did not answer; try again shortly.") from exc
    return browsing.browsable(g.tenant.id, projects, current_app.config["DATA_DIR"])


def _repository(repository_id: int) -> BrowsableRepository:
    for repository in _browsable():
        if repository.id == repository_id:
            return repository
    raise Problem(404, "not_found", f"no repository {repository_id}")


def _mirror(repository: BrowsableRepository) -> None:
    if not repository.mirror.exists():
        raise Problem(409, "not_indexed", f"{repository.name} has not been indexed yet; "
                      "its history shows once its first index finishes.")


def _revision(repository: BrowsableRepository, name: str, what: str) -> str:
    name = name.strip()
    if not name:
        raise Problem(400, "invalid_request", f"?{what}= (a branch, tag or commit) is required")
    sha = mirror_git.resolve(repository.mirror, name)
    if sha is None:
        raise Problem(404, "unknown_revision",
                      f"{repository.name} has no branch, tag or commit '{name[:100]}'")
    return sha


@bp.get("/repositories")
@api_auth_required
def browse_repositories() -> dict[str, Any]:
    """``?q=`` (name or integration contains), ``?start=&limit=`` (by name)."""
    repositories = _browsable()
    q = request.args.get("q", "").strip().lower()[:200]
    if q:
        repositories = [r for r in repositories
                        if q in r.name.lower() or q in r.integration_name.lower()]
    start = _int_arg("start", 0, 0, 10**9)
    limit = _int_arg("limit", PAGE, 1, MAX_PAGE)
    page = repositories[start:start + limit]
    more = start + limit < len(repositories)
    return {"repositories": [browsing.summary(r) for r in page], "total": len(repositories),
            "start": start, "limit": limit, "next": start + limit if more else None}


@bp.get("/repositories/<int:repository_id>/refs")
@api_auth_required
def repository_refs(repository_id: int) -> dict[str, Any]:
    """The repository (as listed) with its branches (main first) and tags."""
    repository = _repository(repository_id)
    return {"repository": browsing.summary(repository), **browsing.refs(repository.id)}


@bp.get("/repositories/<int:repository_id>/commits")
@api_auth_required
def repository_commits(repository_id: int) -> dict[str, Any]:
    """``?branch=`` (none: every indexed commit), ``?filter=all|linked|unlinked``,
    ``?cursor=``, ``?limit=`` (default 100)."""
    repository = _repository(repository_id)
    kind = request.args.get("filter", "all") or "all"
    if kind not in browsing.FILTERS:
        raise Problem(400, "invalid_filter", "?filter= must be all, linked or unlinked")
    limit = _int_arg("limit", PAGE, 1, MAX_PAGE)
    cursor = request.args.get("cursor") or None
    branch = request.args.get("branch", "").strip()
    scanned = None
    try:
        if branch:
            _mirror(repository)
            tip = mirror_git.resolve(repository.mirror, branch) if not cursor else ""
            if tip is None:
                raise Problem(404, "unknown_branch", f"{repository.name} has no branch "
                              f"or tag '{branch[:100]}'")
            commits, next_cursor, scanned = browsing.branch_commits(
                repository, tip, kind, cursor, limit)
        else:
            commits, next_cursor = browsing.database_commits(repository, kind, cursor, limit)
    except ValueError as exc:
        raise Problem(400, "invalid_cursor", "the cursor is not one this call gave out") from exc
    except mirror_git.GitError as exc:
        raise Problem(502, "git_unavailable", exc.message) from exc
    return {"repository": {"id": repository.id, "name": repository.name},
            "branch": branch or None, "filter": kind, "commits": commits,
            "next": next_cursor, "scanned": scanned}


@bp.get("/repositories/<int:repository_id>/commits/<sha>/diff")
@api_auth_required
def repository_commit_diff(repository_id: int, sha: str) -> dict[str, Any]:
    """One file's diff of one commit of the repository (``?path=``)."""
    repository = _repository(repository_id)
    path = request.args.get("path", "")
    if not SHA.match(sha) or not path or "\0" in path:
        raise Problem(400, "invalid_request", "a full commit sha and ?path= are required")
    _mirror(repository)
    return diff_answer(repository.mirror, repository.id, sha, path)


def _range(repository: BrowsableRepository) -> tuple[str, str]:
    _mirror(repository)
    return (_revision(repository, request.args.get("base", ""), "base"),
            _revision(repository, request.args.get("head", ""), "head"))


@bp.get("/repositories/<int:repository_id>/compare")
@api_auth_required
def compare_refs(repository_id: int) -> dict[str, Any]:
    """``?base=&head=``: the commits in ``base..head``, the net diff, who changed what,
    and the issues the range mentions. ``?cursor=`` (an answer's ``next``) pages the
    commit list only, newest first; a client passes the first answer's ``base.sha`` and
    ``head.sha`` with it, so a branch that moves meanwhile does not shift the pages."""
    repository = _repository(repository_id)
    base, head = _range(repository)
    cursor = request.args.get("cursor", "")
    if cursor and not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 6):
        raise Problem(400, "invalid_cursor", f"?cursor= '{cursor[:40]}' is not one this call "
                      "gave out: pass an answer's next, or leave it out for the newest commits")
    try:
        shas, truncated = compare.range_shas(repository.mirror, base, head)
        files, files_truncated = compare.net_files(repository.mirror, base, head,
                                                   mirror_git.lazy_remote(repository.id))
    except mirror_git.GitError as exc:
        raise Problem(502, "git_unavailable", exc.message) from exc
    offset = int(cursor or 0)
    if offset and offset >= len(shas):
        raise Problem(400, "invalid_cursor", f"?cursor={offset} is past the end of the range "
                      f"({len(shas)} commits): pass an answer's next, or leave it out for the "
                      "newest commits")
    page = shas[offset:offset + COMMITS_PAGE]
    more = offset + COMMITS_PAGE < len(shas)
    summary = compare.range_summary(repository, shas)
    return {
        "repository": {"id": repository.id, "name": repository.name},
        "base": {"ref": request.args["base"], "sha": base},
        "head": {"ref": request.args["head"], "sha": head},
        "total_commits": len(shas), "range_truncated": truncated,
        "commits": browsing.commit_items(repository, page),
        "next": str(offset + COMMITS_PAGE) if more else None,
        "files": files, "files_truncated": files_truncated,
        "lines": {"added": sum(f["added"] or 0 for f in files),
                  "removed": sum(f["removed"] or 0 for f in files)},
        **summary,
    }


@bp.get("/repositories/<int:repository_id>/compare/diff")
@api_auth_required
def compare_diff(repository_id: int) -> dict[str, Any]:
    """One file's net diff from ``base`` to ``head`` (``?path=``)."""
    repository = _repository(repository_id)
    base, head = _range(repository)
    path = request.args.get("path", "")
    if not path or "\0" in path:
        raise Problem(400, "invalid_request", "?path= is required")
    return diff_answer(repository.mirror, repository.id, head, path, base=base)
