"""Prometheus metrics: what the service does, scraped at ``GET /metrics``.

Multiprocess mode always (prometheus-client's ``PROMETHEUS_MULTIPROC_DIR``): gunicorn
workers, RQ workers and their forked work-horses each write their own memory-mapped
files in one directory, and a scrape of any web worker sums them. A single process is
just the case of one writer. The factory picks the directory (the variable, else
``<instance>/metrics``) and exports it, so processes forked or started from this one
write beside it; the first app of a process fixes it for the process.

Recording is cheap on purpose (a memory-mapped write, no I/O): the webhook receiver
calls ``delivery`` on every request. Queue depths and the Development panel backlog
are read at scrape time (``collectors``) instead of being counted as they change.

The recording functions are no-ops in a process no app factory ran in (a unit test of a
client on its own), so library code never depends on the factory having run.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from prometheus_client import Counter, Gauge, Histogram, values

from app.config import ConfigError
from app.metrics.tally import TALLY

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
RATE_BUCKETS = (1, 10, 100, 500, 1000, 5000, 10_000, 50_000, 100_000)


@dataclass(frozen=True)
class Instruments:
    deliveries: Counter
    ingest_seconds: Histogram
    jobs: Counter
    job_seconds: Histogram
    index_runs: Counter
    index_commits: Counter
    index_seconds: Histogram
    index_commits_per_second: Histogram
    api_calls: Counter
    api_seconds: Histogram
    in_progress: Gauge


_instruments: Instruments | None = None
_setup_lock = threading.Lock()
#: Which process's files this one writes (``process_identifier`` of the value class).
_identity: dict[str, str | None] = {"override": None, "pid": None}
#: prometheus-client asks for the identity on every update (to notice a fork): keep
#: this process's, forgotten in a forked child.
os.register_at_fork(after_in_child=lambda: _identity.update(pid=None))


def _process_identity() -> str:
    identity = _identity["override"] or _identity["pid"]
    if identity is None:
        identity = _identity["pid"] = str(os.getpid())
    return identity


def write_as_horse_of(parent_pid: int) -> None:
    """In an RQ work-horse (forked once per job): write to one file per worker instead
    of one per job (``<parent pid>h``), so a worker running a million jobs keeps one
    set of files. Horses of one worker run one at a time; each continues from the
    file, so no count is lost."""
    _identity["override"] = f"{parent_pid}h"


def _build() -> Instruments:
    return Instruments(
        deliveries=Counter("gitbridge_webhook_deliveries", "Webhook deliveries answered, "
                           "by sending host and outcome", ["host", "outcome"]),
        ingest_seconds=Histogram("gitbridge_webhook_ingest_seconds", "Time from request "
                                 "start to the answer of a webhook delivery", ["outcome"],
                                 buckets=LATENCY_BUCKETS),
        jobs=Counter("gitbridge_jobs", "Jobs run by workers, by queue and outcome",
                     ["queue", "outcome"]),
        job_seconds=Histogram("gitbridge_job_duration_seconds", "Job run time by queue",
                              ["queue"], buckets=JOB_BUCKETS),
        index_runs=Counter("gitbridge_index_runs", "Repository index runs by outcome",
                           ["outcome"]),
        index_commits=Counter("gitbridge_index_commits", "Commits added by index runs",
                              ["outcome"]),
        index_seconds=Histogram("gitbridge_index_run_seconds", "Index run time",
                                ["outcome"], buckets=JOB_BUCKETS),
        index_commits_per_second=Histogram(
            "gitbridge_index_commits_per_second", "Commits added per second of an index "
            "run (runs that added commits)", ["outcome"], buckets=RATE_BUCKETS),
        api_calls=Counter("gitbridge_api_calls", "Outbound API calls (every attempt, "
                          "retries included) by service and HTTP status or failure",
                          ["service", "status"]),
        api_seconds=Histogram("gitbridge_api_call_seconds", "Outbound API call time",
                              ["service"], buckets=LATENCY_BUCKETS),
        in_progress=Gauge("gitbridge_http_requests_in_progress", "Requests being "
                          "served, by surface", ["surface"], multiprocess_mode="livesum"),
    )


def setup(directory: str) -> str:
    """Switch this process to multiprocess mode in ``directory`` (first call wins);
    returns the directory in use."""
    global _instruments
    with _setup_lock:
        if _instruments is not None:
            return os.environ["PROMETHEUS_MULTIPROC_DIR"]
        chosen = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", directory)
        try:
            Path(chosen).mkdir(parents=True, exist_ok=True)
            probe = Path(chosen) / f".probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"PROMETHEUS_MULTIPROC_DIR={chosen} cannot be written ({exc.strerror}); "
                "point it at a directory every Gitbridge process on this machine may write"
            ) from exc
        values.ValueClass = values.MultiProcessValue(process_identifier=_process_identity)
        _instruments = _build()
        return chosen


def init_app(app: Flask) -> None:
    from app.metrics import routes

    app.config["METRICS_DIR"] = setup(app.config["METRICS_DIR"])
    app.register_blueprint(routes.bp)
    app.before_request(_request_started)
    app.teardown_request(_request_ended)


#: (metric, label values) -> its child: ``labels()`` takes a lock and checks its
#: arguments on every call, and these run for every request. The values are few
#: (surfaces, hosts, outcomes); a child follows its process across a fork.
_children: dict[tuple[Any, tuple[str, ...]], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    child = _children.get((metric, labels))
    if child is None:
        child = _children.setdefault((metric, labels), metric.labels(*labels))
    return child


class serving:  # noqa: N801  (used as a function: ``with metrics.serving(...)``)
    """A request of ``surface`` in progress (one the app serves without Flask's
    hooks: the webhook receiver, which enters one per delivery, so a class and not a
    generator, counted through the tally)."""

    __slots__ = ("gauge",)

    def __init__(self, surface: str) -> None:
        self.gauge = None if _instruments is None else _child(_instruments.in_progress, surface)

    def __enter__(self) -> None:
        if self.gauge is not None:
            TALLY.inc(self.gauge)

    def __exit__(self, *_: object) -> None:
        if self.gauge is not None:
            TALLY.inc(self.gauge, -1)


def _request_started() -> None:
    if _instruments is not None:
        g.metrics_surface = surface = request.blueprint or "none"
        _child(_instruments.in_progress, surface).inc()


def _request_ended(_exc: BaseException | None) -> None:
    surface = g.pop("metrics_surface", None)
    if _instruments is not None and surface is not None:
        _child(_instruments.in_progress, surface).dec()


# --- recording ----------------------------------------------------------------------


def delivery(outcome: str, host: str | None, seconds: float) -> None:
    """A webhook delivery was answered with ``outcome`` (the answer's code) ``seconds``
    after it arrived; ``host`` is the one the receiver recognised (None: not yet)."""
    if _instruments is None:
        return
    TALLY.count(_child(_instruments.deliveries, host or "unknown", outcome),
                _child(_instruments.ingest_seconds, outcome), seconds)


def job(queue: str, outcome: str, seconds: float) -> None:
    if _instruments is not None:
        _instruments.jobs.labels(queue, outcome).inc()
        _instruments.job_seconds.labels(queue).observe(seconds)


def index_run(outcome: str, commits: int, seconds: float) -> None:
    if _instruments is None:
        return
    _instruments.index_runs.labels(outcome).inc()
    _instruments.index_seconds.labels(outcome).observe(seconds)
    if commits:
        _instruments.index_commits.labels(outcome).inc(commits)
        _instruments.index_commits_per_second.labels(outcome).observe(
            commits / max(seconds, 1e-3))


def api_call(service: str, status: str, seconds: float) -> None:
    if _instruments is not None:
        _instruments.api_calls.labels(service, status).inc()
        _instruments.api_seconds.labels(service).observe(seconds)
