from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from app.indexing.credentials import GitCredentials
from app.indexing.engine import Indexer
from app.indexing.mirror import Mirror
from app.indexing.models import Branch, Commit, FileChange, IndexResult, Tag
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, publish, sync_mirror


class MemorySink:
    """The sink for tests: plain dicts, and a record of every call."""

    def __init__(self) -> None:
        self.commits: dict[str, Commit] = {}
        self.file_stats: dict[str, tuple[FileChange, ...]] = {}
        self.branches: dict[str, Branch] = {}
        self.tags: dict[str, Tag] = {}
        self.added_batches: list[list[str]] = []
        self.removed: list[str] = []
        self.progress_calls: list[tuple[int, int]] = []
        self.messages: list[str] = []
        self.known_shas_calls = 0

    def add_commits(self, commits: Sequence[Commit]) -> None:
        self.added_batches.append([c.sha for c in commits])
        for commit in commits:
            self.commits[commit.sha] = commit

    def remove_commits(self, shas: Sequence[str]) -> None:
        self.removed.extend(shas)
        for sha in shas:
            self.commits.pop(sha, None)
            self.file_stats.pop(sha, None)

    def set_file_stats(self, stats: Sequence[tuple[str, Sequence[FileChange]]]) -> None:
        for sha, files in stats:
            assert sha in self.commits, "stats must come after the commit"
            self.file_stats[sha] = tuple(files)

    def replace_refs(self, branches: Sequence[Branch], tags: Sequence[Tag]) -> None:
        self.branches = {b.name: b for b in branches}
        self.tags = {t.name: t for t in tags}

    def progress(self, done: int, total: int) -> None:
        self.progress_calls.append((done, total))

    def log(self, message: str) -> None:
        self.messages.append(message)

    def known_shas(self) -> Iterable[str]:
        self.known_shas_calls += 1
        return list(self.commits)

    def reset_calls(self) -> None:
        self.added_batches, self.removed, self.progress_calls = [], [], []
        self.known_shas_calls = 0


class Harness:
    """A work repo, its mirror and a sink, indexed run after run."""

    def __init__(self, work: WorkRepo, tmp_path: Path, batch_size: int = 1000) -> None:
        self.work = work
        self.mirror = Mirror(tmp_path / "mirror.git")
        self.sink = MemorySink()
        self.refs: dict[str, str] = {}
        self.batch_size = batch_size

    def index(self, head: str = "main") -> IndexResult:
        sync_mirror(self.work.path, self.mirror.path, head=head)
        self.sink.reset_calls()
        result = Indexer(self.mirror, self.sink, previous_refs=self.refs,
                         batch_size=self.batch_size).run()
        self.refs = result.refs
        return result

    def all_shas(self) -> set[str]:
        out = self.work.git("rev-list", "--branches", "--tags")
        return set(out.split())

    @property
    def added(self) -> list[str]:
        return [sha for batch in self.sink.added_batches for sha in batch]


@pytest.fixture
def h(work: WorkRepo, tmp_path: Path) -> Harness:
    return Harness(work, tmp_path)


def test_full_then_incremental(h: Harness) -> None:
    work = h.work
    for i in range(5):
        work.commit(f"Commit {i} ABC-{i + 1}", {f"f{i}.txt": f"{i}\n"})
    result = h.index()
    assert result.commits_added == 5 and result.commits_removed == 0
    assert result.main_branch == "main"
    assert set(h.sink.commits) == h.all_shas()
    assert result.refs == {"refs/heads/main": work.rev("main")}
    assert h.sink.known_shas_calls == 1  # no previous refs: reconcile with an empty sink

    new = [work.commit("New ABC-10", {"n.txt": "n\n"}), work.commit("Newer", {"n.txt": "m\n"})]
    result = h.index()
    assert result.commits_added == 2
    assert sorted(h.added) == sorted(new)  # only the new commits were read
    assert h.sink.known_shas_calls == 0
    assert set(h.sink.commits) == h.all_shas()

    result = h.index()  # nothing new
    assert result.commits_added == 0 and h.added == []
    assert "No new commits." in h.sink.messages


def test_batches_and_progress(work: WorkRepo, tmp_path: Path) -> None:
    h = Harness(work, tmp_path, batch_size=3)
    for i in range(8):
        work.commit(f"c{i}", {"f": f"{i}\n"})
    h.index()
    assert [len(b) for b in h.sink.added_batches] == [3, 3, 2]
    calls = h.sink.progress_calls
    assert calls[0] == (0, 8) and calls[-1] == (8, 8)  # one work unit per commit read
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert all(total == 8 for _, total in calls)
    assert any("Reading 8 new commits" in m for m in h.sink.messages)
    work.commit("c8", {"f": "8\n"})
    h.index()
    assert h.sink.progress_calls[0] == (0, 1) and h.sink.progress_calls[-1] == (1, 1)


