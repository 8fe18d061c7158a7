"""An operator's view of a real deployment: gunicorn (the production settings, workers
recycled), a real RQ worker forking a horse per job, one metrics directory; scraped
during a webhook burst and during the index run it causes; logs read as JSON lines.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask

from app import ROOT
from app.devinfo import state as devinfo_state
from app.extensions import db
from app.models import Integration, Repository, Tenant
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.metrics import Samples, parse, value
from tests.support.services import spare_port, start_gunicorn

PUSH = (ROOT / "tests/fixtures/webhooks/github/payloads/push.with-new-branch.json").read_bytes()
TOKEN = "metrics-token-" + "m" * 24
BURST = 60


class Deployment:
    """gunicorn and ``gitbridge worker`` as an operator runs them, production mode."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("GITBRIDGE_")},
                    **env, "GITBRIDGE_ENV": "production", "GITBRIDGE_METRICS_TOKEN": TOKEN,
                    "GITBRIDGE_ALLOW_PRIVATE_HOSTS": "1",
                    "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics")}
        self.port = spare_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "gunicorn.log"
        self.web: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.web = start_gunicorn(self.env, self.port, "-w", "2", log=self.log_path)

    def workers(self) -> set[int]:
        assert self.web is not None
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.web.pid:
                children.add(int(stat.parent.name))
        return children

    def reload(self) -> None:
        """``kill -HUP``: new workers, the old ones finish and exit."""
        assert self.web is not None
        old = self.workers()
        self.web.send_signal(signal.SIGHUP)
        for _ in range(300):
            now = self.workers()
            if len(now) == 2 and not now & old:
                return
            time.sleep(0.1)
        raise AssertionError("gunicorn did not replace its workers")

    def stop(self) -> list[dict[str, Any]]:
        assert self.web is not None
        self.web.terminate()
        self.web.wait(timeout=30)
        return json_lines(self.log_path.read_text())

    def scrape(self) -> Samples:
        response = requests.get(self.url + "/metrics", timeout=10,
                                headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/plain")
        return parse(response.text)

    def worker(self) -> list[dict[str, Any]]:
        result = subprocess.run([sys.executable, "-m", "app.cli", "worker", "--burst"],
                                cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        return json_lines(result.stdout + result.stderr)


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line is one JSON object (production), or this fails naming the line."""
    lines = []
    for line in text.splitlines():
        if line.strip():
            try:
                lines.append(json.loads(line))
            except ValueError:
                pytest.fail(f"not a JSON log line: {line!r}")
    return lines


class Scraper:
    """Scrapes in a loop while something else happens; every scrape must succeed."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment, self.scrapes, self.errors = deployment, 0, list[str]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deployment.scrape()
                self.scrapes += 1
            except Exception as exc:  # collected, asserted by the test
                self.errors.append(repr(exc))
            time.sleep(0.02)

    def __enter__(self) -> Scraper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        assert self.errors == [] and self.scrapes > 0


@pytest.fixture
def deployment(app: Flask, migrated: dict[str, str], tmp_path: Path,
               redis_conn: redis.Redis) -> Iterator[Deployment]:
    """Starts from an empty Redis (``redis_conn``): queue depths are asserted."""
    running = Deployment(migrated, tmp_path)
    running.start()
    try:
        yield running
    finally:
        if running.web is not None and running.web.poll() is None:
            running.stop()


def signed_push(secret: str, number: int) -> tuple[bytes, dict[str, str]]:
    signature = hmac.new(secret.encode(), PUSH, hashlib.sha256).hexdigest()
    return PUSH, {"X-GitHub-Event": "push", "X-GitHub-Delivery": f"delivery-{number}",
                  "X-Hub-Signature-256": f"sha256={signature}",
                  "Content-Type": "application/json", "X-Request-Id": f"burst-{number:04d}"}


def seed(clone_url: str) -> tuple[Integration, Integration, Repository]:
    tenant = Tenant(client_key="client-m", shared_secret="s" * 40, base_url="https://m")
    db.session.add(tenant)
    db.session.flush()
    off = {"devinfo": False, "smart_commits": False}
    github = Integration(tenant_id=tenant.id, kind="github", display_name="gh", settings=off,
                         mode="webhook")
    plain = Integration(tenant_id=tenant.id, kind="git", display_name="git", settings=off,
                        url=clone_url)
    db.session.add_all([github, plain])
    db.session.flush()
    repository = Repository(tenant_id=tenant.id, integration_id=plain.id, name="app",
                            clone_url=clone_url, status="indexed")
    db.session.add(repository)
    db.session.commit()
    return github, plain, repository


@pytest.mark.slow
def test_metrics_and_logs_of_a_webhook_burst_and_an_index_run(
        deployment: Deployment, tmp_path: Path) -> None:
    (tmp_path / "served").mkdir()
    work = WorkRepo(tmp_path / "work")
    for n in range(5):
        work.commit(f"change {n}", {"a": str(n)})
    work.publish(init_bare(tmp_path / "served" / "app.git"))
    with GitHttpServer(tmp_path / "served") as git_server:
        clone_url = git_server.url("app.git")
        github, plain, repository = seed(clone_url)
        secret, github_id = github.webhook_secret, github.id

        def post(number: int) -> requests.Response:
            body, headers = signed_push(secret, number)
            return requests.post(f"{deployment.url}/webhooks/{github_id}", data=body,
                                 headers=headers, timeout=30)

        before = deployment.scrape()
        with Scraper(deployment), ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(post, range(BURST)))
        assert [a.status_code for a in answers] == [202] * BURST
        assert answers[7].headers["X-Request-Id"] == "burst-0007"  # echoed
        refused = requests.post(f"{deployment.url}/webhooks/{github_id}", data=PUSH, timeout=10,
                                headers={**signed_push(secret, 999)[1],
                                         "X-Hub-Signature-256": "sha256=" + "0" * 64})
        assert refused.status_code == 401
        assert requests.post(f"{deployment.url}/webhooks/987654", data=PUSH,
                             timeout=10).status_code == 404
        trigger = requests.post(
            f"{deployment.url}/webhooks/{plain.id}", json={"origin": clone_url}, timeout=10,
            headers={"Authorization": f"Bearer {plain.webhook_secret}",
                     "X-Request-Id": "trigger-0001"})
        assert trigger.status_code == 202, trigger.text

        deployment.reload()  # the workers that counted the burst are gone now
        queued = deployment.scrape()
        with Scraper(deployment):
            worker_lines = deployment.worker()
        after = deployment.scrape()

        devinfo_state.request([repository])  # a push due: the backlog shows it
        backlog = deployment.scrape()
    web_lines = deployment.stop()

    # Deliveries by host and outcome, summed over gunicorn workers that have exited.
    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("gitbridge_webhook_deliveries_total", host="github", outcome="accepted") == BURST
    assert delta("gitbridge_webhook_deliveries_total", host="github",
                 outcome="bad_signature") == 1
    assert delta("gitbridge_webhook_deliveries_total", host="unknown",
                 outcome="unknown_integration") == 1
    assert delta("gitbridge_webhook_deliveries_total", host="generic", outcome="accepted") == 1
    assert delta("gitbridge_webhook_ingest_seconds_count", outcome="accepted") == BURST + 1
    assert delta("gitbridge_webhook_ingest_seconds_bucket", outcome="accepted",
                 le="+Inf") == BURST + 1
    metric_files = os.listdir(deployment.env["PROMETHEUS_MULTIPROC_DIR"])
    # Exited workers' files stay (the totals above sum them): at least one per process
    # that counted, however gunicorn spread the burst over old and new workers.
    assert sum(f.startswith("counter_") for f in metric_files) >= 2
    # A dead worker's in-progress gauge is dropped (gunicorn's child_exit hook).
    assert sum(f.startswith("gauge_livesum_") for f in metric_files) <= 2
    assert value(after, "gitbridge_http_requests_in_progress", surface="metrics") == 1

    # Queue depths, read from Redis at scrape time: both integrations' draining jobs
    # waited, then the worker ran them and the index they queued.
    assert value(queued, "gitbridge_queue_jobs", queue="webhook", state="queued") == 2
    assert value(after, "gitbridge_queue_jobs", queue="webhook", state="queued") == 0
    assert value(after, "gitbridge_redis_up") == 1
    # Every job the worker's horses ran is counted (one horse per job, one file set per
    # worker: each horse continues the count of the one before).
    finished = sum(line["message"].startswith("job.finished queue=webhook ")
                   for line in worker_lines)
    assert finished >= 3
    assert delta("gitbridge_jobs_total", queue="webhook", outcome="finished") == finished
    assert delta("gitbridge_job_duration_seconds_count", queue="webhook") == finished
    assert sum(f.startswith("counter_") and f.endswith("h.db") for f in metric_files) == 1

    # The index run the trigger caused, with its commits and rate.
    assert delta("gitbridge_index_runs_total", outcome="indexed") == 1
    assert delta("gitbridge_index_commits_total", outcome="indexed") == 5
    assert delta("gitbridge_index_commits_per_second_count", outcome="indexed") == 1
    assert value(backlog, "gitbridge_devinfo_backlog", kind="repositories") == 1

    # One request id from the receiver's line into its job's lines, and on into the
    # index job that job queued.
    access = [line for line in web_lines if line["logger"] == "gitbridge.access"]
    assert any(line["request_id"] == "trigger-0001" and
               f"POST /webhooks/{plain.id} 202" in line["message"] for line in access)
    followed = [line for line in worker_lines if line["request_id"] == "trigger-0001"]
    funcs = {line["message"].split("func=")[1].split()[0]
             for line in followed if "func=" in line["message"]}
    # ... and on into the Jira work the index asked for (and its line-count pass, which
    # may still be running: it never delays the index).
    asked = {"app.jobs.webhooks.process_deliveries", "app.jobs.indexing.index_repository",
             "app.jobs.jira_sync.push_devinfo", "app.jobs.jira_sync.run_smart_commits"}
    assert asked <= funcs <= asked | {"app.jobs.indexing.count_lines"}
    assert all(line["job_id"] for line in followed)
    burst_ids = {f"burst-{n:04d}" for n in range(BURST)}
    github_job = [line for line in worker_lines if line["request_id"] in burst_ids]
    assert any(line["job_id"].startswith(f"deliveries-{github_id}-") for line in github_job)
    # Every warning once: no line written twice by two handlers.
    warnings = [(line["ts"], line["message"]) for line in web_lines + worker_lines
                if line["level"] == "warning"]
    assert len(warnings) == len(set(warnings))
