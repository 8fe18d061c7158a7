"""Benchmark (a) and (d): full index of a large history against the raw git floor.

History: ``git fast-import`` of 100,000 commits on 50 branches, issue keys in most
messages, served over smart HTTP (``git http-backend``). Floor, measured in the same run
on the same URL: ``git clone --mirror`` plus ``git log --all --name-status`` over it.
Ours: a real ``gitbridge worker --burst`` process indexing into PostgreSQL, timed to
"commits visible in the API" (first pass) and to done (line counts filled in), with the
worker's peak RSS (getrusage of the child).

Run: .venv/bin/python bench/index_full.py [--commits 100000] [--branches 50]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, add_repository, bench_env, fresh_app, timer

from app.extensions import db
from app.jobs import request_index
from app.models import Repository
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import fast_import_history


def floor(url: str, tmp: Path) -> dict[str, float]:
    results: dict[str, float] = {}
    target = tmp / "floor.git"
    with timer(results, "clone_mirror"):
        subprocess.run(["git", "clone", "--quiet", "--mirror", url, str(target)], check=True)
    with timer(results, "log_name_status"):
        subprocess.run(["git", "--git-dir", str(target), "log", "--all", "--name-status"],
                       check=True, stdout=subprocess.DEVNULL)
    results["total"] = results["clone_mirror"] + results["log_name_status"]
    return results


def ours(app: object, env: dict[str, str], url: str, expected: int) -> dict[str, float]:
    with app.app_context():  # type: ignore[attr-defined]
        _, repository_id = add_repository(url)
        import redis

        redis.Redis.from_url(env["GITBRIDGE_REDIS_URL"]).flushdb()
        request_index(repository_id)
        started = time.perf_counter()
        worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--burst"],
                                  env={**os.environ, **env}, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        visible = None
        while worker.poll() is None:
            if visible is None:  # progress is written after each batch lands: a cheap poll
                done = db.session.execute(
                    db.select(Repository.progress_done).where(Repository.id == repository_id)
                ).scalar_one()
                db.session.rollback()
                if done >= expected:
                    visible = time.perf_counter() - started
            time.sleep(0.05)
        done = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        repository = db.session.get(Repository, repository_id)
        assert repository is not None and repository.status == "indexed", repository
        assert repository.counts["commits"] == expected, repository.counts
        print("\n".join(repository.index_log), file=sys.stderr)
        return {"commits_visible": visible or done, "done": done, "worker_peak_rss_mb": rss_mb}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitbridge-bench-") as tmp_name:
        tmp = Path(tmp_name)
        served = tmp / "served"
        served.mkdir()
        started = time.perf_counter()
        bare = fast_import_history(served / "big.git", args.commits, args.branches)
        made = time.perf_counter() - started
        expected = int(subprocess.run(["git", "--git-dir", str(bare), "rev-list", "--all",
                                       "--count"], capture_output=True, text=True,
                                      check=True).stdout)
        env = bench_env(tmp)
        app = fresh_app(env)
        with GitHttpServer(served) as server:
            url = server.url("big.git")
            raw = floor(url, tmp)
            result = ours(app, env, url, expected)
        report = {
            "commits": expected, "branches": args.branches, "history_built_s": round(made, 1),
            "floor_s": {k: round(v, 2) for k, v in raw.items()},
            "ours_s": {k: round(v, 2) for k, v in result.items() if k.endswith(("visible",
                                                                                "done"))},
            "ratio_visible": round(result["commits_visible"] / raw["total"], 2),
            "ratio_done": round(result["done"] / raw["total"], 2),
            "worker_peak_rss_mb": round(result["worker_peak_rss_mb"], 1),
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
