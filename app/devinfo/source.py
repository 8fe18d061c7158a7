"""What our index says Jira should hold for one repository, and what it holds already.

Commits are immutable, so they are compared by id only: the ones with keys that have no
``devinfo_entities`` row (or a stale one) are due, read a page at a time, newest first,
with one anti-join. Branches and pull requests change, so they are rebuilt and compared
by fingerprint; there are few of them. A repository associated with some Jira projects
only sends the keys of those projects, as its own panel shows them only there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def _entity_join(scope: Scope) -> Any:
    return sa.and_(ENTITIES.c.repository_id == scope.repository_id,
                   ENTITIES.c.kind == "commit", ENTITIES.c.entity_id == KEYS.c.sha)


def due_commits(scope: Scope, limit: int) -> list[tuple[Any, list[str]]]:
    """Up to ``limit`` commits Jira does not have as they are now, newest first, each
    with its (allowed) issue keys."""
    due = sa.or_(ENTITIES.c.entity_id.is_(None), ENTITIES.c.fingerprint == STALE,
                 sa.and_(ENTITIES.c.fingerprint == WITHOUT_FILES, COMMITS.c.stats_done))
    shas = [row.sha for row in db.session.execute(
        sa.select(KEYS.c.sha, sa.func.max(KEYS.c.committed_at).label("at"))
        .select_from(KEYS.join(COMMITS, sa.and_(COMMITS.c.repository_id == KEYS.c.repository_id,
                                                COMMITS.c.sha == KEYS.c.sha))
                     .outerjoin(ENTITIES, _entity_join(scope)))
        .where(KEYS.c.repository_id == scope.repository_id, scope.key_filter(KEYS.c.issue_key), due)
        .group_by(KEYS.c.sha).order_by(sa.desc("at"), KEYS.c.sha).limit(limit))]
    if not shas:
        return []
    keys: dict[str, list[str]] = {}
    for sha, key in db.session.execute(
        sa.select(KEYS.c.sha, KEYS.c.issue_key)
        .where(KEYS.c.repository_id == scope.repository_id, KEYS.c.sha.in_(shas),
               scope.key_filter(KEYS.c.issue_key))
        .order_by(KEYS.c.sha, KEYS.c.issue_key)
    ):
        keys.setdefault(sha, []).append(key)
    rows = {row.sha: row for row in db.session.execute(
        sa.select(COMMITS).where(COMMITS.c.repository_id == scope.repository_id,
                                 COMMITS.c.sha.in_(shas)))}
    return [(rows[sha], keys[sha]) for sha in shas if sha in rows]


def gone_commits(scope: Scope, limit: int) -> list[str]:
    """Commits Jira holds that no longer have an (allowed) key here (history rewritten,
    project association narrowed)."""
    still = (sa.select(KEYS.c.sha)
             .where(KEYS.c.repository_id == scope.repository_id, KEYS.c.sha == ENTITIES.c.entity_id,
                    scope.key_filter(KEYS.c.issue_key)).exists())
    return list(db.session.execute(
        sa.select(ENTITIES.c.entity_id)
        .where(ENTITIES.c.repository_id == scope.repository_id, ENTITIES.c.kind == "commit",
               ~still).limit(limit)).scalars())


def commit_count(scope: Scope) -> int:
    return int(db.session.execute(
        sa.select(sa.func.count(sa.distinct(KEYS.c.sha)))
        .where(KEYS.c.repository_id == scope.repository_id, scope.key_filter(KEYS.c.issue_key))
    ).scalar_one())


def commits_by_sha(repository_id: int, shas: Iterable[str]) -> dict[str, Any]:
    wanted = sorted(set(shas))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):
        for row in db.session.execute(sa.select(COMMITS).where(
                COMMITS.c.repository_id == repository_id,
                COMMITS.c.sha.in_(wanted[start:start + 500]))):
            found[row.sha] = row
    return found


def keys_of(scope: Scope, shas: Sequence[str]) -> dict[str, list[str]]:
    """The allowed keys of those of ``shas`` that have any."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(shas), 500):
        for sha, key in db.session.execute(
            sa.select(KEYS.c.sha, KEYS.c.issue_key)
            .where(KEYS.c.repository_id == scope.repository_id,
                   KEYS.c.sha.in_(shas[start:start + 500]), scope.key_filter(KEYS.c.issue_key))
        ):
            found.setdefault(sha, []).append(key)
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
