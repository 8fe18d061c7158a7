from __future__ import annotations

import time
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from app.indexing import log as gitlog
from app.indexing.errors import GitError, GitTimeout
from app.indexing.gitcli import run_git, stream_git
from app.indexing.models import Commit
from tests.support.gitrepo import WorkRepo

BOB = ("Bob Builder", "bob@example.com")


def git_dir(work: WorkRepo) -> Path:
    return work.path / ".git"


def commits_by_sha(work: WorkRepo, include: list[str],
                   exclude: list[str] | None = None) -> dict[str, Commit]:
    return {c.sha: c for c in gitlog.stream_commits(git_dir(work), include, exclude or [])}


def test_commit_fields_dates_and_files(work: WorkRepo) -> None:
    first = work.commit("First ABC-1\n\nBody with DEF-2.\n",
                        {"a.txt": "one\ntwo\n", "bin.dat": b"\x00\x01\x02"},
                        author=BOB, committer=("Carol", "carol@example.com"),
                        date="2023-05-06T07:08:09-07:30",
                        committer_date="2023-05-07T00:00:00+05:45")
    work.rename("a.txt", "b.txt")
    second = work.commit("Rename", {"b.txt": "one\ntwo\nthree\n", "bin.dat": None})
    commits = commits_by_sha(work, [second])
    assert list(commits) == [second, first]  # newest first
    c1 = commits[first]
    assert c1.parents == ()
    assert c1.author.name == "Bob Builder" and c1.author.email == "bob@example.com"
    assert c1.committer.name == "Carol"
    assert c1.author.time.utcoffset() == -timedelta(hours=7, minutes=30)
    assert c1.author.time.astimezone(UTC).isoformat() == "2023-05-06T14:38:09+00:00"
    assert c1.committer.time.utcoffset() == timedelta(hours=5, minutes=45)
    assert c1.message == "First ABC-1\n\nBody with DEF-2."
    assert c1.issue_keys == ("ABC-1", "DEF-2")
    assert {(f.path, f.change_type) for f in c1.files} == {("a.txt", "added"), ("bin.dat", "added")}
    assert all(f.lines_added is None for f in c1.files)
    c2 = commits[second]
    assert c2.parents == (first,)
    changes = {f.path: f for f in c2.files}
    # a tree diff: no rename detection (it would read blobs); the line-count pass adds it
    assert {p: (f.change_type, f.old_path) for p, f in changes.items()} == {
        "a.txt": ("deleted", None), "b.txt": ("added", None), "bin.dat": ("deleted", None)}
    assert not c2.stats_done


def test_unicode_long_message_and_odd_paths(work: WorkRepo) -> None:
    body = ("Zeile mit Umlauten äöü. " * 400)[:8000]
    message = "Ünïcødé 修复 ABC-7 🎉\n\n" + body + "\nEnd ABC-8"
    sha = work.commit(message, {"dir with space/naïve file.txt": "x\n", "tab\tname": "y\n",
                                "new\nline": "z\n"},
                      author=("Zoë Ångström", "zoe@example.com"))
    commit = commits_by_sha(work, [sha])[sha]
    assert commit.message == message
    assert len(commit.message) > 8000
    assert commit.author.name == "Zoë Ångström"
    assert commit.issue_keys == ("ABC-7", "ABC-8")
    assert {f.path for f in commit.files} == {"dir with space/naïve file.txt", "tab\tname",
                                               "new\nline"}


def test_fifty_keys_in_one_message(work: WorkRepo) -> None:
    keys = [f"PROJ{i}-{100 + i}" for i in range(50)]
    sha = work.commit("Many keys: " + ", ".join(keys))
    assert commits_by_sha(work, [sha])[sha].issue_keys == tuple(keys)


