"""Benchmark: the Jira Development-panel backfill of Apache Kafka's history.

Kafka's heads and tags (20,833 commits) are cloned once from the local snapshot into
this benchmark's cache (``--cache``, default ``~/.cache/gitbridge-bench``; never into
the repository, and not run in CI), served over smart HTTP, connected through the API
and indexed by a real ``gitbridge worker`` on PostgreSQL and a private Redis; the fake
Jira (over HTTP, validating every body against the documented schema and limits)
receives the push.

Measured: from the repository's ``last_indexed_at`` (the index is in our panel) to the
backfill fully accepted by Jira (``backfilled_at``, written when the last request was
answered), both stamped by the worker. Floor, in the same run: the same request bodies,
prepared in advance, posted one after another to a fresh fake site with the same
client and signing (so the fake's own work is in both).

Run: .venv/bin/python bench/devinfo_backfill.py [--source /work/.mirror/apache+kafka/repo]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GITBRIDGE_BENCH_DATABASE_URL",
                      "postgresql+psycopg://postgres@127.0.0.1:5432/gitbridge_bench_devinfo")

from common import ROOT, bench_env, fresh_app  # noqa: E402

from app.extensions import db  # noqa: E402
from app.jira.client import JiraClient  # noqa: E402
from app.models import CommitKey, DevinfoState, Repository, as_utc  # noqa: E402
from tests.support.connect import ConnectActions  # noqa: E402
from tests.support.fake_atlassian import FakeAtlassian  # noqa: E402
from tests.support.git_http import GitHttpServer  # noqa: E402
from tests.support.gitrepo import git  # noqa: E402
from tests.support.services import PrivateRedis  # noqa: E402

DEFAULT_SOURCE = "/work/.mirror/apache+kafka/repo"


def cached_clone(source: Path, cache: Path) -> Path:
    """``cache/served/kafka.git``: heads and tags of ``source`` only, made once."""
    bare = cache / "served" / "kafka.git"
    if not (bare / "HEAD").exists():
        bare.parent.mkdir(parents=True, exist_ok=True)
        git("init", "--bare", "--quiet", str(bare))
        git("--git-dir", str(bare), "fetch", "--quiet", "--no-tags", str(source),
            "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
        head = git("--git-dir", str(source), "symbolic-ref", "HEAD").strip()
        git("--git-dir", str(bare), "symbolic-ref", "HEAD", head)
    return bare


def wait_for(check: Any, what: str, timeout: float = 1800) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        db.session.remove()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def floor(fake: FakeAtlassian, bodies: list[dict[str, Any]], app_key: str) -> float:
    """The same bodies posted one by one, signed the same way, to a fresh site."""
    actions_secret = "f" * 64
    site = fake.site("floor")
    site.shared_secret = actions_secret
    site.devinfo.known_key = lambda key: True
    client = JiraClient(fake.site_url("floor"), actions_secret, app_key)
    started = time.perf_counter()
    for body in bodies:
        client.request("POST", "/rest/devinfo/0.10/bulk", json=body)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "gitbridge-bench"))
    args = parser.parse_args()
    bare = cached_clone(Path(args.source), Path(args.cache))
    history = int(git("--git-dir", str(bare), "rev-list", "--all", "--count").strip())
    redis = PrivateRedis()
    redis.start()
    fake = FakeAtlassian()
    fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix="gitbridge-bench-") as tmp:
            env = {**bench_env(Path(tmp)), "GITBRIDGE_REDIS_URL": redis.url,
                   "GITBRIDGE_INSTALL_KEYS_URL": fake.url + "/keys"}
            app = fresh_app(env)
            worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"],
                                      env={**os.environ, **env}, cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                with app.app_context(), GitHttpServer(bare.parent) as server:
                    result = run(app, fake, server)
            finally:
                worker.terminate()
                worker.wait()
            result["floor_s"] = round(floor(fake, fake.site("bench").devinfo.bodies,
                                            app.config["APP_KEY"]), 2)
    finally:
        fake.stop()
        redis.stop()
    result["history_commits"] = history
    result["ratio"] = round(result["backfill_s"] / result["floor_s"], 2)
    print(json.dumps(result, indent=2))


def run(app: Any, fake: FakeAtlassian, server: GitHttpServer) -> dict[str, Any]:
    actions = ConnectActions(app, app.test_client(), fake)
    key, secret = actions.installed("bench", "bench")
    site = fake.site("bench")
    site.admins.add("admin")
    site.devinfo.known_key = lambda _: True  # every KAFKA-n is an issue of this site
    created = actions.api("POST", "/api/v1/integrations", key, secret, sub="admin",
                          json={"kind": "git", "url": server.url("kafka.git")}).get_json()
    repository_id = wait_for(lambda: db.session.execute(
        db.select(Repository.id).where(Repository.integration_id == created["id"])
    ).scalar(), "the repository")
    indexed_at = as_utc(wait_for(lambda: db.session.execute(
        db.select(Repository.last_indexed_at).where(Repository.id == repository_id,
                                                    Repository.status == "indexed")
    ).scalar(), "the index"))
    done_at = as_utc(wait_for(lambda: db.session.execute(
        db.select(DevinfoState.backfilled_at).where(
            DevinfoState.repository_id == repository_id)).scalar(), "the backfill"))
    store = site.devinfo
    keyed = db.session.execute(db.select(db.func.count(db.distinct(CommitKey.sha))).where(
        CommitKey.repository_id == repository_id)).scalar_one()
    assert store.count("commits") == keyed, (store.count("commits"), keyed)
    return {
        "keyed_commits": keyed,
        "branches_sent": store.count("branches"),
        "requests": len(store.bodies),
        "first_request_after_s": round(store.arrivals[0] - indexed_at.timestamp(), 2),
        "backfill_s": round((done_at - indexed_at).total_seconds(), 2),
    }


if __name__ == "__main__":
    main()
