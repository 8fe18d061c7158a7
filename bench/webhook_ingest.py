"""Benchmark: webhook ingest under gunicorn, against a bare endpoint of the same app.

gunicorn serves the app on loopback; wrk (Debian's package) drives 32 connections for
a fixed time at (1) ``GET /healthz`` (no I/O: the bare endpoint) and (2)
``POST /webhooks/<id>`` with a real GitHub push payload, signed, each request with its
own ``X-GitHub-Delivery`` so every one is a distinct delivery: verified, parsed, stored
in PostgreSQL and queued in Redis before its 202. Reports requests/s and p99 of both,
and checks that the database holds exactly the deliveries wrk saw answered 202.

Run: .venv/bin/python bench/webhook_ingest.py [--seconds 15] [--workers 4]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests
from common import ROOT, add_repository, bench_env, fresh_app

from app.extensions import db
from app.models import Delivery, Integration

PAYLOAD = ROOT / "tests/fixtures/webhooks/github/payloads/push.json"

LUA = """
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  prefix = tostring(id) .. "-" .. tostring(math.random(1, 1000000000))
end
request = function()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = prefix .. "-" .. counter
  return wrk.format(nil, nil, nil, nil)
end
"""


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, seconds: int, script: Path | None = None) -> dict[str, float]:
    args = ["wrk", "-t", "4", "-c", "32", "-d", f"{seconds}s", "--latency", url]
    if script:
        args[1:1] = ["-s", str(script)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99, out
    value = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p99_ms": value,
        "requests": requests_done,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {**bench_env(tmp), "GITBRIDGE_WEBHOOK_RATE_PER_MINUTE": "100000000"}
        app = fresh_app(env)
        redis.Redis.from_url(env["GITBRIDGE_REDIS_URL"]).flushdb()
        with app.app_context():
            _, repository_id = add_repository("https://github.com/Codertocat/Hello-World.git")
            integration = db.session.execute(db.select(Integration)).scalar_one()
            integration_id, secret = integration.id, integration.webhook_secret
        body = PAYLOAD.read_bytes()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        script = tmp / "post.lua"
        script.write_text(
            f"wrk.method = 'POST'\nwrk.body = {json.dumps(body.decode())}\n"
            "wrk.headers['Content-Type'] = 'application/json'\n"
            "wrk.headers['X-GitHub-Event'] = 'push'\n"
            f"wrk.headers['X-Hub-Signature-256'] = '{signature}'\n" + LUA
        )
        port = spare_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            env={**os.environ, **env},
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    requests.get(base + "/healthz", timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            wrk(base + "/healthz", 3)  # warm-up
            bare = wrk(base + "/healthz", args.seconds)
            ingest = wrk(f"{base}/webhooks/{integration_id}", args.seconds, script)
        finally:
            server.terminate()
            server.wait()
        with app.app_context():
            stored = db.session.execute(
                db.select(db.func.count()).select_from(Delivery)
            ).scalar_one()
    print(
        json.dumps(
            {
                "gunicorn_workers": args.workers,
                "connections": 32,
                "seconds": args.seconds,
                "bare_endpoint": bare,
                "webhook_ingest": ingest,
                "throughput_ratio": round(ingest["rps"] / bare["rps"], 2),
                "deliveries_stored": stored,
                "stored_matches_accepted": stored == ingest["requests"] - ingest["non_2xx"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
