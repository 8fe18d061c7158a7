"""Compare (two refs of a repository) and Roll Up (every commit of an issue): who
changed how many lines, which files, which issues.

Line counts are each commit's own, summed, as the index holds them (``Commit.files``);
a commit whose counts are still being computed (``stats_done`` false) is counted with
what it has and reported in ``stats``, so a page can say the figures are not complete
yet. The net diff between two refs is git's (``git diff --raw --numstat``, no rename
detection), through the mirror helper.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db
from app.models import Commit, CommitKey
from app.store import mirror_git
from app.store.development import VisibleRepository, commit_json

#: Commits of a compare range that are read for its summary; a longer range says so.
MAX_RANGE = 100_000
BATCH = 1000
#: Range commits read per query on PostgreSQL (one array parameter).
RANGE_BATCH = 20_000
MAX_FILES = 5000
CHANGES = {"A": "added", "M": "modified", "D": "deleted", "T": "type_changed",
           "C": "copied", "R": "renamed", "U": "unmerged"}


class Totals:
    """Per-author and per-path sums over commits, each commit counted once."""

    def __init__(self) -> None:
        self.authors: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[int, str], dict[str, Any]] = {}
        self.seen: set[str] = set()
        self.commits = 0
        self.pending = 0

    def add(self, row: Any, repository: VisibleRepository | None = None) -> None:
        if row.sha in self.seen:
            return
        self.seen.add(row.sha)
        self.commits += 1
        if not row.stats_done:
            self.pending += 1
        email = (row.author_email or "").lower()
        author = self.authors.setdefault(email, {
            "name": row.author_name, "email": row.author_email, "commits": 0, "added": 0,
            "removed": 0})
        author["commits"] += 1
        for change in row.files or []:
            added, removed = change.get("added") or 0, change.get("removed") or 0
            author["added"] += added
            author["removed"] += removed
            if repository is None:
                continue
            entry = self.files.setdefault((repository.id, change["path"]), {
                "path": change["path"], "repository": {"id": repository.id,
                                                       "name": repository.name},
                "changes": 0, "added": 0, "removed": 0, "binary": False,
                "first_change": change.get("change_type"), "commits": []})
            entry["changes"] += 1
            entry["added"] += added
            entry["removed"] += removed
            entry["binary"] = entry["binary"] or (
                row.stats_done and change.get("added") is None)
            entry["last_change"] = change.get("change_type")
            if len(entry["commits"]) < 50:
                entry["commits"].append(row.sha)

    def authors_json(self) -> list[dict[str, Any]]:
        return sorted(self.authors.values(),
                      key=lambda a: (-(a["added"] + a["removed"]), a["email"] or ""))

    def files_json(self) -> list[dict[str, Any]]:
        files = []
        for entry in self.files.values():
            first, last = entry.pop("first_change"), entry.pop("last_change")
            entry["change"] = _net_change(first, last)
            entry["commits"].reverse()  # newest first
            files.append(entry)
        return sorted(files, key=lambda f: (f["repository"]["name"], f["path"]))

    def stats(self, missing: int = 0) -> dict[str, Any]:
        return {"complete": self.pending == 0 and missing == 0, "pending": self.pending,
                "missing": missing}


def _net_change(first: str | None, last: str | None) -> str:
    """What happened to a path over a series of commits, oldest first."""
    if first == "added" and last == "deleted":
        return "added_and_deleted"
    if first == "added":
        return "added"
    if last == "deleted":
        return "deleted"
    if "renamed" in (first, last):
        return "renamed"
    return "modified"


# -- Roll Up ----------------------------------------------------------------------------


def rollup(tenant_id: int, issue_key: str,
           repositories: list[VisibleRepository]) -> dict[str, Any]:
    by_id = {r.id: r for r in repositories}
    totals = Totals()
    first = last = None
    seen: set[str] = set()
    for row in _issue_rows(tenant_id, issue_key, list(by_id)):
        if row.sha in seen:  # the same commit in a fork or mirror: counted once
            continue
        seen.add(row.sha)
        first = first or row
        last = row
        totals.add(row, by_id[row.repository_id])
    return {
        "issue": issue_key,
        "commits": totals.commits,
        "first_commit": commit_json(first, by_id[first.repository_id]) if first else None,
        "last_commit": commit_json(last, by_id[last.repository_id]) if last else None,
        "authors": totals.authors_json(),
        "files": totals.files_json(),
        "repositories": sorted({r["repository"]["name"] for r in totals.files.values()}),
        "stats": totals.stats(),
    }


def _issue_rows(tenant_id: int, issue_key: str, repository_ids: list[int]) -> Iterable[Any]:
    """The issue's commits, oldest first, read along ``ix_commit_keys_lookup`` in keyset
    chunks: with a LIMIT the planner walks that index even when the key is common in
    another tenant (its statistics cannot tell tenants apart), where one unlimited
    query would hash-join the whole commits table."""
    after: tuple[Any, ...] | None = None
    while repository_ids:
        query = (
            sa.select(*Commit.__table__.c, CommitKey.committed_at.label("key_at"))
            .join(CommitKey, sa.and_(CommitKey.repository_id == Commit.repository_id,
                                     CommitKey.sha == Commit.sha))
            .where(CommitKey.tenant_id == tenant_id, CommitKey.issue_key == issue_key,
                   CommitKey.repository_id.in_(repository_ids))
            .order_by(CommitKey.committed_at, CommitKey.sha, CommitKey.repository_id)
            .limit(BATCH))
        if after is not None:
            query = query.where(sa.tuple_(CommitKey.committed_at, CommitKey.sha,
                                          CommitKey.repository_id) > sa.tuple_(*after))
        rows = db.session.execute(query).all()
        yield from rows
        if len(rows) < BATCH:
            return
        after = (rows[-1].key_at, rows[-1].sha, rows[-1].repository_id)


# -- Compare ----------------------------------------------------------------------------


def range_shas(mirror: Path, base: str, head: str) -> tuple[list[str], bool]:
    """The commits in ``base..head``, newest first (up to MAX_RANGE), and whether there
    were more."""
    shas: list[str] = []
    lines = mirror_git.mirror_git_lines(mirror, ["rev-list", "--end-of-options", head, f"^{base}"])
    try:
        for line in lines:
            if len(shas) == MAX_RANGE:
                return shas, True
            shas.append(line.decode())
    finally:
        lines.close()  # type: ignore[attr-defined]
    return shas, False


def sha_in(column: Any, shas: list[str]) -> Any:
    """``column IN (shas)``; on PostgreSQL as ``= ANY(array)``, one parameter instead of
    thousands (parsing and planning a 10,000-item IN list costs more than the lookups)."""
    if db.engine.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, shas, type_=ARRAY(sa.String)))
    return column.in_(shas)


def _batches(shas: list[str]) -> Iterable[list[str]]:
    size = RANGE_BATCH if db.engine.dialect.name == "postgresql" else BATCH
    for start in range(0, len(shas), size):
        yield shas[start:start + size]


def _rows(repository_id: int, shas: list[str]) -> Iterable[Any]:
    for batch in _batches(shas):
        yield from db.session.execute(
            sa.select(Commit.sha, Commit.author_name, Commit.author_email, Commit.files,
                      Commit.stats_done)
            .where(Commit.repository_id == repository_id, sha_in(Commit.sha, batch)))


#: PostgreSQL sums the lines itself: a 10,000-commit range then moves a few rows per
#: author instead of every commit's file list (measured: 190 ms -> see benchmarks).
_AUTHORS_SQL = sa.text("""
WITH per_commit AS (
    SELECT c.sha, lower(c.author_email) AS email, c.author_name, c.author_email,
           c.stats_done, COALESCE(sum((f->>'added')::int), 0) AS added,
           COALESCE(sum((f->>'removed')::int), 0) AS removed
    FROM commits c LEFT JOIN LATERAL json_array_elements(c.files) f ON true
    WHERE c.repository_id = :repository AND c.sha = ANY(:shas)
    GROUP BY c.sha, c.author_email, c.author_name, c.stats_done)
