"""Benchmark (b), and the webhook one: one new commit pushed to an indexed repository,
until it is visible through the API, with a warm worker.

A 20,000-commit repository (50 branches) is served over smart HTTP and indexed by a
running ``gitbridge worker``. Then, N times: commit and ``git push`` to the served
repository, send a webhook delivery for it (or ask for a re-index over the API), and poll
``GET /api/v1/issues/{key}/development`` until the new commit is in the answer. All
over real HTTP; Jira is the in-test Atlassian fake.

Run: .venv/bin/python bench/push_to_visible.py [--pushes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from common import ROOT, bench_env, fresh_app, percentile
from werkzeug.serving import make_server

from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import FakeAtlassian
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import fast_import_history, git


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=10)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--trigger", choices=("api", "webhook"), default="webhook",
                        help="what tells the app about the push: a webhook delivery (the "
                             "generic trigger, as a CI system or host sends it) or the "
                             "re-index API call")
    args = parser.parse_args()
    fake = FakeAtlassian()
    fake.start()
    with tempfile.TemporaryDirectory(prefix="gitbridge-bench-") as tmp_name:
        tmp = Path(tmp_name)
        served = tmp / "served"
        served.mkdir()
        bare = fast_import_history(served / "app.git", args.commits, 50)
        work = tmp / "work"
        git("clone", "--quiet", str(bare), str(work))
        env = {**bench_env(tmp), "GITBRIDGE_INSTALL_KEYS_URL": fake.url + "/keys"}
        app = fresh_app(env)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        latencies = []
        try:
            with app.app_context(), GitHttpServer(served) as git_server:
                actions = ConnectActions(app, app.test_client(), fake)
                key, secret = actions.installed("bench", "bench")
                site = fake.site("bench")
                site.admins.add("admin")
                site.issues["PUSH-1"] = {
                    "id": "1",
                    "key": "PUSH-1",
                    "fields": {"project": {"id": "1", "key": "PUSH"}},
                }
                site.grants[("dev", "BROWSE_PROJECTS")] = {1}
                site.grants[("dev", "VIEW_DEV_TOOLS")] = {1}
                session = requests.Session()

                def api(method: str, path: str, sub: str, body: object = None) -> object:
                    token = actions.context_token(key, secret, sub=sub)
                    response = session.request(
                        method,
                        base + path,
                        json=body,
                        timeout=60,
                        headers={"Authorization": f"JWT {token}"},
                    )
                    response.raise_for_status()
                    return response.json() if response.content else None

                created = api(
                    "POST",
                    "/api/v1/integrations",
                    "admin",
                    {"kind": "git", "url": git_server.url("app.git")},
                )
                integration_id = created["id"]  # type: ignore[index]
                while True:
                    (repo,) = api(
                        "GET", f"/api/v1/integrations/{integration_id}/repositories", "admin"
                    )["repositories"]  # type: ignore[index]
                    if repo["status"] == "indexed":
                        break
                    time.sleep(0.2)
                for i in range(args.pushes):
                    (work / "push.txt").write_text(f"{i}\n")
                    git("-C", str(work), "add", "push.txt")
                    git("-C", str(work), "commit", "--quiet", "-m", f"PUSH-1 change {i}")
                    sha = git("-C", str(work), "rev-parse", "HEAD").strip()
                    git("-C", str(work), "push", "--quiet", "origin", "HEAD")
                    started = time.perf_counter()
                    if args.trigger == "api":
                        api("POST", f"/api/v1/repositories/{repo['id']}/reindex", "admin")
                    else:
                        delivered = session.post(
                            f"{base}/webhooks/{integration_id}", timeout=30,
                            json={"origin": git_server.url("app.git")},
                            headers={"Authorization": f"Bearer {created['webhook']['secret']}"})
                        assert delivered.status_code == 202, delivered.text
                    while True:
                        body = api("GET", "/api/v1/issues/PUSH-1/development", "dev")
                        if any(c["sha"] == sha for c in body["commits"]):  # type: ignore[index]
                            break
                        time.sleep(0.02)
                    latencies.append(time.perf_counter() - started)
        finally:
            worker.terminate()
            worker.wait()
            server.shutdown()
            fake.stop()
    print(
        json.dumps(
            {
                "history_commits": args.commits,
                "trigger": args.trigger,
                "pushes": len(latencies),
                "median_s": round(statistics.median(latencies), 2),
                "p95_s": round(percentile(latencies, 95), 2),
                "max_s": round(max(latencies), 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