def test_merge_lists_files_against_first_parent(work: WorkRepo) -> None:
    base = work.commit("base", {"base.txt": "b\n"})
    work.checkout("topic", create=True)
    t1 = work.commit("topic 1", {"t1.txt": "1\n"})
    t2 = work.commit("topic 2", {"t2.txt": "2\n"})
    work.checkout("main")
    m1 = work.commit("main 1", {"m1.txt": "m\n"})
    merge = work.merge("topic", "Merge topic")
    commits = commits_by_sha(work, [merge])
    # every reachable commit is walked, not only the first-parent line
    assert set(commits) == {base, t1, t2, m1, merge}
    assert commits[merge].parents == (m1, t2)
    assert {f.path for f in commits[merge].files} == {"t1.txt", "t2.txt"}
    stats = dict(gitlog.stream_file_stats(git_dir(work), [merge]))
    assert {f.path: (f.lines_added, f.lines_removed) for f in stats[merge]} == {
        "t1.txt": (1, 0), "t2.txt": (1, 0)}


def test_include_exclude_count_and_rev_list(work: WorkRepo) -> None:
    a = work.commit("a", {"f": "1\n"})
    b = work.commit("b", {"f": "2\n"})
    c = work.commit("c", {"f": "3\n"})
    repo = git_dir(work)
    assert list(commits_by_sha(work, [c], [a])) == [c, b]
    assert gitlog.count(repo, [c], [a]) == 2
    assert gitlog.count(repo, [c]) == 3
    assert list(gitlog.stream_rev_list(repo, [c], [b])) == [c]
    # no positive revision: nothing, and no silent fallback to HEAD
    assert list(gitlog.stream_commits(repo, [], [a])) == []
    assert gitlog.count(repo, []) == 0
    with pytest.raises(ValueError):
        list(gitlog.stream_commits(repo, ["--all"]))


def test_file_stats_pass(work: WorkRepo) -> None:
    lines = [f"line {i}\n" for i in range(10)]
    work.commit("one", {"a.txt": "".join(lines), "img.png": b"\x89PNG\x00\x00"})
    work.rename("a.txt", "b.txt")
    lines[1] = "TWO\n"
    sha = work.commit("two", {"b.txt": "".join(lines) + "extra\n",
                              "img.png": b"\x89PNG\x00\x01", "c.txt": "c\n"})
    repo = git_dir(work)
    first = work.rev("HEAD~1")
    # exactly the commits asked for, in that order (no walk)
    assert [s for s, _ in gitlog.stream_file_stats(repo, [first, sha])] == [first, sha]
    files = {f.path: f for f in dict(gitlog.stream_file_stats(repo, [sha]))[sha]}
    assert files["b.txt"].change_type == "renamed" and files["b.txt"].old_path == "a.txt"
    assert (files["b.txt"].lines_added, files["b.txt"].lines_removed) == (2, 1)
    assert files["img.png"].change_type == "modified" and files["img.png"].lines_added is None
    assert (files["c.txt"].change_type, files["c.txt"].lines_added) == ("added", 1)


def test_peel_commits(work: WorkRepo) -> None:
    sha = work.commit("tagged")
    work.tag("v1", message="annotated")
    work.tag("nested", "v1", message="tag of a tag")
    repo = git_dir(work)
    tag_obj = work.git("rev-parse", "v1").strip()
    nested_obj = work.git("rev-parse", "nested").strip()
    tree = work.git("rev-parse", "HEAD^{tree}").strip()
    missing = "0123456789abcdef0123456789abcdef01234567"
    peeled, gone = gitlog.peel_commits(repo, [sha, tag_obj, nested_obj, tree, missing])
    assert peeled == {sha: sha, tag_obj: sha, nested_obj: sha}
    assert gone == {missing}


def test_parse_raw_date_is_forgiving() -> None:
    assert gitlog.parse_raw_date(b"0 +0000").year == 1970
    assert gitlog.parse_raw_date(b"1700000000 +9999").utcoffset() == timedelta(0)
    assert gitlog.parse_raw_date(b"garbage").year == 1970
    assert gitlog.parse_raw_date(b"99999999999999999 +0100").year == 1970
    assert gitlog.parse_raw_date("1700000000 -0130").utcoffset() == -timedelta(minutes=90)


