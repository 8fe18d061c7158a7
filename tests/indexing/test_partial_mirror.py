"""Blobless mirrors against a real smart-HTTP server: the partial clone, the fallback
when the server refuses filters, incremental fetches that stay blobless, and the
line-count pass that fetches the blobs it needs in one request (by id for a few, a full
refetch for many) and leaves later fetches blobless."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from app.indexing.credentials import GitCredentials
from app.indexing.engine import Indexer
from app.indexing.line_counts import LineCounter
from app.indexing.mirror import Mirror
from app.indexing.models import FileChange
from tests.indexing.test_engine import MemorySink
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, git, publish

SECRET = "s3cr3t-t0ken-value"
CREDS = GitCredentials(username="alice", password=SECRET)


def serve(work: WorkRepo, served_root: Path, *, allow_filter: str | None) -> Path:
    bare = served_root / "repo.git"
    publish(work.path, bare, head="main")
    if allow_filter is not None:
        git("--git-dir", str(bare), "config", "uploadpack.allowFilter", allow_filter)
    return bare


def missing_objects(mirror: Mirror) -> set[str]:
    """Objects the mirror's history names but does not hold (nothing is fetched)."""
    out = mirror.git("rev-list", "--objects", "--missing=print", "--branches", "--tags")
    return {line[1:] for line in out.split() if line.startswith("?")}


def blob(work: WorkRepo, rev: str, path: str) -> str:
    return work.git("rev-parse", f"{rev}:{path}").strip()


def history(work: WorkRepo) -> dict[str, str]:
    lines = "".join(f"line {i}\n" for i in range(20))
    shas = {"add": work.commit("ABC-1 add", {"src/a.py": lines, "logo.png": b"\x89PNG\x00\x00"})}
    work.rename("src/a.py", "src/b.py")
    shas["move"] = work.commit("ABC-2 move and edit", {
        "src/b.py": lines.replace("line 3\n", "three\nfour\n"), "logo.png": b"\x89PNG\x00\x01"})
    shas["delete"] = work.commit("ABC-3 delete", {"src/b.py": None})
    return shas


class LineSink:
    """The line-count pass's sink over the engine's test sink."""

    def __init__(self, sink: MemorySink) -> None:
        self.sink = sink
        self.progress: list[tuple[int, int]] = []

    def pending_line_counts(self) -> Iterable[str]:
        return [sha for sha in self.sink.commits if sha not in self.sink.file_stats]

    def set_file_stats(self, stats: Sequence[tuple[str, Sequence[FileChange]]]) -> None:
        self.sink.set_file_stats(stats)

    def line_count_progress(self, done: int, total: int) -> None:
        self.progress.append((done, total))


def test_blobless_clone_indexes_at_once_and_stays_blobless(
        work: WorkRepo, served_root: Path, auth_http_server: GitHttpServer,
        tmp_path: Path) -> None:
    shas = history(work)
    bare = serve(work, served_root, allow_filter="true")
    mirror = Mirror(tmp_path / "mirror.git")
    url = auth_http_server.url("repo.git")
    report = mirror.fetch(url, CREDS, allow_private=True)
    assert report["cloned"] and report["partial"] and mirror.is_partial()
    assert missing_objects(mirror) == {blob(work, shas["add"], "src/a.py"),
                                       blob(work, shas["add"], "logo.png"),
                                       blob(work, shas["move"], "src/b.py"),
                                       blob(work, shas["move"], "logo.png")}
    config = (mirror.path / "config").read_text()
    assert "promisor = true" in config and "127.0.0.1" not in config and SECRET not in config
    # the index needs no blob: a fetch would fail, the remote's URL is not stored
    sink = MemorySink()
    result = Indexer(mirror, sink).run()
    assert result.commits_added == 3
    assert {(f.path, f.change_type) for f in sink.commits[shas["move"]].files} == {
        ("src/a.py", "deleted"), ("src/b.py", "added"), ("logo.png", "modified")}

    new = work.commit("ABC-4 more", {"c.txt": "c\n"})
    publish(work.path, bare)
    assert mirror.fetch(url, CREDS, allow_private=True)["partial"] is True
    assert mirror.refs()["refs/heads/main"] == new
    assert blob(work, new, "c.txt") in missing_objects(mirror)  # the filter still applies
    assert SECRET not in (mirror.path / "config").read_text()
    assert all(SECRET not in r.path for r in auth_http_server.requests)


@pytest.mark.parametrize("refusal", ["allowFilter=false", "filter not allowed"])
def test_server_refusing_filters_gets_a_full_clone(
        work: WorkRepo, served_root: Path, http_server: GitHttpServer, tmp_path: Path,
        refusal: str) -> None:
    history(work)
    bare = serve(work, served_root, allow_filter="false" if "=" in refusal else "true")
    if "=" not in refusal:  # advertised, but this filter is refused: git's clone fails
        git("--git-dir", str(bare), "config", "uploadpackfilter.allow", "false")
    mirror = Mirror(tmp_path / "mirror.git")
    report = mirror.fetch(http_server.url("repo.git"), None, allow_private=True)
    assert report["cloned"] and report["partial"] is False and not mirror.is_partial()
    assert missing_objects(mirror) == set()
    assert "[remote" not in (mirror.path / "config").read_text()
    sink = MemorySink()
    assert Indexer(mirror, sink).run().commits_added == 3


