"""A first index from a blobless clone, end to end: a real smart-HTTP server behind
Basic auth, the app's API and a real RQ worker. Commits show with their files at
``indexed``; diffs and Compare fetch the blobs they need (with the integration's
credentials) before the line-count pass; the pass then fills counts and renames and
shows its progress; an incremental fetch stays blobless."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from rq import SimpleWorker

from app.extensions import db
from app.index_runs import mirror_for
from app.models import Commit, Repository
from app.queue import MANUAL, get_queue
from tests.api.browsing_fixtures import get
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, git, init_bare
from tests.support.indexing import drain

SECRET = "s3cr3t-t0ken-value"


def index_only(conn: redis.Redis) -> None:
    """Run the index job but not the line-count pass (it waits on the scheduled queue)."""
    SimpleWorker([get_queue(MANUAL, conn)], connection=conn).work(burst=True)


def missing_blobs(mirror: Path) -> set[str]:
    out = git("--git-dir", str(mirror), "rev-list", "--objects", "--missing=print", "--all")
    return {line[1:] for line in out.split() if line.startswith("?")}


def repository_json(connect: ConnectActions, site: Any, integration_id: int) -> dict[str, Any]:
    body = connect.api("GET", f"/api/v1/integrations/{integration_id}/repositories", *site,
                       sub="admin-1").get_json()
    return dict(body["repositories"][0])


def test_blobless_first_index_then_line_counts(
        tmp_path: Path, connect: ConnectActions, site: Any, redis_conn: redis.Redis) -> None:
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    lines = "".join(f"line {i}\n" for i in range(10))
    first = work.commit("ABC-1 add", {"src/a.py": lines, "b.txt": "b\n"})
    work.rename("src/a.py", "src/b.py")
    moved = work.commit("ABC-1 move and edit", {"src/b.py": lines + "more\n"})
    bare = init_bare(root / "app.git")
    work.publish(bare)
    git("--git-dir", str(bare), "config", "uploadpack.allowFilter", "true")
    with GitHttpServer(root, username="alice", password=SECRET) as server:
        created = connect.api("POST", "/api/v1/integrations", *site, sub="admin-1", json={
            "kind": "git", "url": server.url("app.git"),
            "auth": {"type": "basic", "username": "alice", "password": SECRET}})
        assert created.status_code == 201, created.get_json()
        integration_id = created.get_json()["id"]
        index_only(redis_conn)
        listed = repository_json(connect, site, integration_id)
        assert listed["status"] == "indexed" and listed["counts"]["commits"] == 2
        assert listed["line_counts"] == {"done": 0, "total": 2, "complete": False}
        assert any("partial clone" in line for line in listed["log"])
        repository = db.session.get(Repository, listed["id"])
        mirror = mirror_for(repository).path
        assert missing_blobs(mirror)  # blobless: the index read trees only
        assert SECRET not in (mirror / "config").read_text()

        commits = get(connect, site, f"/api/v1/repositories/{listed['id']}/commits").get_json()
        by_sha = {c["sha"]: c for c in commits["commits"]}
        assert by_sha[moved]["stats_complete"] is False
        files = {f["path"]: f for f in by_sha[moved]["files"]}
        assert set(files) == {"src/a.py", "src/b.py"}  # no rename detection yet
        assert files["src/b.py"]["added"] is None  # not counted yet, and not shown as 0
        # A diff before the pass: git fetches the two blobs, with the credentials.
        before = len(server.requests)
        diff = get(connect, site, f"/api/v1/repositories/{listed['id']}/commits/{moved}/diff"
                                  "?path=src/b.py").get_json()
        assert "+more" in diff["diff"]
        assert any(r.headers.get("Authorization") and r.method == "POST"
                   for r in server.requests[before:])
        compare = get(connect, site, f"/api/v1/repositories/{listed['id']}/compare"
                                     f"?base={first}&head={moved}").get_json()
        assert compare["files"] == [
            {"path": "src/a.py", "change": "deleted", "added": 0, "removed": 10},
            {"path": "src/b.py", "change": "added", "added": 11, "removed": 0}]
        assert compare["stats"] == {"complete": False, "pending": 1, "missing": 0}
        rollup = get(connect, site, "/api/v1/issues/ABC-1/rollup").get_json()
        assert rollup["stats"]["complete"] is False and rollup["stats"]["pending"] == 2

        drain(redis_conn)  # the line-count pass
        listed = repository_json(connect, site, integration_id)
        assert listed["line_counts"] == {"done": 2, "total": 2, "complete": True}
        assert any("line counts: 2 commits counted" in line for line in listed["log"])
        assert missing_blobs(mirror) == set()
        db.session.expire_all()
        row = db.session.get(Commit, (listed["id"], moved))
        assert row.stats_done and row.files == [{
            "path": "src/b.py", "change_type": "renamed", "old_path": "src/a.py",
            "added": 1, "removed": 0}]
        rollup = get(connect, site, "/api/v1/issues/ABC-1/rollup").get_json()
        assert rollup["stats"]["complete"] is True
        assert rollup["authors"][0]["added"] == 12  # 10 + 1, then the rename's 1

        # An incremental fetch keeps the filter; its pass counts only the new commit.
        new = work.commit("ABC-1 more", {"c.txt": "c\n"})
        work.publish(bare)
        connect.api("POST", f"/api/v1/integrations/{integration_id}/reindex", *site,
                    sub="admin-1")
        index_only(redis_conn)
        new_blob = work.git("rev-parse", f"{new}:c.txt").strip()
        assert missing_blobs(mirror) == {new_blob}
        listed = repository_json(connect, site, integration_id)
        assert listed["status"] == "indexed"
        assert listed["line_counts"] == {"done": 0, "total": 1, "complete": False}
        drain(redis_conn)
        assert repository_json(connect, site, integration_id)["line_counts"] == {
            "done": 1, "total": 1, "complete": True}
        assert missing_blobs(mirror) == set()
    assert all(SECRET not in r.path for r in server.requests)
