"""The line-count pass: lines added/removed and renames for commits indexed without.

Why a pass of its own: counting lines means diffing blobs, which a blobless mirror
does not have and which, on a real history, costs more than the whole clone. The
commits are visible (and the repository ``indexed``) before this starts; it never
holds an index run up, and it shows its own progress.

Which commits: those the sink holds without counts (``pending_line_counts``) that the
mirror's heads and tags reach; others are about to be removed by the next index run
or came from a webhook payload the mirror never saw. Newest first (what people look
at first), in chunks:

1. partial mirrors only, first: the blobs the diffs read (a tree diff:
   :func:`~app.indexing.log.stream_blob_ids`) that the mirror does not have yet, in one
   request, never the one-by-one lazy fetch git would do per commit. A few (a push's
   worth) by id; more than :data:`REFETCH_ABOVE` (a first pass) as one full refetch of
   the heads and tags, which costs the server what a clone costs, where a want-list of
   every blob of a history costs it minutes (see :meth:`Mirror.fetch_blobs`);
2. :func:`~app.indexing.log.stream_file_stats` over each chunk, stored in batches
   (``set_file_stats``, which marks the commits counted), with progress.

A pass killed half-way leaves the rest pending; the next pass continues there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from typing import Protocol

from app.indexing import log as gitlog
from app.indexing.engine import batches
from app.indexing.gitcli import stream_git
from app.indexing.mirror import Mirror
from app.indexing.models import FileChange

__all__ = ["REFETCH_ABOVE", "BlobFetcher", "LineCountSink", "LineCounter"]

#: Fetches the given blob ids into the mirror in one request; None: all of them.
BlobFetcher = Callable[[Sequence[str] | None], None]
#: Missing blobs above which the pass refetches everything rather than ask for them by
#: id: the server prepares a want-list of blobs without delta reuse (Kafka's 104,499 took
#: minutes), a refetch streams its stored pack (a clone's time). A push's diffs read a
#: few hundred blobs; a first pass on any sizeable history, tens of thousands.
REFETCH_ABOVE = 10_000


class LineCountSink(Protocol):
    def pending_line_counts(self) -> Iterable[str]:
        """Shas of the commits stored without line counts."""

    def set_file_stats(self, stats: Sequence[tuple[str, Sequence[FileChange]]]) -> None:
        """Replace each commit's files with counted ones and mark it counted."""

    def line_count_progress(self, done: int, total: int) -> None:
        """Commits counted so far out of those this pass counts."""


class LineCounter:
    """Count the lines of the pending commits of ``mirror`` into ``sink``.

    ``fetch_blobs`` is given for a partial mirror (it needs the remote's URL and
    credentials, which this class has no business holding); None for a full one.
    """

    def __init__(self, mirror: Mirror, sink: LineCountSink, fetch_blobs: BlobFetcher | None,
                 *, chunk: int = 1000, batch_size: int = 500,
                 refetch_above: int = REFETCH_ABOVE) -> None:
        self.mirror = mirror
        self.sink = sink
        self.fetch_blobs = fetch_blobs
        self.chunk = max(1, chunk)
        self.batch_size = max(1, batch_size)
        self.refetch_above = max(0, refetch_above)
        self.repo = mirror.path

    def run(self) -> int:
        """Count every pending commit the mirror reaches; returns how many."""
        pending = set(self.sink.pending_line_counts())
        work: list[str] = []
        if pending:
            peeled, _ = gitlog.peel_commits(self.repo, self.mirror.refs().values())
            work = [sha for sha in gitlog.stream_rev_list(self.repo, sorted(set(peeled.values())))
                    if sha in pending]
        del pending
        self.sink.line_count_progress(0, len(work))
        if self.fetch_blobs is not None and work:
            self._fetch_missing(work)
        done = 0
        for chunk in batches(work, self.chunk):
            for batch in batches(gitlog.stream_file_stats(self.repo, chunk), self.batch_size):
                self.sink.set_file_stats(batch)
                done += len(batch)
                self.sink.line_count_progress(done, len(work))
        return done

    def _fetch_missing(self, work: Sequence[str]) -> None:
        """Bring in the blobs the diffs of ``work`` read that the mirror lacks: by id, or
        all by a refetch once more than :data:`REFETCH_ABOVE` are missing (the list
        stops growing there, so its memory is bounded too)."""
        assert self.fetch_blobs is not None
        present = self._present_blobs()
        missing: set[str] = set()
        with closing(gitlog.stream_blob_ids(self.repo, work)) as blob_ids:
            for oid in blob_ids:
                if oid not in present:
                    missing.add(oid)
                    if len(missing) > self.refetch_above:
                        break
        del present
        if len(missing) > self.refetch_above:
            del missing
            self.fetch_blobs(None)
        elif missing:
            self.fetch_blobs(sorted(missing))

    def _present_blobs(self) -> set[str]:
        """Blobs the mirror already has (fetched lazily for a diff, or by an earlier pass):
        only local objects are listed, nothing is fetched."""
        present = set()
        for line in stream_git(["cat-file", "--batch-all-objects", "--unordered",
                                "--batch-check=%(objecttype) %(objectname)"],
                               git_dir=self.repo, timeout=gitlog.LOG_TIMEOUT):
            kind, _, oid = line.partition(b" ")
            if kind == b"blob":
                present.add(oid.decode("ascii"))
        return present