def test_line_count_pass_fetches_a_few_blobs_by_id_in_one_request(
        work: WorkRepo, served_root: Path, auth_http_server: GitHttpServer,
        tmp_path: Path) -> None:
    shas = history(work)
    work.commit("ABC-5 binary only", {"logo.png": b"\x89PNG\x00\x02"})
    serve(work, served_root, allow_filter="true")
    mirror = Mirror(tmp_path / "mirror.git")
    url = auth_http_server.url("repo.git")
    mirror.fetch(url, CREDS, allow_private=True)
    sink = MemorySink()
    Indexer(mirror, sink).run()
    fetched: list[int | None] = []

    def fetch(oids: Sequence[str] | None) -> None:
        fetched.append(None if oids is None else len(oids))
        mirror.fetch_blobs(url, CREDS, oids, allow_private=True)

    before = len(auth_http_server.requests)
    lines = LineSink(sink)
    assert LineCounter(mirror, lines, fetch, chunk=2, batch_size=1).run() == 4
    assert fetched == [5]  # one request for the five missing blobs, none one by one
    assert missing_objects(mirror) == set()
    assert all(r.headers.get("Authorization", "").startswith("Basic ")
               for r in auth_http_server.requests[before:] if r.status == 200)
    stats = sink.file_stats
    assert {(f.path, f.change_type, f.lines_added, f.lines_removed)
            for f in stats[shas["add"]]} == {("src/a.py", "added", 20, 0),
                                              ("logo.png", "added", None, None)}
    by_path = {f.path: f for f in stats[shas["move"]]}
    assert by_path["src/b.py"] == FileChange("src/b.py", "renamed", "src/a.py", 2, 1)
    assert by_path["logo.png"] == FileChange("logo.png", "modified", None, None, None)
    assert stats[shas["delete"]] == (FileChange("src/b.py", "deleted", None, 0, 21),)
    assert lines.progress[0] == (0, 4) and lines.progress[-1] == (4, 4)
    assert [d for d, _ in lines.progress] == sorted(d for d, _ in lines.progress)
    # nothing pending: nothing fetched, nothing counted
    assert LineCounter(mirror, lines, fetch).run() == 0 and fetched == [5]


def test_line_count_pass_refetches_many_blobs_and_later_fetches_stay_blobless(
        work: WorkRepo, served_root: Path, auth_http_server: GitHttpServer,
        tmp_path: Path) -> None:
    shas = history(work)
    bare = serve(work, served_root, allow_filter="true")
    mirror = Mirror(tmp_path / "mirror.git")
    url = auth_http_server.url("repo.git")
    mirror.fetch(url, CREDS, allow_private=True)
    sink = MemorySink()
    Indexer(mirror, sink).run()
    fetched: list[Sequence[str] | None] = []

    def fetch(oids: Sequence[str] | None) -> None:
        fetched.append(oids)
        mirror.fetch_blobs(url, CREDS, oids, allow_private=True)

    before = len(auth_http_server.requests)
    assert LineCounter(mirror, LineSink(sink), fetch, refetch_above=2).run() == 3
    assert fetched == [None]  # more than two missing: everything in one refetch
    assert missing_objects(mirror) == set()
    assert all(r.headers.get("Authorization", "").startswith("Basic ")
               for r in auth_http_server.requests[before:] if r.status == 200)
    assert FileChange("src/b.py", "renamed", "src/a.py", 2, 1) in sink.file_stats[shas["move"]]
    config = (mirror.path / "config").read_text()
    assert "partialclonefilter = blob:none" in config and "promisor = true" in config
    assert "127.0.0.1" not in config and SECRET not in config
    assert not (mirror.path / "FETCH_HEAD").exists()

    new = work.commit("ABC-4 more", {"c.txt": "c\n"})
    publish(work.path, bare)
    assert mirror.fetch(url, CREDS, allow_private=True)["partial"] is True
    assert mirror.refs()["refs/heads/main"] == new
    assert missing_objects(mirror) == {blob(work, new, "c.txt")}  # blobless again


def test_line_count_pass_on_a_full_mirror_skips_unreachable(
        work: WorkRepo, served_root: Path, http_server: GitHttpServer, tmp_path: Path) -> None:
    shas = history(work)
    serve(work, served_root, allow_filter=None)
    mirror = Mirror(tmp_path / "mirror.git")
    mirror.fetch(http_server.url("repo.git"), None, allow_private=True)
    sink = MemorySink()
    Indexer(mirror, sink).run()
    lines = LineSink(sink)
    lines.sink.commits["f" * 40] = sink.commits[shas["add"]]  # e.g. from a webhook payload
    assert LineCounter(mirror, lines, None).run() == 3
    assert set(sink.file_stats) == set(shas.values())
