"""Benchmark (a) and (d): full index of a large history against the raw git floor.

History: ``git fast-import`` of 100,000 commits on 50 branches, issue keys in most
messages, served over smart HTTP (``git http-backend``). Floor, measured in the same run
on the same URL: ``git clone --mirror`` plus ``git log --all --name-status`` over it.
Ours: a warm ``gitbridge worker`` process indexing into PostgreSQL, timed from the request to
"commits visible in the API" and to ``indexed`` (line counts follow in the background
line-count pass, timed by ``bench/index_kafka.py``), with the work horse's peak RSS.

Run: .venv/bin/python bench/index_full.py [--commits 100000] [--branches 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
        subprocess.run(
            ["git", "--git-dir", str(target), "log", "--all", "--name-status"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    results["total"] = results["clone_mirror"] + results["log_name_status"]
    return results


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(RSS of ``pid`` itself, RSS of it and all its descendants), in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        proc = int(status.parent.name)
        children.setdefault(int(fields["PPid"]), []).append(proc)
        rss[proc] = int(fields.get("VmRSS", "0 kB").split()[0])
    todo, total = [pid], 0
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return rss.get(pid, 0) / 1024, total / 1024


def ours(
    app: object, env: dict[str, str], url: str, expected: int, client_key: str
) -> dict[str, float]:
    """Index with a warm worker (started and idle first), timing from the request."""
    import redis

    redis.Redis.from_url(env["GITBRIDGE_REDIS_URL"]).flushdb()
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak_python = peak_tree = 0.0
    try:
        time.sleep(3)  # imported, connected, listening
        with app.app_context():  # type: ignore[attr-defined]
            _, repository_id = add_repository(url, client_key)
            started = time.perf_counter()
            request_index(repository_id)
            visible = done = None
            while done is None:
                python_mb, tree_mb = 0.0, 0.0
                for child in Path(f"/proc/{worker.pid}/task").glob("*/children"):
                    for horse in child.read_text().split():
                        python_mb, tree_mb = tree_rss_mb(int(horse))
                peak_python, peak_tree = max(peak_python, python_mb), max(peak_tree, tree_mb)
                row = db.session.execute(
                    db.select(Repository.progress_done, Repository.status).where(
                        Repository.id == repository_id
                    )
                ).one()
                db.session.rollback()
                now = time.perf_counter() - started
                if visible is None and row.progress_done >= expected:
                    visible = now
                if row.status in ("indexed", "error"):
                    done = now
                time.sleep(0.05)
            repository = db.session.get(Repository, repository_id)
            assert repository is not None and repository.status == "indexed", repository.error
            assert repository.counts["commits"] == expected, repository.counts
    finally:
        worker.terminate()
        worker.wait()
    return {
        "commits_visible": visible or done,
        "done": done,
        "work_horse_peak_rss_mb": peak_python,
        "work_horse_tree_peak_rss_mb": peak_tree,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitbridge-bench-") as tmp_name:
        tmp = Path(tmp_name)
        served = tmp / "served"
        served.mkdir()
        started = time.perf_counter()
        bare = fast_import_history(served / "big.git", args.commits, args.branches)
        made = time.perf_counter() - started
        expected = int(
            subprocess.run(
                ["git", "--git-dir", str(bare), "rev-list", "--all", "--count"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        env = bench_env(tmp)
        app = fresh_app(env)
        rounds = []
        with GitHttpServer(served) as server:
            url = server.url("big.git")
            for i in range(args.rounds):  # alternate, so both see the same machine state
                raw = floor(url, tmp / f"floor{i}")
                result = ours(
                    app,
                    {**env, "GITBRIDGE_DATA_DIR": str(tmp / f"repos{i}")},
                    url,
                    expected,
                    f"bench-{i}",
                )
                rounds.append((raw, result))
        median = statistics.median
        visible = median(o["commits_visible"] for _, o in rounds)
        done = median(o["done"] for _, o in rounds)
        report = {
            "commits": expected,
            "branches": args.branches,
            "rounds": args.rounds,
            "history_built_s": round(made, 1),
            "floor_s_median": {
                k: round(median(r[k] for r, _ in rounds), 2)
                for k in ("clone_mirror", "log_name_status", "total")
            },
            "ours_s_median": {"commits_visible": round(visible, 2), "done": round(done, 2)},
            "ratio_visible_median": round(
                median(o["commits_visible"] / r["total"] for r, o in rounds), 2
            ),
            "ratio_done_median": round(median(o["done"] / r["total"] for r, o in rounds), 2),
            "work_horse_peak_rss_mb": round(max(o["work_horse_peak_rss_mb"] for _, o in rounds), 1),
            "work_horse_with_git_children_peak_rss_mb": round(
                max(o["work_horse_tree_peak_rss_mb"] for _, o in rounds), 1
            ),
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
