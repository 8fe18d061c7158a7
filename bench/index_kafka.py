"""Benchmark: first index of Apache Kafka's real history against the clone-plus-log floor.

History: Kafka's branches and tags (20,833 commits, ~220 MB packed), a bare copy kept in
the benchmark's own cache (never in the repository, never in CI):

    .venv/bin/python bench/index_kafka.py --prepare [--source PATH_OR_URL]

(``--source`` defaults to the local mirror ``/work/.mirror/apache+kafka/repo`` when it
exists, else https://github.com/apache/kafka.git; only ``refs/heads`` and ``refs/tags``
are copied, and ``uploadpack.allowFilter`` is switched on, as GitHub and GitLab have it.)
The cache is ``$GITBRIDGE_BENCH_CACHE`` or ``~/.cache/gitbridge-bench``.

Served over smart HTTP: ``git http-backend`` behind a small threaded HTTP server that
streams the backend's output (chunked), as a real git host does. In the same run, on the
same URL:

* floor: ``git clone --mirror`` plus ``git log --all --name-status`` over it;
* ours: ``POST /api/v1/integrations`` (real app over HTTP, Connect JWT, the Atlassian
  fake for Jira) to ``indexed``, with a warm ``gitbridge worker`` (RQ) and PostgreSQL;
  then, separately, the background line-count pass to ``line_counts.complete``;
* recall and precision of the keyed commits (``(sha, issue key)`` pairs) in the database
  against ``git log --all`` of the served repository read with the app's key extractor;
* peak RSS of the worker's whole process tree (worker, work horse, git children),
  sampled every 50 ms, during the index and during the pass.

Run (heavy: one round is a few minutes of both cores; PostgreSQL from
``GITBRIDGE_BENCH_DATABASE_URL``, a private Redis of its own):

    .venv/bin/python bench/index_kafka.py
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from common import ROOT, bench_env, fresh_app
from index_full import floor
from werkzeug.serving import make_server

from app.extensions import db
from app.indexing.issue_keys import extract_keys
from app.models import CommitKey, Repository, as_utc, utcnow
from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import FakeAtlassian
from tests.support.git_http import HTTP_BACKEND
from tests.support.services import PrivateRedis

CACHE = Path(os.environ.get("GITBRIDGE_BENCH_CACHE", Path.home() / ".cache" / "gitbridge-bench"))
LOCAL_SOURCE = Path("/work/.mirror/apache+kafka/repo")


def prepare(source: str) -> Path:
    target = CACHE / "kafka.git"
    if target.exists():
        shutil.rmtree(target)
    CACHE.mkdir(parents=True, exist_ok=True)
    # clone --bare takes refs/heads/* and the tags, nothing else (no refs/pull/*).
    subprocess.run(["git", "clone", "--bare", "--no-local", "--quiet", "--", source,
                    str(target)], check=True)
    subprocess.run(["git", "--git-dir", str(target), "config", "uploadpack.allowFilter",
                    "true"], check=True)
    return target


class StreamingGitServer:
    """``git http-backend`` (CGI) behind a threaded HTTP server, output streamed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = type("Handler", (_Handler,), {"root": root})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}"

    def __enter__(self) -> StreamingGitServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root: Path

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._cgi(b"")

    def do_POST(self) -> None:  # noqa: N802
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            body = b"".join(chunks)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._cgi(body)

    def _cgi(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_PROJECT_ROOT": str(self.root),
               "GIT_HTTP_EXPORT_ALL": "1", "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CONFIG_GLOBAL": "/dev/null", "REQUEST_METHOD": self.command,
               "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
               "CONTENT_TYPE": self.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1"}
        for header, variable in (("Content-Encoding", "HTTP_CONTENT_ENCODING"),
                                 ("Git-Protocol", "GIT_PROTOCOL")):
            if self.headers.get(header):
                env[variable] = self.headers[header]
        proc = subprocess.Popen([HTTP_BACKEND], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        assert proc.stdin is not None and proc.stdout is not None
        feeder = threading.Thread(target=lambda: (proc.stdin.write(body), proc.stdin.close()))
        feeder.start()
        status, headers = 200, []
        while (line := proc.stdout.readline().rstrip(b"\r\n")):
            key, _, value = line.decode("latin-1").partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((key.strip(), value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while chunk := proc.stdout.read1(1 << 16):  # type: ignore[attr-defined]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")
        proc.wait()
        feeder.join()


def keyed_pairs(bare: Path) -> set[tuple[str, str]]:
    """(sha, key) of every commit on a branch or tag, from git itself."""
    out = subprocess.run(["git", "--git-dir", str(bare), "log", "--branches", "--tags",
                          "--format=%H%x00%B%x00%x1e"], capture_output=True, check=True).stdout
    pairs = set()
    for record in out.split(b"\x00\x1e"):
        sha, _, message = record.strip(b"\n").partition(b"\x00")
        if sha:
            text = message.decode("utf-8", "replace").rstrip("\x00").rstrip("\n")
            pairs.update((sha.decode(), key) for key in extract_keys(text))
    return pairs


def tree_rss(pid: int) -> dict[str, float]:
    """RSS in MB of ``pid`` and each of its descendants, by ``pid:command``; under
    ``pss:...`` the same processes' proportional set size (a forked work horse shares
    most of its pages with the worker: RSS counts them twice, PSS once)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    rss: dict[str, float] = {}
    todo = [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
            name = Path(f"/proc/{current}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmRSS:")), 0)
        label = b" ".join(name[:3]).decode("utf-8", "replace")[:60]
        rss[f"{current}:{label}"] = kb / 1024
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        pss = next((int(line.split()[1]) for line in rollup.splitlines()
                    if line.startswith("Pss:")), 0)
        rss[f"pss:{current}"] = pss / 1024
    return rss


class Sampler:
    """Peak RSS of a process tree (and what it was made of then), every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_pss, self._stop = pid, 0.0, 0.0, threading.Event()
        self.at_peak: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            sample = tree_rss(self.pid)
            rss = sum(v for k, v in sample.items() if not k.startswith("pss:"))
            self.peak_pss = max(self.peak_pss, sum(v for k, v in sample.items()
                                                   if k.startswith("pss:")))
            if rss > self.peak:
                self.peak, self.at_peak = rss, sample

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self.thread.join()
        return {"rss_sum": round(self.peak, 1), "pss_sum": round(self.peak_pss, 1),
                "rss_at_peak": {k: round(v, 1) for k, v in self.at_peak.items()
                                if not k.startswith("pss:")}}


def ours(app: Any, env: dict[str, str], url: str, fake: FakeAtlassian,
         expected: set[tuple[str, str]]) -> dict[str, Any]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"],
                              env={**os.environ, **env}, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)  # imported, connected, listening
        with app.app_context():
            actions = ConnectActions(app, app.test_client(), fake)
            key, secret = actions.installed("kafka", "kafka")
            fake.site("kafka").admins.add("admin")
            token = actions.context_token(key, secret, sub="admin")
            sampler = Sampler(worker.pid)
            started = time.perf_counter()
            created = requests.post(f"http://127.0.0.1:{server.server_port}/api/v1/integrations",
                                    json={"kind": "git", "url": url}, timeout=120,
                                    headers={"Authorization": f"JWT {token}"})
            assert created.status_code == 201, created.text
            indexed = None
            while True:
                row = db.session.execute(sa_status()).one()
                db.session.rollback()
                now = time.perf_counter() - started
                if indexed is None and row.status in ("indexed", "error"):
                    assert row.status == "indexed", row.error
                    indexed, index_peak = now, sampler.stop()
                    sampler = Sampler(worker.pid)
                if indexed is not None and row.lines_due_at is None:
                    counted = now
                    break
                if indexed is not None and as_utc(row.lines_due_at) > utcnow():
                    raise SystemExit(f"the line-count pass failed: {row.index_log[-1]}")
                time.sleep(0.05)
            lines_peak = sampler.stop()
            repository = db.session.execute(db.select(Repository)).scalar_one()
            got = set(db.session.execute(db.select(CommitKey.sha, CommitKey.issue_key)).all())
            hits = len(got & expected)
            return {
                "indexed_s": round(indexed, 2),
                "line_counts_done_s": round(counted, 2),
                "line_count_pass_s": round(counted - indexed, 2),
                "commits": repository.counts["commits"],
                "keyed_recall": round(hits / len(expected), 4),
                "keyed_precision": round(hits / len(got), 4) if got else 0.0,
                "peak_memory_mb_index": index_peak,
                "peak_memory_mb_line_counts": lines_peak,
                "log": repository.index_log[-6:],
            }
    finally:
        worker.terminate()
        worker.wait()
        server.shutdown()


def sa_status() -> Any:
    return db.select(Repository.status, Repository.error, Repository.lines_due_at,
                     Repository.index_log)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true", help="copy the history into the cache")
    parser.add_argument("--source", default=str(LOCAL_SOURCE) if LOCAL_SOURCE.exists()
                        else "https://github.com/apache/kafka.git")
    args = parser.parse_args()
    bare = CACHE / "kafka.git"
    if args.prepare or not bare.exists():
        prepare(args.source)
    expected = keyed_pairs(bare)
    commits = int(subprocess.run(["git", "--git-dir", str(bare), "rev-list", "--branches",
                                  "--tags", "--count"], capture_output=True, text=True,
                                 check=True).stdout)
    fake = FakeAtlassian()
    fake.start()
    queue = PrivateRedis()  # its own Redis: no other worker may take these jobs
    queue.start()
    with tempfile.TemporaryDirectory(prefix="gitbridge-bench-") as tmp_name, \
            StreamingGitServer(CACHE) as git_server:
        tmp = Path(tmp_name)
        env = {**bench_env(tmp), "GITBRIDGE_INSTALL_KEYS_URL": fake.url + "/keys",
               "GITBRIDGE_REDIS_URL": queue.url}
        app = fresh_app(env)
        url = git_server.url("kafka.git")
        raw = floor(url, tmp / "floor")
        result = ours(app, env, url, fake, expected)
    fake.stop()
    queue.stop()
    print(json.dumps({
        "history": {"commits": commits, "keyed_pairs": len(expected)},
        "floor_s": {k: round(v, 2) for k, v in raw.items()},
        "ours": result,
        "ratio_indexed_to_floor": round(result["indexed_s"] / raw["total"], 2),
    }, indent=2))


if __name__ == "__main__":
    main()