def _child_pids() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


HANGING = {"GIT_SSH_COMMAND": "sleep 30; false"}  # a "remote" that never answers


def test_stream_is_lazy_and_killed_on_early_close(work: WorkRepo) -> None:
    sha = work.commit("c", {"f": "x\n" * 100})
    # far more output than a pipe buffer holds: git is still writing when we stop
    requests = (f"{sha}\n" * 20000).encode()
    before = set(_child_pids())  # the session's own services are children too
    gen = stream_git(["cat-file", "--batch"], git_dir=git_dir(work), input=requests)
    first = next(gen)
    assert first.startswith(sha.encode())
    assert set(_child_pids()) - before, "git should still be running"
    gen.close()  # must kill and reap git (and its helper threads), not hang or leak
    assert set(_child_pids()) - before == set()
    started = time.monotonic()
    with pytest.raises(GitTimeout):
        list(stream_git(["ls-remote", "ssh://example.invalid/x"], env=HANGING, timeout=0.5))
    assert time.monotonic() - started < 10


def test_run_git_timeout_kills_process_group(work: WorkRepo) -> None:
    started = time.monotonic()
    with pytest.raises(GitTimeout) as info:
        run_git(["ls-remote", "ssh://example.invalid/x"], env=HANGING, timeout=0.5)
    assert time.monotonic() - started < 10
    assert not info.value.permanent
    assert "took longer than" in str(info.value)


def test_git_errors_are_raised(work: WorkRepo) -> None:
    work.commit("x")
    with pytest.raises(GitError) as err:
        run_git(["rev-parse", "--verify", "no-such-ref"], git_dir=git_dir(work))
    assert "git rev-parse failed" in str(err.value)
    with pytest.raises(GitError):
        list(stream_git(["log", "no-such-ref"], git_dir=git_dir(work)))
    result = run_git(["rev-parse", "--verify", "no-such-ref"], git_dir=git_dir(work), check=False)
    assert result.returncode != 0


def test_base_env_is_isolated(monkeypatch: pytest.MonkeyPatch, work: WorkRepo) -> None:
    from app.indexing.gitcli import base_env

    monkeypatch.setenv("GIT_DIR", "/nonexistent")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    env = base_env()
    assert "GIT_DIR" not in env and "SSH_AUTH_SOCK" not in env
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["LC_ALL"] == "C"
    assert env["GIT_CONFIG_NOSYSTEM"] == "1" and env["GIT_CONFIG_GLOBAL"] == "/dev/null"
    sha = work.commit("x")
    # an inherited GIT_DIR must not redirect our commands
    assert run_git(["rev-parse", "HEAD"], git_dir=git_dir(work)).stdout.decode().strip() == sha


def test_blob_ids_are_both_sides_of_each_change_without_submodules(work: WorkRepo) -> None:
    work.commit("one", {"a.txt": "a\n", "gone.txt": "g\n"})
    sha = work.commit("two", {"a.txt": "A\n", "gone.txt": None, "new.txt": "n\n"})
    blob = work.git("rev-parse", "HEAD:a.txt").strip()
    work.git("update-index", "--add", "--cacheinfo", f"160000,{sha},sub")
    gitlinked = work.commit("submodule entry")
    repo = git_dir(work)
    ids = set(gitlog.stream_blob_ids(repo, [sha]))
    expected = {work.git("rev-parse", f"{sha}~1:a.txt").strip(), blob,
                work.git("rev-parse", f"{sha}~1:gone.txt").strip(),
                work.git("rev-parse", f"{sha}:new.txt").strip()}
    assert ids == expected
    assert list(gitlog.stream_blob_ids(repo, [gitlinked])) == []
