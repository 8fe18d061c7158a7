"""Read side of the Repository Browser: which repositories a user may browse, their
last commit and last issue, and a repository's commits (all, or one branch's history)
filtered to those that mention an issue key or those that do not.

Without a branch the commits come from the database, newest first by keyset on
``(committed_at, sha)``; a branch's history is git's (``rev-list`` of its tip, pinned in
the cursor so paging is stable while the branch moves), with issue keys looked up per
batch of commits.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Branch, Commit, CommitKey, Integration, Repository, Tag, as_utc
from app.store import mirror_git
from app.store.development import VisibleRepository, commit_json, decode_cursor, encode_cursor

FILTERS = ("all", "linked", "unlinked")
#: A branch scan for linked/unlinked commits stops after this many commits and hands
#: back a cursor, so one request never walks a whole million-commit history.
SCAN_LIMIT = 100_000
BATCH = 1000


@dataclass(frozen=True)
class BrowsableRepository(VisibleRepository):
    integration_id: int = 0
    integration_name: str = ""
    kind: str = ""
    status: str = ""
    project_keys: tuple[str, ...] | None = None


def browsable(tenant_id: int, projects: set[str], data_dir: str) -> list[BrowsableRepository]:
    """Enabled repositories associated with at least one of ``projects`` (those the
    user may browse), by name."""
    if not projects:
        return []
    rows = db.session.execute(
        sa.select(Repository, Integration)
        .join(Integration, Repository.integration_id == Integration.id)
        .where(Repository.tenant_id == tenant_id, Integration.tenant_id == tenant_id)
        .where(Repository.status != "disabled")
        .order_by(sa.func.lower(Repository.name), Repository.id)
    ).all()
    found = []
    for repository, integration in rows:
        settings = integration.settings or {}
        if not settings.get("enabled", True):
            continue
        keys = repository.project_keys
        if keys is None:
            keys = settings.get("project_keys")
        if keys is not None and not projects & set(keys):
            continue
        found.append(BrowsableRepository(
            repository.id, repository.name, repository.web_url, repository.default_branch,
            Path(data_dir) / str(tenant_id) / f"{repository.id}.git",
            integration_id=integration.id, integration_name=integration.display_name,
            kind=integration.kind, status=repository.status,
            project_keys=tuple(keys) if keys is not None else None))
    return found


def issue_keys(repository_id: int, shas: Iterable[str]) -> dict[str, list[str]]:
    """``{sha: [keys]}`` for the commits of ``shas`` that mention any."""
    found: dict[str, list[str]] = {}
    shas = list(shas)
    for start in range(0, len(shas), BATCH):
        for sha, key in db.session.execute(
            sa.select(CommitKey.sha, CommitKey.issue_key)
            .where(CommitKey.repository_id == repository_id,
                   CommitKey.sha.in_(shas[start:start + BATCH]))
            .order_by(CommitKey.issue_key)
        ):
            found.setdefault(sha, []).append(key)
    return found


def _newest(query: Any) -> Any:
    return db.session.execute(query.order_by(sa.desc("committed_at")).limit(1)).first()


def summary(repository: BrowsableRepository) -> dict[str, Any]:
    """A repository as the browser lists it: with its last commit and last issue."""
    last = _newest(sa.select(*Commit.__table__.c).where(Commit.repository_id == repository.id))
    last_commit = None
    if last is not None:
        last_commit = {
            "sha": last.sha, "date": as_utc(last.committed_at).isoformat(),
            "author": {"name": last.author_name, "email": last.author_email},
            "message": last.message.split("\n", 1)[0][:300],
            "issue_keys": issue_keys(repository.id, [last.sha]).get(last.sha, []),
        }
    linked = _newest(sa.select(CommitKey.issue_key, CommitKey.committed_at)
                     .where(CommitKey.repository_id == repository.id))
    return {
        "id": repository.id, "name": repository.name, "status": repository.status,
        "default_branch": repository.default_branch, "url": repository.web_url,
        "integration": {"id": repository.integration_id, "name": repository.integration_name,
                        "kind": repository.kind},
        "project_keys": list(repository.project_keys) if repository.project_keys else None,
        "last_commit": last_commit,
        "last_issue": {"key": linked.issue_key, "date": as_utc(linked.committed_at).isoformat()}
        if linked is not None else None,
    }


def refs(repository_id: int) -> dict[str, Any]:
    branches = db.session.execute(
        sa.select(Branch).where(Branch.repository_id == repository_id)
        .order_by(Branch.is_main.desc(), Branch.name)).scalars()
    tags = db.session.execute(
        sa.select(Tag).where(Tag.repository_id == repository_id).order_by(Tag.name)).scalars()
    return {
        "branches": [{"name": b.name, "sha": b.sha, "is_main": b.is_main, "ahead": b.ahead,
                      "behind": b.behind} for b in branches],
        "tags": [{"name": t.name, "sha": t.sha} for t in tags],
    }


# -- commits ----------------------------------------------------------------------------


def _rows(repository_id: int, shas: list[str]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for start in range(0, len(shas), BATCH):
        for row in db.session.execute(
            sa.select(*Commit.__table__.c).where(
                Commit.repository_id == repository_id,
                Commit.sha.in_(shas[start:start + BATCH]))
        ):
            rows[row.sha] = row
    return rows


def page_items(repositories: dict[int, VisibleRepository],
               pairs: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """Commits of several repositories, ``pairs`` of (repository id, sha) in that order,
    with their issue keys: two queries for the whole page."""
    if not pairs:
        return []
    by_repository: dict[int, list[str]] = {}
    for repository_id, sha in pairs:
        by_repository.setdefault(repository_id, []).append(sha)

    def where(table: Any) -> Any:
        # One index range per repository (OR of them), not a row-value IN, which
        # PostgreSQL plans as a scan of the whole table.
        return sa.or_(*(sa.and_(table.repository_id == r, table.sha.in_(shas))
                        for r, shas in by_repository.items()))

    rows = {(r.repository_id, r.sha): r for r in db.session.execute(
        sa.select(*Commit.__table__.c).where(where(Commit)))}
    keys: dict[tuple[int, str], list[str]] = {}
    for repository_id, sha, key in db.session.execute(
            sa.select(CommitKey.repository_id, CommitKey.sha, CommitKey.issue_key)
            .where(where(CommitKey)).order_by(CommitKey.issue_key)):
        keys.setdefault((repository_id, sha), []).append(key)
    return [{**commit_json(rows[p], repositories[p[0]]), "issue_keys": keys.get(p, [])}
            for p in pairs if p in rows]


def commit_items(repository: VisibleRepository, shas: list[str]) -> list[dict[str, Any]]:
    """Commits of ``shas`` (in that order) with their issue keys; shas the index does
    not have yet (indexing still running) are left out."""
    rows = _rows(repository.id, shas)
    keys = issue_keys(repository.id, shas)
    return [{**commit_json(rows[s], repository), "issue_keys": keys.get(s, [])}
            for s in shas if s in rows]


def database_commits(repository: VisibleRepository, kind: str, cursor: str | None,
                     limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Every indexed commit of the repository (all branches), newest first."""
    linked = sa.exists().where(CommitKey.repository_id == Commit.repository_id,
                               CommitKey.sha == Commit.sha)
    query = (sa.select(Commit.sha, Commit.committed_at)
             .where(Commit.repository_id == repository.id)
             .order_by(Commit.committed_at.desc(), Commit.sha.desc()).limit(limit + 1))
    if kind == "linked":
        query = query.where(linked)
    elif kind == "unlinked":
        query = query.where(~linked)
    if cursor:
        at, sha, _ = decode_cursor(cursor)
        query = query.where(sa.tuple_(Commit.committed_at, Commit.sha) < sa.tuple_(at, sha))
    rows = db.session.execute(query).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(as_utc(page[-1].committed_at), page[-1].sha, repository.id)
    return commit_items(repository, [r.sha for r in page]), next_cursor


