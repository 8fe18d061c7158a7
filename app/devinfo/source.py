"""What our index says Jira should hold for one repository, and what it holds already.

Commits are immutable, so they are compared by id only: the ones with keys that have no
``devinfo_entities`` row (or a stale one, or one sent before their line counts were in)
are due, newest first (``commit_plan``). Branches and pull requests change, so they are
rebuilt and compared by fingerprint; there are few of them. A repository associated
with some Jira projects only sends the keys of those projects, as its own panel shows
them only there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Branch, Commit, CommitKey, DevinfoEntity, PullRequest

#: Fingerprints of commit rows: sent with files (line counts known), without, or stale
#: (built from a configuration that changed: send again).
WITH_FILES, WITHOUT_FILES, STALE = "1", "0", "stale"
COMMITS, KEYS, ENTITIES = Commit.__table__, CommitKey.__table__, DevinfoEntity.__table__


@dataclass(frozen=True)
class Scope:
    repository_id: int
    #: Jira project keys this repository is shown in; ``None``: all.
    project_keys: frozenset[str] | None

    def allows(self, key: str) -> bool:
        return self.project_keys is None or key.rsplit("-", 1)[0] in self.project_keys

    def key_filter(self, column: Any) -> Any:
        if self.project_keys is None:
            return sa.true()
        if not self.project_keys:
            return sa.false()
        return sa.or_(*(column.startswith(f"{p}-", autoescape=True)
                        for p in sorted(self.project_keys)))


@dataclass(frozen=True)
class CommitPlan:
    """One pass over a repository's keyed commits against what Jira holds.

    Two plain range reads (``keyed_commits``, newest first; the commit entities held)
    compared in memory: no anti-join whose plan depends on table statistics
    (a freshly copied index has none, and a nested-loop plan made a 20,000-commit
    backfill take minutes), and the cost is one read of the repository's keys per push.
    """

    #: Keyed commits Jira does not hold as they are now, newest first.
    due: list[str]
    #: Commits Jira holds that no longer have an allowed key here.
    gone: list[str]


def keyed_commits(scope: Scope) -> dict[str, list[str]]:
    """sha -> allowed issue keys of every keyed commit, newest commit first (one range
    read of ``commit_keys``)."""
    keyed: dict[str, list[str]] = {}
    for sha, key in db.session.execute(
        sa.select(KEYS.c.sha, KEYS.c.issue_key)
        .where(KEYS.c.repository_id == scope.repository_id, scope.key_filter(KEYS.c.issue_key))
        .order_by(KEYS.c.committed_at.desc(), KEYS.c.sha, KEYS.c.issue_key)
    ):
        keyed.setdefault(sha, []).append(key)
    return keyed


def commit_plan(scope: Scope, keyed: dict[str, list[str]], *, counting: bool = False
                ) -> CommitPlan:
    """``counting``: the repository's line-count pass is due, so commits it has not
    counted yet wait for it (it queues a push when done) instead of going to Jira twice,
    first without files."""
    held: dict[str, str] = {row.entity_id: row.fingerprint for row in db.session.execute(
        sa.select(ENTITIES.c.entity_id, ENTITIES.c.fingerprint)
        .where(ENTITIES.c.repository_id == scope.repository_id, ENTITIES.c.kind == "commit"))}
    without_files = [sha for sha in keyed if held.get(sha) == WITHOUT_FILES]
    counted: set[str] = set()
    for start in range(0, len(without_files), 500):
        counted.update(db.session.execute(sa.select(COMMITS.c.sha).where(
            COMMITS.c.repository_id == scope.repository_id, COMMITS.c.stats_done,
            COMMITS.c.sha.in_(without_files[start:start + 500]))).scalars())
    due = [sha for sha in keyed if held.get(sha) in (None, STALE) or sha in counted]
    if counting:
        uncounted = set(db.session.execute(sa.select(COMMITS.c.sha).where(
            COMMITS.c.repository_id == scope.repository_id,
            COMMITS.c.stats_done.is_(False))).scalars())
        due = [sha for sha in due if sha not in uncounted]
    return CommitPlan(due=due, gone=[sha for sha in held if sha not in keyed])


def commits_by_sha(repository_id: int, shas: Iterable[str]) -> dict[str, Any]:
    wanted = sorted(set(shas))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):
        for row in db.session.execute(sa.select(COMMITS).where(
                COMMITS.c.repository_id == repository_id,
                COMMITS.c.sha.in_(wanted[start:start + 500]))):
            found[row.sha] = row
    return found


def branches(repository_id: int) -> list[Branch]:
    return list(db.session.execute(
        sa.select(Branch).where(Branch.repository_id == repository_id).order_by(Branch.name)
    ).scalars())


def pull_requests(repository_id: int) -> list[PullRequest]:
    return list(db.session.execute(
        sa.select(PullRequest).where(PullRequest.repository_id == repository_id)
        .order_by(PullRequest.id)).scalars())


def held(repository_id: int, kinds: Iterable[str]) -> dict[tuple[str, str], str]:
    """``(kind, id) -> fingerprint`` of what Jira holds (or refused) of these kinds."""
    return {(kind, entity_id): fingerprint for kind, entity_id, fingerprint in db.session.execute(
        sa.select(ENTITIES.c.kind, ENTITIES.c.entity_id, ENTITIES.c.fingerprint)
        .where(ENTITIES.c.repository_id == repository_id, ENTITIES.c.kind.in_(list(kinds))))}


def held_counts(repository_id: int) -> dict[str, int]:
    """``{commits, branches, pull_requests}`` Jira accepted, and ``failed`` (refused)."""
    counts = {"commits": 0, "branches": 0, "pull_requests": 0, "failed": 0}
    names = {"commit": "commits", "branch": "branches", "pull_request": "pull_requests"}
    for kind, status, count in db.session.execute(
        sa.select(ENTITIES.c.kind, ENTITIES.c.status, sa.func.count())
        .where(ENTITIES.c.repository_id == repository_id)
        .group_by(ENTITIES.c.kind, ENTITIES.c.status)
    ):
        counts["failed" if status == "failed" else names.get(kind, kind)] += int(count)
    return counts


def failures(repository_id: int, limit: int = 10) -> list[dict[str, str | None]]:
    return [{"kind": kind, "id": entity_id, "message": error}
            for kind, entity_id, error in db.session.execute(
                sa.select(ENTITIES.c.kind, ENTITIES.c.entity_id, ENTITIES.c.error)
                .where(ENTITIES.c.repository_id == repository_id, ENTITIES.c.status == "failed")
                .order_by(ENTITIES.c.kind, ENTITIES.c.entity_id).limit(limit))]
