"""Read side of the index: what an issue's Git panel shows.

Commits come from ``commit_keys`` in index order (newest first, keyset pagination),
so an issue with thousands of commits costs the same per page as one with ten.
Branches come from branch names; tags (and branches holding the issue's unmerged
commits) are asked of the repository's mirror, where git answers containment
questions from its commit graph.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.indexing.errors import GitError
from app.indexing.gitcli import run_git
from app.models import (
    Branch,
    BranchKey,
    Commit,
    CommitKey,
    Integration,
    PullRequest,
    PullRequestKey,
    Repository,
    Tag,
    as_utc,
)
from app.smart_commits import status as smart_commits
from app.weblinks import link

PAGE_SIZE = 1000
#: Commits per repository used for containment questions (tags, unmerged branches).
CONTAINS_LIMIT = 200


@dataclass(frozen=True)
class VisibleRepository:
    id: int
    name: str
    web_url: str | None
    default_branch: str | None
    mirror: Path
    #: The integration's host kind: which page layout its links follow.
    kind: str | None = None


def visible_repositories(
    tenant_id: int, project_key: str, data_dir: str
) -> list[VisibleRepository]:
    """Repositories whose integration is enabled and associated with the project."""
    rows = db.session.execute(
        sa.select(Repository, Integration.settings, Integration.kind)
        .join(Integration, Repository.integration_id == Integration.id)
        .where(Repository.tenant_id == tenant_id, Integration.tenant_id == tenant_id)
        .where(Repository.status != "disabled")
    ).all()
    visible = []
    for repository, settings, kind in rows:
        settings = settings or {}
        if not settings.get("enabled", True):
            continue
        keys = (
            repository.project_keys
            if repository.project_keys is not None
            else settings.get("project_keys")
        )
        if keys is not None and project_key not in keys:
            continue
        visible.append(
            VisibleRepository(
                repository.id,
                repository.name,
                repository.web_url,
                repository.default_branch,
                Path(data_dir) / str(tenant_id) / f"{repository.id}.git",
                kind,
            )
        )
    return visible


def encode_cursor(committed_at: datetime, sha: str, repository_id: int) -> str:
    raw = json.dumps([committed_at.astimezone(UTC).isoformat(), sha, repository_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, sha, repository_id = json.loads(raw)
        return datetime.fromisoformat(at), str(sha), int(repository_id)
    except (ValueError, TypeError) as exc:
        raise ValueError("invalid cursor") from exc


def commits(
    tenant_id: int,
    issue_key: str,
    repositories: list[VisibleRepository],
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the issue's commits, newest first, each commit once.

    One commit in several repositories (a fork, a mirror, two integrations that see the
    same repository) is listed once, under the repository connected first, with the
    others in ``also_in``. Its rows are neighbours in index order (same time, same sha),
    so a page reads them together; the cursor is its last row, so the next page starts
    after all of them.
    """
    if not repositories:
        return [], None
    by_id = {r.id: r for r in repositories}
    order = (CommitKey.committed_at.desc(), CommitKey.sha.desc(), CommitKey.repository_id.desc())
    # Core rows, not ORM objects: a page of 1,000 commits is read-only data for JSON.
    query = (
        sa.select(*Commit.__table__.c, CommitKey.committed_at.label("key_at"))
        .select_from(Commit)
        .join(
            CommitKey,
            sa.and_(CommitKey.repository_id == Commit.repository_id, CommitKey.sha == Commit.sha),
        )
        .where(CommitKey.tenant_id == tenant_id, CommitKey.issue_key == issue_key)
        .where(CommitKey.repository_id.in_(list(by_id)))
        .order_by(*order)
        .limit(limit + 1)
    )
    after = decode_cursor(cursor) if cursor else None
    groups: list[list[Any]] = []  # one per commit: its rows, repository ids descending
    seen: set[str] = set()
    while len(groups) <= limit:  # the page, and one more to know there is a next page
        batch = query if after is None else query.where(
            sa.tuple_(CommitKey.committed_at, CommitKey.sha, CommitKey.repository_id)
            < sa.tuple_(*after))
        rows = db.session.execute(batch).all()
        for row in rows:
            if groups and groups[-1][0].sha == row.sha:
                groups[-1].append(row)
            elif row.sha not in seen:  # (a twin with another date: first one wins)
                seen.add(row.sha)
                groups.append([row])
        if len(rows) <= limit:
            break
        after = (rows[-1].key_at, rows[-1].sha, rows[-1].repository_id)
    page = groups[:limit]
    items = []
    for group in page:
        first = group[-1]  # the lowest repository id: the one connected first
        item = commit_json(first, by_id[first.repository_id])
        item["also_in"] = [{"id": r.repository_id, "name": by_id[r.repository_id].name}
                           for r in reversed(group[:-1])]
        items.append(item)
    smart_commits.attach(tenant_id, issue_key, items)
    next_cursor = None
    if len(groups) > limit:
        last = page[-1][-1]
        next_cursor = encode_cursor(as_utc(last.key_at), last.sha, last.repository_id)
    return items, next_cursor


