"""Incremental indexing of a mirror into a storage-agnostic sink.

The :class:`Indexer` does *not* fetch: the caller runs
:meth:`Mirror.fetch <app.indexing.mirror.Mirror.fetch>` first (it needs the
URL and credentials, which the indexer has no business holding) and then
``Indexer(mirror, sink, previous_refs=...).run()``.  ``previous_refs`` is the
``IndexResult.refs`` of the last *successful* run; store it only after
``run()`` returns.

One run:

1. Read the current heads and tags and peel them to commits.
2. Removals: commits reachable from the old tips of changed or deleted refs
   but from no current tip (``rev-list <old> --not <current>``).  If an old
   tip's object has been garbage-collected that walk is impossible, so we
   fall back to comparing every reachable commit against
   ``sink.known_shas()``; the same reconciliation happens when there are no
   previous refs but the sink already holds commits.
3. Additions: commits reachable from current tips and from no previous tip
   that still exists -- only what is new is read.  Streamed to
   ``sink.add_commits`` in batches (``batch_size``), with ``progress``.
4. Branches (issue keys from the name, ahead/behind the main branch) and
   tags (peeled target, annotation, tagger) via ``sink.replace_refs``.

Commits arrive with their files (tree diffs, no rename detection) but without line
counts: those need blobs, which a blobless mirror fetches later, and diffing them
cost more than the whole clone on a real history. :mod:`app.indexing.line_counts`
adds counts and renames afterwards, without holding up the run.

Progress is one work unit per commit read in step 3.

Sinks must be idempotent: after a crash the next run (with the same
``previous_refs``) re-sends commits the sink may already have.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, TypeVar

from app.indexing import log as gitlog
from app.indexing.gitcli import run_git, stream_git
from app.indexing.issue_keys import extract_branch_keys
from app.indexing.mirror import Mirror
from app.indexing.models import Branch, Commit, IndexResult, Person, Tag

__all__ = ["IndexSink", "Indexer", "batches"]

_T = TypeVar("_T")
_AHEAD_BEHIND_WORKERS = min(4, os.cpu_count() or 1)
_REF_FIELDS = [
    "%(refname)", "%(objectname)", "%(objecttype)", "%(*objectname)", "%(*objecttype)",
    "%(taggername)", "%(taggeremail)", "%(taggerdate:raw)", "%(contents)",
    "%(contents:signature)",
]


class IndexSink(Protocol):
    """Where index data goes (the database, in the app; a dict, in tests)."""

    def add_commits(self, commits: Sequence[Commit]) -> None:
        """Store commits (batched, ~batch_size at a time). Must be idempotent."""

    def remove_commits(self, shas: Sequence[str]) -> None:
        """Forget commits no longer reachable from any branch or tag."""

    def replace_refs(self, branches: Sequence[Branch], tags: Sequence[Tag]) -> None:
        """Replace the whole set of branches and tags."""

    def progress(self, done: int, total: int) -> None:
        """Work units done out of total (see module docs)."""

    def log(self, message: str) -> None:
        """A human-readable line for the integration's indexing log."""

    def known_shas(self) -> Iterable[str]:
        """All commit shas the sink holds; only used by the removal fallback."""


