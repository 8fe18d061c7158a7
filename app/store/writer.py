"""The database side of indexing: the engine's ``IndexSink`` (and the line-count pass's
``LineCountSink``) on SQLAlchemy Core.

Writes go straight through Core ``executemany`` inserts (no ORM objects per row) so a
100,000-commit history is written at the speed of the database, and every write is
idempotent (``ON CONFLICT DO NOTHING``): a run killed half-way and started again on
another worker leaves no duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from app.indexing.models import Branch, Commit, FileChange, Tag
from app.models import Branch as BranchRow
from app.models import BranchKey, CommitKey, Repository
from app.models import Commit as CommitRow
from app.models import Tag as TagRow
from app.models.repository import LOG_LINES

COMMITS = CommitRow.__table__
COMMIT_KEYS = CommitKey.__table__
BRANCHES = BranchRow.__table__
BRANCH_KEYS = BranchKey.__table__
TAGS = TagRow.__table__
REPOSITORIES = Repository.__table__

#: Rows per DELETE ... IN (...) statement (SQLite allows 32,766 parameters).
CHUNK = 500


def insert_ignore(conn: Connection, table: sa.Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def bulk_insert_ignore(
    conn: Connection, table: sa.Table, rows: list[dict[str, Any]], *, fresh: bool = False
) -> None:
    """Insert ``rows``, skipping any already there.

    On PostgreSQL the rows are streamed with COPY: straight into the table when the
    caller knows none can exist yet (``fresh``: the first index of a repository),
    else into a temporary table moved over with one ``INSERT ... SELECT ... ON
    CONFLICT DO NOTHING``. Both are several times faster than row-by-row inserts for
    a 100,000-commit history. Elsewhere, an ``executemany`` of ``INSERT ... ON
    CONFLICT``.
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert_ignore(conn, table), rows)
        return
    columns = list(rows[0])
    names = ", ".join(columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    target = table.name
    if not fresh:
        target = f"stage_{table.name}"
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {target} ON COMMIT DELETE ROWS AS "
            f"SELECT {names} FROM {table.name} WITH NO DATA"
        )
    json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])
    if not fresh:
        cursor.execute(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {target} "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(f"DELETE FROM {target}")


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _files_json(files: Iterable[FileChange]) -> list[dict[str, Any]]:
    return [
        {
            "path": f.path,
            "change_type": f.change_type,
            "old_path": f.old_path,
            "added": f.lines_added,
            "removed": f.lines_removed,
        }
        for f in files
    ]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class DatabaseSink:
    """Stores one repository's index. Each call is its own short transaction, so the
    API sees commits as soon as a batch lands."""

    def __init__(self, engine: Engine, tenant_id: int, repository_id: int) -> None:
        self.engine = engine
        self.tenant_id = tenant_id
        self.repository_id = repository_id
        with engine.connect() as conn:
            #: No commit stored yet: a first index, whose rows cannot collide.
            self.fresh = (
                conn.execute(
                    sa.select(COMMITS.c.sha)
                    .where(COMMITS.c.repository_id == repository_id)
                    .limit(1)
                ).first()
                is None
            )

    def add_commits(self, commits: Sequence[Commit]) -> None:
        rows: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        for c in commits:
            committed = _utc(c.committer.time)
            rows.append(
                {
                    "tenant_id": self.tenant_id,
                    "repository_id": self.repository_id,
                    "sha": c.sha,
                    "parents": " ".join(c.parents),
                    "author_name": c.author.name[:255],
                    "author_email": c.author.email[:255],
                    "authored_at": _utc(c.author.time),
                    "committer_name": c.committer.name[:255],
                    "committer_email": c.committer.email[:255],
                    "committed_at": committed,
                    "message": c.message,
                    "files": _files_json(c.files),
                    "stats_done": c.stats_done,
                }
            )
            keys.extend(
                {
                    "tenant_id": self.tenant_id,
                    "repository_id": self.repository_id,
                    "issue_key": key,
                    "sha": c.sha,
                    "committed_at": committed,
                }
                for key in c.issue_keys
            )
        with self.engine.begin() as conn:
            bulk_insert_ignore(conn, COMMITS, rows, fresh=self.fresh)
            bulk_insert_ignore(conn, COMMIT_KEYS, keys, fresh=self.fresh)

    def remove_commits(self, shas: Sequence[str]) -> None:
        with self.engine.begin() as conn:
            for chunk in _chunks(list(shas)):
                for table in (COMMIT_KEYS, COMMITS):
                    conn.execute(
                        table.delete().where(
                            table.c.repository_id == self.repository_id, table.c.sha.in_(chunk)
                        )
                    )

    def set_file_stats(self, stats: Sequence[tuple[str, Sequence[FileChange]]]) -> None:
        if not stats:
            return
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                self._set_file_stats_copy(conn, stats)
                return
            statement = (
                COMMITS.update()
                .where(COMMITS.c.repository_id == sa.bindparam("repo"))
                .where(COMMITS.c.sha == sa.bindparam("commit_sha"))
                .values(files=sa.bindparam("new_files"), stats_done=True)
            )
            conn.execute(
                statement,
                [
                    {"repo": self.repository_id, "commit_sha": sha, "new_files": _files_json(files)}
                    for sha, files in stats
                ],
            )

    def _set_file_stats_copy(
        self, conn: Connection, stats: Sequence[tuple[str, Sequence[FileChange]]]
    ) -> None:
        """COPY the new file lists into a temporary table, then one UPDATE ... FROM."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stage_file_stats (sha varchar(64), files text) "
            "ON COMMIT DELETE ROWS"
        )
        with cursor.copy("COPY stage_file_stats (sha, files) FROM STDIN") as copy:
            for sha, files in stats:
                copy.write_row([sha, json.dumps(_files_json(files))])
        cursor.execute(
            "UPDATE commits SET files = s.files::json, stats_done = true "
            "FROM stage_file_stats s WHERE commits.repository_id = %s AND commits.sha = s.sha",
            (self.repository_id,),
        )

    def replace_refs(self, branches: Sequence[Branch], tags: Sequence[Tag]) -> None:
        with self.engine.begin() as conn:
            for table in (BRANCHES, TAGS):
                conn.execute(table.delete().where(table.c.repository_id == self.repository_id))
            branch_rows = [
                {
                    "tenant_id": self.tenant_id,
                    "repository_id": self.repository_id,
                    "name": b.name,
                    "sha": b.sha,
                    "ahead": b.ahead,
                    "behind": b.behind,
                    "is_main": b.is_main,
                    "issue_keys": list(b.issue_keys),
                }
                for b in branches
            ]
            keyed = {b.name: b.issue_keys for b in branches if b.issue_keys}
            if keyed:
                ids = conn.execute(
                    BRANCHES.insert().returning(BRANCHES.c.id, BRANCHES.c.name), branch_rows
                ).all()
                key_rows = [
                    {"tenant_id": self.tenant_id, "branch_id": branch_id, "issue_key": key}
                    for branch_id, name in ids
                    for key in keyed.get(name, ())
                ]
                if key_rows:
                    conn.execute(BRANCH_KEYS.insert(), key_rows)
            elif branch_rows:
                conn.execute(BRANCHES.insert(), branch_rows)
            if tags:
                conn.execute(
                    TAGS.insert(),
                    [
                        {
                            "tenant_id": self.tenant_id,
                            "repository_id": self.repository_id,
                            "name": t.name,
                            "sha": t.sha,
                            "annotation": t.annotation,
                            "tagger_name": t.tagger.name[:255] if t.tagger else None,
                            "tagged_at": _utc(t.tagger.time) if t.tagger else None,
                        }
                        for t in tags
                    ],
                )

    def progress(self, done: int, total: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                REPOSITORIES.update()
                .where(REPOSITORIES.c.id == self.repository_id)
                .values(progress_done=done, progress_total=total)
            )

    def log(self, message: str) -> None:
        line = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} {message}"
        with self.engine.begin() as conn:
            current = conn.execute(
                sa.select(REPOSITORIES.c.index_log).where(REPOSITORIES.c.id == self.repository_id)
            ).scalar_one_or_none()
            lines = [*(current or []), line][-LOG_LINES:]
            conn.execute(
                REPOSITORIES.update()
                .where(REPOSITORIES.c.id == self.repository_id)
                .values(index_log=lines)
            )

    def line_count_progress(self, done: int, total: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                REPOSITORIES.update()
                .where(REPOSITORIES.c.id == self.repository_id)
                .values(lines_done=done, lines_total=total)
            )

    def pending_line_counts(self) -> Iterable[str]:
        """Commits stored without line counts (the first pass has none)."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                sa.select(COMMITS.c.sha).where(COMMITS.c.repository_id == self.repository_id,
                                               COMMITS.c.stats_done.is_(False))
            )
            for (sha,) in result:
                yield sha

    def known_shas(self) -> Iterable[str]:
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                sa.select(COMMITS.c.sha).where(COMMITS.c.repository_id == self.repository_id)
            )
            for (sha,) in result:
                yield sha

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:

            def count(table: sa.Table) -> int:
                return int(
                    conn.execute(
                        sa.select(sa.func.count())
                        .select_from(table)
                        .where(table.c.repository_id == self.repository_id)
                    ).scalar_one()
                )

            return {"commits": count(COMMITS), "branches": count(BRANCHES), "tags": count(TAGS)}