SELECT email, min(author_name) AS name, min(author_email) AS author_email,
       count(*) AS commits, sum(added) AS added, sum(removed) AS removed,
       sum(CASE WHEN stats_done THEN 0 ELSE 1 END) AS pending
FROM per_commit GROUP BY email
""").bindparams(sa.bindparam("shas", type_=ARRAY(sa.String)))


def _range_totals(repository_id: int, shas: list[str]) -> Totals:
    totals = Totals()
    if db.engine.dialect.name != "postgresql":
        for row in _rows(repository_id, shas):
            totals.add(row)
        return totals
    for batch in _batches(shas):
        for row in db.session.execute(_AUTHORS_SQL, {"repository": repository_id,
                                                     "shas": batch}):
            author = totals.authors.setdefault(row.email, {
                "name": row.name, "email": row.author_email, "commits": 0, "added": 0,
                "removed": 0})
            author["commits"] += int(row.commits)
            author["added"] += int(row.added)
            author["removed"] += int(row.removed)
            totals.commits += int(row.commits)
            totals.pending += int(row.pending)
    return totals


def range_summary(repository: VisibleRepository, shas: list[str]) -> dict[str, Any]:
    """Authors, issues and line-count completeness over the commits ``shas``."""
    totals = _range_totals(repository.id, shas)
    issues: set[str] = set()
    for batch in _batches(shas):
        issues.update(db.session.execute(
            sa.select(CommitKey.issue_key).distinct()
            .where(CommitKey.repository_id == repository.id,
                   sha_in(CommitKey.sha, batch))).scalars())
    return {"authors": totals.authors_json(), "issues": sorted(issues, key=_issue_order),
            "stats": totals.stats(missing=len(shas) - totals.commits)}


def _issue_order(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return project, int(number) if number.isdigit() else 0


def net_files(mirror: Path, base: str, head: str, remote: mirror_git.Remote | None = None
              ) -> tuple[list[dict[str, Any]], bool]:
    """The net diff from ``base`` to ``head``: ``[{path, change, added, removed}]``
    (``added``/``removed`` null for binary files), and whether it was cut at MAX_FILES.
    git's own counts, so exact even before the line-count pass (``remote`` fetches the
    blobs a partial mirror lacks)."""
    out = mirror_git.mirror_git(
        mirror, ["diff", "--raw", "--numstat", "-z", "--no-renames", "--no-color",
                 "--end-of-options", base, head], timeout=60, remote=remote).stdout
    fields = out.split(b"\0")
    changes: dict[str, str] = {}
    counts: list[tuple[str, bytes, bytes]] = []
    i = 0
    while i < len(fields) and fields[i]:
        field = fields[i]
        if field.startswith(b":"):  # ":<modes> <shas> <status>" NUL <path>
            status = field.split()[-1].decode()[:1]
            changes[fields[i + 1].decode("utf-8", "replace")] = CHANGES.get(status, "modified")
            i += 2
        else:  # "<added> TAB <removed> TAB <path>"
            added, removed, path = field.split(b"\t", 2)
            counts.append((path.decode("utf-8", "replace"), added, removed))
            i += 1
    files = [{"path": path, "change": changes.get(path, "modified"),
              "added": int(added) if added != b"-" else None,
              "removed": int(removed) if removed != b"-" else None}
             for path, added, removed in counts]
    return files[:MAX_FILES], len(files) > MAX_FILES


MAX_DIFF_BYTES = 512 * 1024


def file_diff(mirror: Path, sha: str, path: str, base: str | None = None,
              remote: mirror_git.Remote | None = None) -> dict[str, Any]:
    """One file's diff: of commit ``sha`` against its first parent (a root commit against
    nothing), or from ``base`` to ``sha``; cut at MAX_DIFF_BYTES. ``remote`` fetches the
    blobs a partial mirror lacks."""
    if base is None:
        parent = mirror_git.mirror_git(
            mirror, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{sha}^1"],
            check=False).stdout.decode().strip()
        args = (["diff", "--no-color", "-M", parent, sha] if parent
                else ["diff-tree", "-p", "--no-color", "--root", sha])
    else:
        args = ["diff", "--no-color", "--no-renames", base, sha]
    out = mirror_git.mirror_git(mirror, [*args, "--", path], timeout=30, remote=remote).stdout
    return {"path": path, "diff": out[:MAX_DIFF_BYTES].decode("utf-8", "replace"),
            "truncated": len(out) > MAX_DIFF_BYTES}