def test_force_push_removes_rewritten_commits(h: Harness) -> None:
    work = h.work
    base = work.commit("base", {"a": "1\n"})
    old1 = work.commit("old 1", {"a": "2\n"})
    old2 = work.commit("old 2", {"a": "3\n"})
    h.index()
    work.reset_hard(base)
    rewritten = work.commit("rewritten", {"a": "4\n"})
    result = h.index()
    assert sorted(h.sink.removed) == sorted([old1, old2])
    assert result.commits_removed == 2 and result.commits_added == 1
    assert h.added == [rewritten]
    assert set(h.sink.commits) == {base, rewritten}
    assert h.sink.known_shas_calls == 0  # old tip still in the mirror: exact walk


def test_branch_delete_removes_only_its_commits(h: Harness) -> None:
    work = h.work
    base = work.commit("base")
    work.checkout("topic", create=True)
    t1 = work.commit("topic 1")
    t2 = work.commit("topic 2")
    work.checkout("main")
    work.checkout("kept", create=True)
    kept = work.commit("kept")
    work.checkout("main")
    h.index()
    assert {t1, t2, kept} <= set(h.sink.commits)
    work.delete_branch("topic")
    result = h.index()
    assert sorted(h.sink.removed) == sorted([t1, t2])
    assert result.commits_added == 0
    assert set(h.sink.commits) == {base, kept}
    assert set(h.sink.branches) == {"main", "kept"}
    assert "refs/heads/topic" not in result.refs


def test_merged_branch_delete_keeps_commits(h: Harness) -> None:
    work = h.work
    work.commit("base")
    work.checkout("topic", create=True)
    t1 = work.commit("topic 1", {"t.txt": "t\n"})
    work.checkout("main")
    work.commit("main 1", {"m.txt": "m\n"})
    merge = work.merge("topic", "Merge topic ABC-5")
    h.index()
    work.delete_branch("topic")
    result = h.index()
    assert h.sink.removed == [] and result.commits_removed == 0
    merge_commit = h.sink.commits[merge]
    assert len(merge_commit.parents) == 2
    assert [f.path for f in merge_commit.files] == ["t.txt"]
    assert merge_commit.issue_keys == ("ABC-5",)
    assert t1 in h.sink.commits


def test_garbage_collected_old_tip_falls_back_to_known_shas(h: Harness) -> None:
    work = h.work
    keep = work.commit("keep")
    h.index()
    # a tip the mirror never had (as after gc pruned a force-pushed tip), and a
    # commit the sink holds that no ref reaches any more
    stale = "1234567890abcdef1234567890abcdef12345678"
    h.refs = {"refs/heads/main": stale}
    h.sink.commits[stale] = h.sink.commits[keep]
    new = work.commit("new")
    result = h.index()
    assert h.sink.known_shas_calls == 1
    assert h.sink.removed == [stale]
    assert set(h.sink.commits) == {keep, new}
    assert result.commits_added == 2  # without a usable boundary everything is re-read
    assert any("garbage-collected" in m for m in h.sink.messages)


def test_lost_previous_refs_reconciles(h: Harness) -> None:
    work = h.work
    work.commit("a")
    h.index()
    h.sink.commits["f" * 40] = next(iter(h.sink.commits.values()))
    h.refs = {}
    h.index()
    assert h.sink.removed == ["f" * 40]


def test_branches_keys_ahead_behind(h: Harness) -> None:
    work = h.work
    work.commit("base")
    work.checkout("feature/abc-77-login", create=True)
    f1 = work.commit("work without key")
    work.commit("more work")
    work.checkout("main")
    work.commit("main moves on")
    work.branch("same-as-main")
    h.index()
    branches = h.sink.branches
    feature = branches["feature/abc-77-login"]
    assert feature.issue_keys == ("ABC-77",)
    assert (feature.ahead, feature.behind, feature.is_main) == (2, 1, False)
    assert feature.sha == work.rev("feature/abc-77-login")
    assert (branches["main"].ahead, branches["main"].behind, branches["main"].is_main) == (
        0, 0, True)
    assert (branches["same-as-main"].ahead, branches["same-as-main"].behind) == (0, 0)
    # the key is only in the branch name, not in any commit
    assert all("ABC-77" not in c.issue_keys for c in h.sink.commits.values())
    assert f1 in h.sink.commits


