"""Benchmark (e): Compare, Roll Up, a project's commits and the repository list on a
1.2 M-commit index (PostgreSQL), each against its floor measured in the same run.

Index: one real repository (``git fast-import`` of 100,000 commits on 50 branches,
tags every 1,000 main commits, issue keys PROJ-1..5000), indexed by the app's own
worker; plus 1,000,000 generated commits over 20 more repositories of the same tenant
(keys GEN-1..5000; 500 commits are BENCH-1's) and 200,000 of another tenant (as in
bench/development_api.py).
Requests go over real HTTP with context JWTs; Jira's permission answers come from the
in-test Atlassian and are cached as in production.

Floors:
* compare ``v40..v50`` (about 11,000 commits): ``git rev-list`` of the range plus
  ``git diff --raw --numstat`` between the tags, run on the same mirror (also the floor
  of its next page of commits, ``?cursor=100``, which "Load more" asks for);
* roll up of BENCH-1 (500 commits in 20 repositories): the bare SQL that reads those
  commits' rows (as the app reads them: along the issue index, LIMIT 1000);
* a project's commits, first page (1,000 of GEN's 999,500): the bare SQL of the page;
* the repository list: the bare SQL of each listed repository's last commit and issue.

Run: .venv/bin/python bench/browsing_api.py [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from common import add_repository, bench_env, fresh_app, percentile
from development_api import COMMITS, seed, tenant_with_repositories
from werkzeug.serving import make_server

from app.extensions import db
from app.jobs import request_index
from app.models import Integration, Repository, Tenant
from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import FakeAtlassian
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import fast_import_history
from tests.support.indexing import drain


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def stats(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 50), 1), "p95_ms": round(percentile(values, 95), 1)}


def plan(sql: str, params: dict[str, Any]) -> str:
    rows = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS off) " + sql), params).all()
    return "\n".join(r[0] for r in rows)


def main() -> None:  # noqa: C901 - one linear script
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    fake = FakeAtlassian()
    fake.start()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gitbridge-bench-") as tmp_name:
        tmp = Path(tmp_name)
        served = tmp / "served"
        served.mkdir()
        fast_import_history(served / "big.git", 100_000, 50)
        env = bench_env(tmp)
        app = fresh_app(env)
        import redis

        conn = redis.Redis.from_url(env["GITBRIDGE_REDIS_URL"])
        conn.flushdb()
        with GitHttpServer(served) as git_server, app.app_context():
            tenant_id, real_id = add_repository(git_server.url("big.git"))
            tenant = db.session.get(Tenant, tenant_id)
            assert tenant is not None
            tenant.base_url = fake.site_url("bench")
            db.session.commit()
            started = time.perf_counter()
            request_index(real_id)
            drain(conn)
            result["index_real_s"] = round(time.perf_counter() - started, 1)
            real = db.session.get(Repository, real_id)
            assert real is not None and real.status == "indexed", real and real.error
            integration = db.session.get(Integration, real.integration_id)
            assert integration is not None
            first = None
            for i in range(20):
                repo = Repository(tenant_id=tenant_id, integration_id=integration.id,
                                  name=f"gen{i}", clone_url=f"https://example.com/g{i}.git",
                                  status="indexed")
                db.session.add(repo)
                db.session.flush()
                first = first or repo.id
            db.session.commit()
            assert first is not None
            other_id, other_first = tenant_with_repositories("other", fake.site_url("other"))
            started = time.perf_counter()
            seed(tenant_id, first, COMMITS - 500, "GEN-", "a", 5000)
            seed(tenant_id, first, 500, "BENCH-", "b", 1)
            seed(other_id, other_first, 200_000, "BENCH-", "c", 1)
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            result["seed_s"] = round(time.perf_counter() - started, 1)
            result["indexed_commits"] = int(db.session.execute(
                sa.text("SELECT count(*) FROM commits")).scalar_one())
            mirror = Path(env["GITBRIDGE_DATA_DIR"]) / str(tenant_id) / f"{real_id}.git"

            site = fake.site("bench")
            site.shared_secret = "s" * 40
            site.projects = [{"id": "1", "key": "BENCH", "name": "Bench"},
                             {"id": "2", "key": "PROJ", "name": "Proj"},
                             {"id": "3", "key": "GEN", "name": "Generated"}]
            site.issues["BENCH-1"] = {"id": "101", "key": "BENCH-1",
                                      "fields": {"project": {"id": "1", "key": "BENCH"}}}
            for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
                site.grants[("dev", permission)] = {1, 2, 3, 101}
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{server.server_port}/api/v1"
            actions = ConnectActions(app, app.test_client(), fake)
            http = requests.Session()

            def get(path: str) -> dict[str, Any]:
                token = actions.context_token("bench", "s" * 40, sub="dev")
                response = http.get(base + path, headers={"Authorization": f"JWT {token}"},
                                    timeout=120)
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return body

            # -- compare -----------------------------------------------------------------
            compare = get(f"/repositories/{real_id}/compare?base=v40&head=v50")
            result["compare_commits"] = compare["total_commits"]
            result["compare_files"] = len(compare["files"])
            result["compare_authors"] = len(compare["authors"])
            result["compare_issues"] = len(compare["issues"])

            def git_floor() -> None:
                subprocess.run(["git", "--git-dir", str(mirror), "rev-list", "v50", "^v40"],
                               capture_output=True, check=True)
                subprocess.run(["git", "--git-dir", str(mirror), "diff", "--raw", "--numstat",
                                "-z", "--no-renames", "v40", "v50"],
                               capture_output=True, check=True)

            result["compare"] = stats(timed(
                lambda: get(f"/repositories/{real_id}/compare?base=v40&head=v50"),
                args.requests))
            result["compare_floor_git"] = stats(timed(git_floor, args.requests))
            # "Load more" on the page: the next 100 commits of the same two shas (the
            # summary is computed again, so it costs what the first page does).
            assert compare["next"] == "100", compare["next"]
            next_page = (f"/repositories/{real_id}/compare?base={compare['base']['sha']}"
                         f"&head={compare['head']['sha']}&cursor={compare['next']}")
            result["compare_next_page"] = stats(timed(lambda: get(next_page), args.requests))

            # -- roll up -----------------------------------------------------------------
            rollup_sql = (
                "SELECT c.* FROM commits c JOIN commit_keys k ON k.repository_id = "
                "c.repository_id AND k.sha = c.sha WHERE k.tenant_id = :t AND "
                "k.issue_key = 'BENCH-1' ORDER BY k.committed_at, k.sha, k.repository_id "
                "LIMIT 1000")
            rollup = get("/issues/BENCH-1/rollup")
            result["rollup_commits"] = rollup["commits"]
            result["rollup"] = stats(timed(lambda: get("/issues/BENCH-1/rollup"), args.requests))
            result["rollup_floor_sql"] = stats(timed(lambda: db.session.execute(
                sa.text(rollup_sql), {"t": tenant_id}).all(), args.requests))

            # -- a project's commits -----------------------------------------------------
            page_sql = (
                "SELECT committed_at, sha, repository_id FROM commit_keys WHERE tenant_id = :t "
                "AND project_key = 'GEN' GROUP BY committed_at, sha, repository_id "
                "ORDER BY committed_at DESC, sha DESC, repository_id DESC LIMIT 1001")
            first_page = get("/projects/GEN/commits")
            assert len(first_page["commits"]) == 1000 and first_page["next"]
            result["project_commits"] = stats(timed(lambda: get("/projects/GEN/commits"),
                                                    args.requests))
            result["project_commits_page_2"] = stats(timed(
                lambda: get(f"/projects/GEN/commits?cursor={first_page['next']}"),
                args.requests))
            result["project_commits_floor_sql"] = stats(timed(lambda: db.session.execute(
                sa.text(page_sql), {"t": tenant_id}).all(), args.requests))
            result["project_commits_plan"] = plan(page_sql, {"t": tenant_id}).splitlines()[:6]

            # -- the repository list -----------------------------------------------------
            listing = get("/repositories")
            assert listing["total"] == 21
            ids = [r["id"] for r in listing["repositories"]]
            last_sql = ("SELECT (SELECT sha FROM commits WHERE repository_id = :r ORDER BY "
                        "committed_at DESC LIMIT 1), (SELECT issue_key FROM commit_keys WHERE "
                        "repository_id = :r ORDER BY committed_at DESC LIMIT 1)")
            result["repositories"] = stats(timed(lambda: get("/repositories"), args.requests))
            result["repositories_floor_sql"] = stats(timed(lambda: [db.session.execute(
                sa.text(last_sql), {"r": r}).all() for r in ids], args.requests))
            result["repositories_plan"] = plan(last_sql, {"r": ids[0]}).splitlines()[:8]
            branch = get(f"/repositories/{real_id}/commits?branch=main&filter=linked")
            assert len(branch["commits"]) == 100
            result["branch_commits_linked"] = stats(timed(
                lambda: get(f"/repositories/{real_id}/commits?branch=main&filter=linked"),
                args.requests))
            server.shutdown()
    fake.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
