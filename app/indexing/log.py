"""Streaming ``git log`` / ``git rev-list`` readers.

Why this shape:

* Revisions go to git on stdin (``--stdin``: ``<sha>`` to include, ``^<sha>``
  to exclude), never on the command line, so 50 tips or 5,000 tags cannot
  hit the argv limit and no ref name is ever parsed as an option.
* Output is read record by record (:func:`app.indexing.gitcli.stream_git`)
  and turned into :class:`~app.indexing.models.Commit` objects one at a time,
  so memory stays flat however long the history is.
* ``-z`` plus a ``--format`` whose fields are NUL-separated makes parsing
  exact: NUL cannot occur in a path, a name or a commit message.  Each
  commit starts with ``\\x1e``; the diff entries after it are consumed by
  count (one path, two for renames/copies), so odd file names cannot be
  mistaken for a commit header.
* The walk covers every commit reachable from the given tips (no
  ``--first-parent``), but a merge's file list is its diff against the first
  parent (``--diff-merges=first-parent``, git >= 2.31): that is what the
  merge brought into the target branch.
* Line counts and rename detection need blobs, which a blobless mirror does not
  have and which are much slower to diff than trees, so the commit walk lists files
  with ``--name-status --no-renames`` (a rename shows as a delete and an add) and a
  later pass (:func:`stream_blob_ids`, then :func:`stream_file_stats`) fills in
  counts and renames for given commits.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from app.indexing.errors import GitError
from app.indexing.gitcli import run_git, stream_git
from app.indexing.issue_keys import extract_keys
from app.indexing.models import STATUS_TO_CHANGE, Commit, FileChange, Person

__all__ = [
    "count",
    "parse_raw_date",
    "peel_commits",
    "stream_blob_ids",
    "stream_commits",
    "stream_file_stats",
    "stream_rev_list",
]

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
#: Each commit starts with RS GS; preceded by the NUL that ends every field and path,
#: ``NUL RS GS`` can only be a record boundary (NUL occurs in no message or path).
_RECORD = b"\x00\x1e\x1d"
_COMMIT_FORMAT = "%x1e%x1d%H%x00%P%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B%x00"
_COMMIT_FIELDS = 9
_SHA_FORMAT = "%x1e%x1d%H%x00"
_DIFF_OPTS = [
    "-z", "--date=raw", "--encoding=UTF-8", "--no-color", "--no-mailmap",
    "--no-show-signature", "--no-notes", "--no-ext-diff", "--no-textconv",
    "--diff-merges=first-parent", "--root",
]
#: Tree diffs only: with rename detection git would read (and fetch) blobs.
_NO_RENAMES = ["--no-renames"]
_RENAMES = ["-M"]
#: Submodule entries name commits of another repository, not blobs.
_GITLINK = b"160000"
_NULL_OID = re.compile(rb"^0+$")
#: A 100k-commit history is read in one go; only a stalled git is a problem.
LOG_TIMEOUT = 6 * 3600.0
_TZ_CACHE: dict[bytes, timezone] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Stats = tuple[int, int] | None


def _revs_input(include: Iterable[str], exclude: Iterable[str]) -> bytes | None:
    """stdin for ``--stdin``; None when there is nothing to include.

    Without any positive revision ``git log`` would fall back to HEAD, so
    callers must short-circuit on None.
    """
    inc = [_checked_sha(s) for s in include]
    if not inc:
        return None
    exc = [_checked_sha(s) for s in exclude]
    lines = inc + ["^" + s for s in exc]
    return ("\n".join(lines) + "\n").encode("ascii")


def _checked_sha(sha: str) -> str:
    if not _SHA.match(sha):
        raise ValueError(f"not a full object id: {sha!r}")
    return sha


def parse_raw_date(raw: bytes | str) -> datetime:
    """Parse git's ``--date=raw`` (``"1112911993 +0200"``) keeping the offset.

    Broken values (git accepts almost anything in a commit header) fall back
    to UTC or the epoch instead of failing the whole run.
    """
    if isinstance(raw, str):
        raw = raw.encode("ascii", "replace")
    parts = raw.split()
    try:
        ts = int(parts[0])
    except (IndexError, ValueError):
        return _EPOCH
    tz_raw = parts[1] if len(parts) > 1 else b"+0000"
    tz = _TZ_CACHE.get(tz_raw)
    if tz is None:
        tz = UTC
        if len(tz_raw) == 5 and tz_raw[:1] in (b"+", b"-") and tz_raw[1:].isdigit():
            minutes = int(tz_raw[1:3]) * 60 + int(tz_raw[3:5])
            if minutes < 24 * 60:
                tz = timezone(timedelta(minutes=-minutes if tz_raw[:1] == b"-" else minutes))
        _TZ_CACHE[tz_raw] = tz
    try:
        return datetime.fromtimestamp(ts, tz)
    except (OverflowError, OSError, ValueError):
        return _EPOCH


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


_DiffEntry = tuple[str, str, str | None]  # (change_type, path, old_path)
_NumEntry = tuple[str, Stats]  # (path, (added, removed) | None)


def _parse(
    records: Iterator[bytes], n_fields: int
) -> Iterator[tuple[list[bytes], list[_DiffEntry], list[_NumEntry]]]:
    """Split each commit record into (header fields, diff entries, numstat).

    A record is one commit's NUL-separated output, whole: splitting it once and
    walking the list is several times faster than pulling tokens one by one, which
    matters at 100,000 commits. Understands ``--name-status``, ``--raw`` and
    ``--numstat`` entries, alone or combined (raw entries start with ``:``,
    numstat with a digit or ``-``, name-status with the status letter).
    """
    for record in records:
        if record.startswith(b"\x1e\x1d"):
            record = record[2:]
        if not record:
            continue
        parts = record.split(b"\0")
        if len(parts) < n_fields:
            raise GitError("git log output ended in the middle of a commit.")
        files: list[_DiffEntry] = []
        nums: list[_NumEntry] = []
        i, end = n_fields, len(parts)
        try:
            while i < end:
                tok = parts[i]
                i += 1
                if tok[:1] == b"\n":
                    tok = tok[1:]
                if not tok:
                    continue
                first = tok[:1]
                if first == b":" or first.isalpha():
                    status = tok.rsplit(b" ", 1)[-1] if first == b":" else tok
                    change = STATUS_TO_CHANGE.get(chr(status[0]), "unknown")
                    path = parts[i]
                    i += 1
                    if status[:1] in (b"R", b"C"):
                        old, path = path, parts[i]
                        i += 1
                        files.append((change, _text(path), _text(old)))
                    else:
                        files.append((change, _text(path), None))
                elif first.isdigit() or first == b"-":
                    added, removed, path = tok.split(b"\t", 2)
                    if not path:  # a rename or copy: old path, then new path
                        path = parts[i + 1]
                        i += 2
                    stats: Stats = None
                    if added != b"-" and removed != b"-":
                        stats = (int(added), int(removed))
                    nums.append((_text(path), stats))
                else:
                    raise GitError(f"Unexpected git log output: {tok[:40]!r}")
        except (IndexError, ValueError):
            raise GitError("git log output ended in the middle of a commit.") from None
        yield parts[:n_fields], files, nums


def _log(
    repo: Path, include: Iterable[str], exclude: Iterable[str], fmt: str, extra: list[str],
    *, walk: bool = True,
) -> Iterator[bytes] | None:
    """``git log`` of ``include ^exclude``; with ``walk`` False exactly the commits
    ``include`` names, in that order (``--no-walk=unsorted``)."""
    stdin = _revs_input(include, exclude)
    if stdin is None:
        return None
    args = ["log", "--stdin", f"--format=tformat:{fmt}", *_DIFF_OPTS, *extra]
    if not walk:
        args.insert(1, "--no-walk=unsorted")
    return stream_git(args, git_dir=repo, input=stdin, sep=_RECORD, timeout=LOG_TIMEOUT)


def stream_commits(
    repo: Path, include: Iterable[str], exclude: Iterable[str] = ()
) -> Iterator[Commit]:
    """Commits reachable from ``include`` but not from ``exclude``, newest first.

    ``files`` come from ``--name-status --no-renames`` (a tree diff: no blob is read,
    so a blobless mirror answers at once), with line counts None and ``stats_done``
    False: :func:`stream_file_stats` fills them in later.
    """
    tokens = _log(repo, include, exclude, _COMMIT_FORMAT, ["--name-status", *_NO_RENAMES])
    if tokens is None:
        return
    for h, files, nums in _parse(tokens, _COMMIT_FIELDS):
        message = _text(h[8]).rstrip("\n")
        counts = dict(nums)
        yield Commit(
            sha=h[0].decode("ascii"),
            parents=tuple(h[1].decode("ascii").split()),
            author=Person(_text(h[2]), _text(h[3]), parse_raw_date(h[4])),
            committer=Person(_text(h[5]), _text(h[6]), parse_raw_date(h[7])),
            message=message,
            files=tuple(_file_change(c, p, o, counts) for c, p, o in files),
            issue_keys=extract_keys(message),
        )


def _file_change(change: str, path: str, old: str | None, counts: dict[str, Stats]
                 ) -> FileChange:
    stats = counts.get(path)
    return FileChange(path, change, old, stats[0] if stats else None,
                      stats[1] if stats else None)


def stream_blob_ids(repo: Path, shas: Iterable[str]) -> Generator[str, None, None]:
    """The blobs the diffs of these commits read (both sides of every change, no
    submodule entries), from a tree diff: what :func:`stream_file_stats` needs present.
    May repeat an id."""
    tokens = _log(repo, shas, (), _SHA_FORMAT, ["--raw", "--no-abbrev", *_NO_RENAMES],
                  walk=False)
    if tokens is None:
        return
    for record in tokens:
        parts = record.split(b"\0")
        i = 1  # parts[0] is the sha
        while i < len(parts):
            token = parts[i]
            if token[:1] == b"\n":
                token = token[1:]
            if token[:1] != b":":
                i += 1
                continue
            # ":<old mode> <new mode> <old id> <new id> <status>", then the path
            old_mode, new_mode, old, new, _ = token[1:].split(b" ", 4)
            for mode, oid in ((old_mode, old), (new_mode, new)):
                if mode != _GITLINK and not _NULL_OID.match(oid):
                    yield oid.decode("ascii")
            i += 2


def stream_file_stats(
    repo: Path, shas: Iterable[str]
) -> Iterator[tuple[str, tuple[FileChange, ...]]]:
    """The line-count pass: these commits' files with line counts, renames detected.

    One git run with ``--raw --numstat -M`` gives change types, renames and counts,
    so nothing of the first pass has to be kept to combine them.
    """
    tokens = _log(repo, shas, (), _SHA_FORMAT, ["--raw", "--numstat", *_RENAMES],
                  walk=False)
    if tokens is None:
        return
    for h, files, nums in _parse(tokens, 1):
        counts = dict(nums)
        yield h[0].decode("ascii"), tuple(_file_change(c, p, o, counts) for c, p, o in files)


def stream_rev_list(
    repo: Path, include: Iterable[str], exclude: Iterable[str] = ()
) -> Iterator[str]:
    """Shas of the commits reachable from ``include`` and not from ``exclude``."""
    stdin = _revs_input(include, exclude)
    if stdin is None:
        return
    for line in stream_git(["rev-list", "--stdin"], git_dir=repo, input=stdin,
                           timeout=LOG_TIMEOUT):
        if line:
            yield line.decode("ascii")


def count(repo: Path, include: Iterable[str], exclude: Iterable[str] = ()) -> int:
    """Number of commits :func:`stream_commits` would yield (``rev-list --count``)."""
    stdin = _revs_input(include, exclude)
    if stdin is None:
        return 0
    result = run_git(["rev-list", "--count", "--stdin"], git_dir=repo, input=stdin,
                     timeout=LOG_TIMEOUT)
    return int(result.stdout.strip() or 0)


def peel_commits(repo: Path, shas: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """Resolve object ids to the commits they point to, in one ``cat-file`` run.

    Returns ``(peeled, missing)``: ``peeled`` maps each id that exists and
    peels to a commit (a commit, or a possibly nested annotated tag) to that
    commit; ``missing`` holds the ids whose object is gone.  Ids of tags of
    trees or blobs are in neither.  The engine uses this because old tips of
    force-pushed branches survive only until git's garbage collection.
    """
    wanted = sorted({_checked_sha(s) for s in shas})
    if not wanted:
        return {}, set()
    stdin = "".join(f"{s}\n{s}^{{commit}}\n" for s in wanted).encode("ascii")
    out = run_git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], git_dir=repo,
                  input=stdin).stdout.decode("ascii", "replace").splitlines()
    if len(out) != 2 * len(wanted):
        raise GitError("Unexpected output from git cat-file --batch-check.")
    peeled: dict[str, str] = {}
    missing: set[str] = set()
    for i, sha in enumerate(wanted):
        exists, commit = out[2 * i].split(), out[2 * i + 1].split()
        if exists[-1] == "missing":
            missing.add(sha)
        elif commit[-1] == "commit":
            peeled[sha] = commit[0]
    return peeled, missing