def test_default_branch_other_than_main(h: Harness) -> None:
    work = h.work
    work.commit("base")
    work.checkout("develop", create=True)
    work.commit("dev")
    result = h.index(head="develop")
    assert result.main_branch == "develop"
    assert h.sink.branches["develop"].is_main
    assert (h.sink.branches["main"].ahead, h.sink.branches["main"].behind) == (0, 1)


def test_tags(h: Harness) -> None:
    work = h.work
    c1 = work.commit("one")
    work.tag("light")
    work.tag("v1.0", message="Release 1.0\n\nNotes ABC-3", tagger=("Tess Tagger", "tess@x.org"),
             date="2024-03-04T05:06:07+01:00")
    work.tag("nested", "v1.0", message="A tag of a tag")
    tree = work.git("rev-parse", "HEAD^{tree}").strip()
    work.git("tag", "tree-tag", tree)
    c2 = work.commit("two")
    h.index()
    tags = h.sink.tags
    assert set(tags) == {"light", "v1.0", "nested"}  # a tag of a tree has no commit
    assert tags["light"] == Tag("light", c1, None, None)
    v1 = tags["v1.0"]
    assert v1.sha == c1 and v1.annotation == "Release 1.0\n\nNotes ABC-3"
    assert v1.tagger is not None and v1.tagger.name == "Tess Tagger"
    assert v1.tagger.email == "tess@x.org"
    assert v1.tagger.time.isoformat() == "2024-03-04T05:06:07+01:00"
    assert tags["nested"].sha == c1
    assert h.refs["refs/tags/v1.0"] != c1  # refs keep the tag object, tags are peeled
    assert c2 in h.sink.commits


def test_unicode_long_message_and_fifty_keys(h: Harness) -> None:
    work = h.work
    long_message = "Ünïcødé 🎉 ABC-1\n\n" + "ß" * 8000
    keys = [f"K{i}X-{i + 1}" for i in range(50)]
    a = work.commit(long_message, {"ü.txt": "ü\n"})
    b = work.commit("keys: " + " ".join(keys))
    h.index()
    assert h.sink.commits[a].message == long_message
    assert h.sink.commits[a].issue_keys == ("ABC-1",)
    assert h.sink.commits[a].files[0].path == "ü.txt"
    assert h.sink.commits[b].issue_keys == tuple(keys)


def test_commits_come_with_files_but_without_line_counts(h: Harness) -> None:
    work = h.work
    first = work.commit("add", {"src/a.py": "x\n", "logo.png": b"\x89PNG\x00\x00"})
    work.rename("src/a.py", "src/b.py")
    second = work.commit("move")
    h.index()
    assert h.sink.file_stats == {}  # counts come from the line-count pass
    assert {(f.path, f.change_type, f.lines_added) for f in h.sink.commits[first].files} == {
        ("src/a.py", "added", None), ("logo.png", "added", None)}
    assert {(f.path, f.change_type) for f in h.sink.commits[second].files} == {
        ("src/a.py", "deleted"), ("src/b.py", "added")}
    assert not any(c.stats_done for c in h.sink.commits.values())


def test_empty_repository_and_everything_deleted(h: Harness) -> None:
    work = h.work
    work.commit("only")
    h.index()
    # all branches gone: the mirror is empty, every commit is removed
    h.work = WorkRepo(h.mirror.path.parent / "emptywork")
    result = h.index()
    assert result.refs == {} and result.main_branch is None
    assert len(h.sink.removed) == 1 and h.sink.commits == {}
    assert h.sink.branches == {} and h.sink.tags == {}


def test_end_to_end_over_http(work: WorkRepo, served_root: Path,
                              auth_http_server: GitHttpServer, tmp_path: Path) -> None:
    for i in range(3):
        work.commit(f"ABC-{i + 1} change", {"f.txt": f"{i}\n"})
    publish(work.path, served_root / "repo.git", head="main")
    mirror = Mirror(tmp_path / "mirror")
    creds = GitCredentials(username="alice", password="s3cr3t-t0ken-value")
    sink = MemorySink()
    mirror.fetch(auth_http_server.url("repo.git"), creds, allow_private=True)
    result = Indexer(mirror, sink, previous_refs={}).run()
    assert result.commits_added == 3
    assert {c.issue_keys for c in sink.commits.values()} == {("ABC-1",), ("ABC-2",), ("ABC-3",)}
    work.commit("ABC-4 more")
    publish(work.path, served_root / "repo.git")
    mirror.fetch(auth_http_server.url("repo.git"), creds, allow_private=True)
    sink.reset_calls()
    result = Indexer(mirror, sink, previous_refs=result.refs).run()
    assert result.commits_added == 1 and sink.added_batches == [[work.rev()]]
