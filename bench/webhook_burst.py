"""Benchmark: a burst of 10,000 distinct deliveries with Redis restarted in the middle,
ending with every one processed exactly once.

gunicorn (the production settings, ``gunicorn.conf.py``) receives GitLab push
deliveries for a webhook-indexing integration, each carrying one new commit; two
``gitbridge worker --simple`` processes and a ``gitbridge scheduler`` run beside it.
Halfway through the burst Redis (the benchmark's own ``redis-server``, keeping
nothing on disk) is killed, so every queued job is lost, and started again.
The run ends when every delivery is processed; it then checks that exactly 10,000
deliveries and 10,000 commits were recorded, and says how many deliveries were claimed
a second time (their worker died with Redis; re-processing them changed nothing).

Run: .venv/bin/python bench/webhook_burst.py [--deliveries 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from common import ROOT, bench_env, fresh_app
from webhook_ingest import spare_port

from app.extensions import db
from app.models import Commit, Delivery, Integration, Tenant
from tests.support.services import PrivateRedis


def push_body(i: int) -> bytes:
    sha = f"{i:040x}"
    return json.dumps(
        {
            "object_kind": "push",
            "event_name": "push",
            "before": "0" * 40,
            "after": sha,
            "ref": "refs/heads/main",
            "checkout_sha": sha,
            "user_name": "Bench",
            "project": {
                "name": "burst",
                "path_with_namespace": "bench/burst",
                "web_url": "https://gitlab.example.com/bench/burst",
                "git_http_url": "https://gitlab.example.com/bench/burst.git",
                "git_ssh_url": "git@gitlab.example.com:bench/burst.git",
                "default_branch": "main",
            },
            "repository": {
                "name": "burst",
                "homepage": "https://gitlab.example.com/bench/burst",
                "git_http_url": "https://gitlab.example.com/bench/burst.git",
                "git_ssh_url": "git@gitlab.example.com:bench/burst.git",
            },
            "commits": [
                {
                    "id": sha,
                    "message": f"BURST-{i % 100 + 1} change {i}\n",
                    "timestamp": "2026-11-21T10:00:00+00:00",
                    "url": f"https://gitlab.example.com/bench/burst/-/commit/{sha}",
                    "author": {"name": "Bench", "email": "bench@example.com"},
                    "added": [f"f{i}.txt"],
                    "modified": [],
                    "removed": [],
                }
            ],
            "total_commits_count": 1,
        }
    ).encode()


def restart_redis(server: PrivateRedis) -> float:
    """Shut the benchmark's Redis down without saving (every queued job is lost) and
    start it again on the same port."""
    assert server.process is not None
    server.process.kill()
    server.process.wait()
    down = time.perf_counter()
    time.sleep(1.0)
    server.start()
    return time.perf_counter() - down


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=10_000)
    args = parser.parse_args()
    redis_server = PrivateRedis()  # its own: it is shut down halfway
    redis_server.start()
    with tempfile.TemporaryDirectory() as tmp_name:
        env = {**bench_env(Path(tmp_name)), "GITBRIDGE_REDIS_URL": redis_server.url,
               "GITBRIDGE_WEBHOOK_RATE_PER_MINUTE": "100000000"}
        app = fresh_app(env)
        with app.app_context():
            tenant = Tenant(client_key="burst", shared_secret="s" * 40, base_url="http://x")
            db.session.add(tenant)
            db.session.flush()
            integration = Integration(
                tenant_id=tenant.id,
                kind="gitlab",
                mode="webhook",
                display_name="burst",
                settings={},
            )
            db.session.add(integration)
            db.session.commit()
            integration_id, secret = integration.id, integration.webhook_secret
        port = spare_port()
        full_env = {**os.environ, **env}
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                 "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                env=full_env,
                cwd=ROOT,
            )
        ]
        processes += [
            subprocess.Popen(
                [sys.executable, "-m", "app.cli", *cmd],
                env=full_env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for cmd in (["worker", "--simple"], ["worker", "--simple"], ["scheduler"])
        ]
        url = f"http://127.0.0.1:{port}/webhooks/{integration_id}"
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        session_local = threading.local()

        def send(i: int) -> None:
            session = getattr(session_local, "s", None) or requests.Session()
            session_local.s = session
            for _ in range(20):
                try:
                    response = session.post(
                        url,
                        data=push_body(i),
                        timeout=30,
                        headers={
                            "Content-Type": "application/json",
                            "X-Gitlab-Event": "Push Hook",
                            "X-Gitlab-Token": secret,
                        },
                    )
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            with lock:
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            time.sleep(3)
            started = time.perf_counter()
            redis_down = 0.0
            with ThreadPoolExecutor(16) as pool:
                futures = [pool.submit(send, i) for i in range(args.deliveries)]
                for n, future in enumerate(futures):
                    future.result()
                    if n == args.deliveries // 2:
                        redis_down = restart_redis(redis_server)
            sent = time.perf_counter() - started
            with app.app_context():
                while True:
                    pending = db.session.execute(
                        db.select(db.func.count())
                        .select_from(Delivery)
                        .where(Delivery.status != "processed")
                    ).scalar_one()
                    db.session.rollback()
                    if pending == 0 or time.perf_counter() - started > 1800:
                        break
                    time.sleep(1)
                finished = time.perf_counter() - started
                count = db.session.execute(
                    db.select(db.func.count()).select_from(Delivery)
                ).scalar_one()
                claims = db.session.execute(db.select(db.func.sum(Delivery.attempts))).scalar_one()
                commits = db.session.execute(
                    db.select(db.func.count()).select_from(Commit)
                ).scalar_one()
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait()
            redis_server.stop()
    print(
        json.dumps(
            {
                "deliveries_sent": args.deliveries,
                "http_statuses": statuses,
                "redis_restarted_halfway_down_s": round(redis_down, 1),
                "send_s": round(sent, 1),
                "all_processed_s": round(finished, 1),
                "deliveries_stored": count,
                "unprocessed": pending,
                "processing_claims": claims,
                "commits_recorded": commits,
                # A delivery whose worker died with Redis is claimed again once it is
                # stuck (STUCK_AFTER); its upserts write nothing twice.
                "claimed_again": claims - count,
                "exactly_once_in_effect": count == args.deliveries == commits and pending == 0,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