def commit_json(c: Any, repository: VisibleRepository) -> dict[str, Any]:
    """A commit (ORM object or Core row) as the API shows it."""
    parents = c.parents.split() if c.parents else []
    return {
        "sha": c.sha,
        "short_sha": c.sha[:7],
        "repository": {"id": repository.id, "name": repository.name},
        "author": {"name": c.author_name, "email": c.author_email},
        "committer": {"name": c.committer_name, "email": c.committer_email},
        "date": as_utc(c.authored_at).isoformat(),
        "committed_at": as_utc(c.committed_at).isoformat(),
        "message": c.message,
        "url": link(repository.web_url, "commit", sha=c.sha, host_kind=repository.kind),
        "parents": parents,
        "is_merge": len(parents) > 1,
        "files": c.files or [],
        "stats_complete": c.stats_done,
    }


def _contains(
    repository: VisibleRepository, prefix: str, shas: list[str], extra: tuple[str, ...] = ()
) -> list[str]:
    """Refs under ``prefix`` containing any of ``shas`` (git answers the union)."""
    if not shas or not repository.mirror.exists():
        return []
    args = [
        "for-each-ref",
        "--format=%(refname)",
        *extra,
        *(f"--contains={s}" for s in shas[:CONTAINS_LIMIT]),
        prefix,
    ]
    try:
        out = run_git(args, git_dir=repository.mirror, timeout=30).stdout.decode("utf-8", "replace")
    except GitError:
        return []
    return [line[len(prefix) :] for line in out.splitlines() if line.startswith(prefix)]


def _unmerged(repository: VisibleRepository, shas: list[str], main: str | None) -> list[str]:
    """The issue's commits that are not on the main branch (yet)."""
    if not main or not shas or not repository.mirror.exists():
        return shas
    revs = "\n".join([*shas[:CONTAINS_LIMIT], f"^refs/heads/{main}"]) + "\n"
    try:
        out = run_git(["rev-list", "--stdin"], git_dir=repository.mirror, input=revs.encode(),
                      timeout=30).stdout.decode()
    except GitError:
        return shas
    off_main = set(out.split())
    return [s for s in shas if s in off_main]


def once(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
         ) -> list[dict[str, Any]]:
    """``items`` (in their order) without repeats: of several with one ``key`` (a branch
    with the same name and tip in a repository and its mirror) the one in the repository
    connected first stays, as for commits."""
    kept: dict[Any, dict[str, Any]] = {}
    for item in sorted(items, key=lambda i: i["repository"]["id"]):
        kept.setdefault(key(item), item)
    keep = {id(item) for item in kept.values()}
    return [item for item in items if id(item) in keep]


