"""Benchmark: webhook ingest under gunicorn, against a bare endpoint in the same run.

Both servers run with the production settings (``gunicorn.conf.py``; ``--gunicorn``
adds or overrides options, e.g. ``--gunicorn="-k sync -w 2"`` for the settings the
issue measured), one after the other on loopback, plain HTTP as behind a TLS proxy.
wrk drives 32 connections at each with the same request: a real GitHub push payload,
signed with the integration's secret, each request with its own
``X-GitHub-Delivery``, so that every one is a distinct delivery.

* the floor: ``bench/bare_endpoint.py``, a Flask app that reads the body and answers
  202;
* the app: ``wsgi:app``, which verifies, parses, stores each delivery in PostgreSQL
  (committed before its 202) and queues its processing in Redis (a private
  ``redis-server``).

Rounds alternate floor and app (the machine is shared: neighbours come and go), and
the ratio of each round is reported. At the end the database must hold every
delivery answered 202: at least as many as wrk saw accepted, and no more than that
plus the requests still in flight when wrk stopped.

Run: .venv/bin/python bench/webhook_ingest.py [--seconds 15] [--rounds 2]

``--floor-gunicorn="-k gevent"`` runs the bare endpoint alone under gunicorn's own
gevent worker, which serves a connection whose next request is already there before
any other (``app.web_worker``): a higher rate for the floor, at a p99 of hundreds of
milliseconds.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from common import ROOT, add_repository, bench_env, fresh_app, private_redis

from app.extensions import db
from app.models import Delivery, Integration

PAYLOAD = ROOT / "tests/fixtures/webhooks/github/payloads/push.json"
CONNECTIONS = 32

LUA = """
local counter = 0
local thread_id = 0
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  prefix = tostring(id) .. "-" .. tostring(math.random(1, 1000000000)) .. "-" .. os.time()
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


def measure(server: Server, url: str, seconds: int, script: Path, threads: int
            ) -> dict[str, float]:
    """wrk's figures, and the workers' CPU time per request (less noisy than the rate
    on a shared machine: it does not count time spent waiting for a core)."""
    cpu = server.cpu_seconds()
    result = wrk(server.base + url, seconds, script, threads)
    result["worker_cpu_us_per_request"] = round(
        (server.cpu_seconds() - cpu) / max(1, result["requests"]) * 1e6)
    return result


def wrk(url: str, seconds: int, script: Path, threads: int) -> dict[str, float]:
    args = ["wrk", "-t", str(threads), "-c", str(CONNECTIONS), "-d", f"{seconds}s",
            "--latency", "-s", str(script), url]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99, out
    value = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": round(rps),
        "p99_ms": round(value, 1),
        "requests": requests_done,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        **({"socket_errors": errors.group(1)} if errors else {}),  # type: ignore[dict-item]
    }


class Server:
    """``gunicorn -c gunicorn.conf.py [extra] <app>`` on a spare loopback port."""

    def __init__(self, app_spec: str, env: dict[str, str], extra: list[str]) -> None:
        self.port = spare_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             *extra, "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "--pythonpath", str(ROOT / "bench"), app_spec],
            env={**os.environ, **env}, cwd=ROOT,
        )

    def __enter__(self) -> Server:
        for _ in range(150):
            try:
                requests.post(self.base + "/webhooks/0", timeout=5)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn's workers (from /proc; Linux)."""
        tick = os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        total = 0
        for pid in children.read_text().split():
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def __exit__(self, *_: Any) -> None:
        self.process.terminate()
        self.process.wait()


def settled_count() -> int:
    """Deliveries stored, once requests wrk left in flight have been answered."""
    last = -1
    while True:
        count = int(db.session.execute(
            db.select(db.func.count()).select_from(Delivery)).scalar_one())
        db.session.rollback()
        if count == last:
            return count
        last = count
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--gunicorn", default="", help="extra gunicorn options")
    parser.add_argument("--floor-gunicorn", default="",
                        help="more options for the bare endpoint only, e.g. '-k gevent' for "
                             "gunicorn's own worker, which does not yield between requests")
    args = parser.parse_args()
    extra = shlex.split(args.gunicorn)
    floor_extra = extra + shlex.split(args.floor_gunicorn)
    with tempfile.TemporaryDirectory() as tmp_name, private_redis() as redis_url:
        tmp = Path(tmp_name)
        env = {**bench_env(tmp), "GITBRIDGE_REDIS_URL": redis_url,
               "GITBRIDGE_WEBHOOK_RATE_PER_MINUTE": "100000000"}
        app = fresh_app(env)
        with app.app_context():
            add_repository("https://github.com/Codertocat/Hello-World.git")
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
        url = f"/webhooks/{integration_id}"
        rounds, accepted = [], 0
        for _ in range(args.rounds):
            with Server("bare_endpoint:app", env, floor_extra) as server:
                wrk(server.base + url, 2, script, args.wrk_threads)  # warm-up
                bare = measure(server, url, args.seconds, script, args.wrk_threads)
            with Server("wsgi:app", env, extra) as server:
                wrk(server.base + url, 2, script, args.wrk_threads)  # warm-up
                with app.app_context():
                    before = settled_count()
                ingest = measure(server, url, args.seconds, script, args.wrk_threads)
            with app.app_context():
                after = settled_count()
            accepted = ingest["requests"] - ingest["non_2xx"]
            rounds.append({
                "bare_endpoint": bare,
                "webhook_ingest": ingest,
                "throughput_ratio": round(ingest["rps"] / bare["rps"], 2),
                "deliveries_stored": after - before,
                # Every answered delivery is stored; at most the requests in flight
                # when wrk stopped are stored without wrk having seen their 202.
                "every_accepted_stored": accepted <= after - before <= accepted + CONNECTIONS,
            })
    print(json.dumps({
        "gunicorn": "gunicorn.conf.py" + (f" {args.gunicorn}" if extra else ""),
        **({"floor_gunicorn": args.floor_gunicorn} if args.floor_gunicorn else {}),
        "connections": CONNECTIONS,
        "wrk_threads": args.wrk_threads,
        "seconds": args.seconds,
        "rounds": rounds,
    }, indent=2))


if __name__ == "__main__":
    main()