def batches(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """Lists of up to ``size`` items, without holding more than one list."""
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Indexer:
    """Index what changed in ``mirror`` since ``previous_refs`` into ``sink``."""

    def __init__(
        self,
        mirror: Mirror,
        sink: IndexSink,
        *,
        previous_refs: Mapping[str, str] | None = None,
        batch_size: int = 1000,
    ) -> None:
        self.mirror = mirror
        self.sink = sink
        self.previous_refs = dict(previous_refs or {})
        self.batch_size = max(1, batch_size)
        self.repo = mirror.path

    def run(self) -> IndexResult:
        """Index, report to the sink and return the refs to store for next time."""
        started = time.monotonic()
        records = self._ref_records()  # one consistent snapshot of all refs
        refs = {name: rec["sha"] or "" for name, rec in records.items()}
        main = self.mirror.default_branch()
        peeled = {name: rec["commit"] for name, rec in records.items() if rec["commit"]}
        tips = sorted(set(peeled.values()))
        self.sink.log(
            f"Found {sum(n.startswith('refs/heads/') for n in refs)} branches and "
            f"{sum(n.startswith('refs/tags/') for n in refs)} tags."
        )

        old_peeled, old_missing = gitlog.peel_commits(self.repo, self.previous_refs.values())
        removed = self._removed(refs, tips, old_peeled, old_missing)

        exclude = sorted(set(old_peeled.values()))
        total = gitlog.count(self.repo, tips, exclude)
        added = self._add_commits(tips, exclude, total)
        self.sink.replace_refs(self._branches(records, main), self._tags(records))
        self.sink.log(
            f"Indexing finished in {time.monotonic() - started:.1f} s: "
            f"{added} commits added, {removed} removed."
        )
        return IndexResult(refs=refs, commits_added=added, commits_removed=removed,
                           main_branch=main)

    # -- commits ---------------------------------------------------------------------

    def _removed(
        self, refs: Mapping[str, str], tips: list[str], old_peeled: Mapping[str, str],
        old_missing: set[str],
    ) -> int:
        changed = {sha for name, sha in self.previous_refs.items() if refs.get(name) != sha}
        if not self.previous_refs or changed & old_missing:
            if self.previous_refs:
                self.sink.log("Some previous branch tips were garbage-collected; "
                              "comparing all indexed commits with the repository.")
            known = set(self.sink.known_shas())
            if not known:
                return 0
            known.difference_update(gitlog.stream_rev_list(self.repo, tips))
            gone: Iterable[str] = sorted(known)
        else:
            old_tips = sorted({old_peeled[s] for s in changed if s in old_peeled})
            gone = gitlog.stream_rev_list(self.repo, old_tips, tips) if old_tips else ()
        removed = 0
        for batch in batches(gone, self.batch_size):
            self.sink.remove_commits(batch)
            removed += len(batch)
        if removed:
            self.sink.log(f"Removed {removed} commits that are no longer on any branch or tag "
                          "(force-push or deleted branch).")
        return removed

    def _add_commits(self, tips: list[str], exclude: list[str], total: int) -> int:
        if not total:
            self.sink.log("No new commits.")
            self.sink.progress(0, 0)
            return 0
        self.sink.log(f"Reading {total} new commits.")
        self.sink.progress(0, total)
        done = 0
        commits = gitlog.stream_commits(self.repo, tips, exclude)
        # One batch is written while git and the parser produce the next: the sink's
        # I/O (a database round trip) overlaps the walk instead of adding to it.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-sink") as pool:
            writing: Future[None] | None = None
            for batch in batches(commits, self.batch_size):
                if writing is not None:
                    writing.result()
                    self.sink.progress(min(done, total), total)
                writing = pool.submit(self.sink.add_commits, batch)
                done += len(batch)
            if writing is not None:
                writing.result()
        self.sink.progress(min(done, total), total)
        return done

    # -- refs ------------------------------------------------------------------------

    def _ref_records(self) -> dict[str, dict[str, str | None]]:
        """One ``for-each-ref`` over heads and tags, with everything tags need."""
        fmt = "%00".join(_REF_FIELDS) + "%00"
        fields = len(_REF_FIELDS)
        raw: list[list[bytes]] = []
        current: list[bytes] = []
        for token in stream_git(["for-each-ref", f"--format={fmt}", "refs/heads", "refs/tags"],
                                git_dir=self.repo, sep=b"\0", timeout=600):
            current.append(token)
            if len(current) == fields:
                raw.append(current)
                current = []
        records: dict[str, dict[str, str | None]] = {}
        need_peel: list[str] = []
        for rec in raw:
            f = [x.decode("utf-8", "replace") for x in rec]
            name = f[0].lstrip("\n")
            commit = None
            if f[2] == "commit":
                commit = f[1]
            elif f[2] == "tag" and f[4] == "commit":
                commit = f[3]
            elif f[2] == "tag" and f[4] == "tag":
                need_peel.append(f[1])
            is_tag = f[2] == "tag"
            has_tagger = is_tag and bool(f[5] or f[7])
            annotation = f[8]
            if f[9] and annotation.endswith(f[9]):
                annotation = annotation[: -len(f[9])]
            records[name] = {
                "sha": f[1], "commit": commit,
                "tagger_name": f[5] if has_tagger else None,
                "tagger_email": f[6].strip("<>") if has_tagger else None,
                "tagger_date": f[7] if has_tagger else None,
                "annotation": annotation.rstrip("\n") if is_tag else None,
            }
        if need_peel:
            peeled, _ = gitlog.peel_commits(self.repo, need_peel)
            for record in records.values():
                if record["commit"] is None and record["sha"] in peeled:
                    record["commit"] = peeled[record["sha"] or ""]
        return records

    def _branches(self, records: Mapping[str, Mapping[str, str | None]],
                  main: str | None) -> list[Branch]:
        main_sha = records.get(f"refs/heads/{main}", {}).get("commit") if main else None
        heads = [(ref[len("refs/heads/"):], rec["commit"]) for ref, rec in records.items()
                 if ref.startswith("refs/heads/") and rec["commit"]]
        counts: list[tuple[int | None, int | None]] = [(None, None)] * len(heads)
        if main_sha is not None:
            # one short git process per branch; they wait on I/O, not on the GIL
            with ThreadPoolExecutor(max_workers=_AHEAD_BEHIND_WORKERS) as pool:
                counts = list(pool.map(lambda head: self._ahead_behind(main_sha, head[1]),
                                       heads))
        return [Branch(name, sha, extract_branch_keys(name), ahead, behind, is_main=name == main)
                for (name, sha), (ahead, behind) in zip(heads, counts, strict=True)]

    def _ahead_behind(self, main_sha: str, sha: str) -> tuple[int | None, int | None]:
        """(ahead, behind) of ``sha`` relative to ``main_sha``.

        One ``rev-list --left-right --count`` per branch: ``for-each-ref
        %(ahead-behind:...)`` would do all at once but needs git 2.41.
        """
        if sha == main_sha:
            return 0, 0
        out = run_git(["rev-list", "--left-right", "--count", f"{main_sha}...{sha}"],
                      git_dir=self.repo, timeout=600).stdout.split()
        return int(out[1]), int(out[0])

    @staticmethod
    def _tags(records: Mapping[str, Mapping[str, str | None]]) -> list[Tag]:
        tags = []
        for ref, rec in records.items():
            commit = rec["commit"]
            if not ref.startswith("refs/tags/") or not commit:
                continue
            tagger = None
            if rec["tagger_name"] is not None:
                tagger = Person(rec["tagger_name"], rec["tagger_email"] or "",
                                gitlog.parse_raw_date(rec["tagger_date"] or ""))
            tags.append(Tag(ref[len("refs/tags/"):], commit, rec["annotation"], tagger))
        return tags