def _branch_cursor(tip: str, skip: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"tip": tip, "skip": skip}).encode()
                                    ).decode().rstrip("=")


def _decode_branch_cursor(cursor: str) -> tuple[str, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        tip, skip = str(data["tip"]), int(data["skip"])
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError("invalid cursor") from exc
    if not mirror_git.SHA_PREFIX.match(tip) or skip < 0:
        raise ValueError("invalid cursor")
    return tip, skip


def branch_commits(repository: VisibleRepository, tip: str, kind: str, cursor: str | None,
                   limit: int) -> tuple[list[dict[str, Any]], str | None, int]:
    """The history of ``tip`` (a branch's sha), newest first: a page of commits, the next
    cursor, and how many commits this request scanned."""
    skip = 0
    if cursor:
        tip, skip = _decode_branch_cursor(cursor)
    picked: list[str] = []
    position = skip
    scanned = 0
    batch: list[str] = []

    def take(shas: list[str]) -> bool:
        """Add the batch's matching shas; True once the page (plus one) is full."""
        nonlocal position
        wanted = shas
        if kind != "all":
            keyed = issue_keys(repository.id, shas)
            wanted = [s for s in shas if (s in keyed) == (kind == "linked")]
        for sha in shas:
            if sha in wanted:
                if len(picked) == limit:
                    return True
                picked.append(sha)
            position += 1
        return False

    lines = mirror_git.mirror_git_lines(
        repository.mirror, ["rev-list", f"--skip={skip}", "--end-of-options", tip])
    full = False
    try:
        for line in lines:
            batch.append(line.decode())
            scanned += 1
            if len(batch) == (limit + 1 if kind == "all" else BATCH):
                full = take(batch)
                batch = []
                if full or scanned >= SCAN_LIMIT:
                    break
        else:
            full = take(batch) if batch else False
            batch = []
    finally:
        lines.close()  # type: ignore[attr-defined]
    more = full or scanned >= SCAN_LIMIT
    next_cursor = _branch_cursor(tip, position) if more else None
    return commit_items(repository, picked), next_cursor, scanned