def pull_requests(
    tenant_id: int, issue_key: str, repositories: list[VisibleRepository]
) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in repositories}
    rows = db.session.execute(
        sa.select(PullRequest)
        .join(PullRequestKey, PullRequestKey.pull_request_id == PullRequest.id)
        .where(PullRequestKey.tenant_id == tenant_id, PullRequestKey.issue_key == issue_key)
        .where(PullRequest.repository_id.in_(list(by_id)))
        .order_by(PullRequest.updated_at.desc().nulls_last(), PullRequest.id.desc())
    ).scalars()
    return once([
        {
            "id": pr.number,
            "title": pr.title,
            "state": pr.state,
            "source": pr.source_branch,
            "target": pr.target_branch,
            "url": pr.url,
            "author": {"name": pr.author_name},
            "reviewers": pr.reviewers or [],
            "updated_at": as_utc(pr.updated_at).isoformat() if pr.updated_at else None,
            "repository": {"id": pr.repository_id, "name": by_id[pr.repository_id].name},
        }
        for pr in rows
    ], key=lambda pr: pr["url"] or (pr["repository"]["id"], pr["id"]))


def branches_and_tags(
    tenant_id: int,
    issue_key: str,
    repositories: list[VisibleRepository],
    commit_shas: dict[int, list[str]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_id = {r.id: r for r in repositories}
    wanted: dict[int, set[str]] = {}
    for repository_id, name in db.session.execute(
        sa.select(Branch.repository_id, Branch.name)
        .join(BranchKey, BranchKey.branch_id == Branch.id)
        .where(BranchKey.tenant_id == tenant_id, BranchKey.issue_key == issue_key)
        .where(Branch.repository_id.in_(list(by_id)))
    ):
        wanted.setdefault(repository_id, set()).add(name)
    tags: list[dict[str, Any]] = []
    for repository_id, shas in commit_shas.items():
        repository = by_id[repository_id]
        main = repository.default_branch
        extra = (f"--no-merged=refs/heads/{main}",) if main else ()
        # Branches holding the issue's commits that main does not have yet.
        pending = _unmerged(repository, shas, main)
        unmerged = [b for b in _contains(repository, "refs/heads/", pending, extra) if b != main]
        wanted.setdefault(repository_id, set()).update(unmerged)
        tag_names = _contains(repository, "refs/tags/", shas)
        if tag_names:
            for tag in db.session.execute(
                sa.select(Tag)
                .where(Tag.repository_id == repository_id, Tag.name.in_(tag_names))
                .order_by(Tag.name)
            ).scalars():
                tags.append(
                    {
                        "name": tag.name,
                        "sha": tag.sha,
                        "annotation": tag.annotation,
                        "repository": {"id": repository.id, "name": repository.name},
                        "url": link(repository.web_url, "tag", name=tag.name,
                                    host_kind=repository.kind),
                    }
                )
    branches = []
    for repository_id, names in wanted.items():
        if not names:
            continue
        repository = by_id[repository_id]
        rows = db.session.execute(
            sa.select(Branch)
            .where(Branch.repository_id == repository_id, Branch.name.in_(sorted(names)))
            .order_by(Branch.name)
        ).scalars()
        for branch in rows:
            last = db.session.execute(
                sa.select(Commit).where(
                    Commit.repository_id == repository_id, Commit.sha == branch.sha
                )
            ).scalar_one_or_none()
            branches.append(
                {
                    "name": branch.name,
                    "repository": {"id": repository.id, "name": repository.name},
                    "url": link(repository.web_url, "branch", name=branch.name,
                                host_kind=repository.kind),
                    "ahead": branch.ahead,
                    "behind": branch.behind,
                    "last_commit": commit_json(last, repository) if last else {"sha": branch.sha},
                }
            )
    return (once(branches, key=lambda b: (b["name"], b["last_commit"]["sha"])),
            once(tags, key=lambda t: (t["name"], t["sha"])))
