"""The RQ workers ``gitbridge worker`` runs: RQ's own, plus what operators read.

While a job runs, every log line carries the request id the job was queued with (its
meta, see ``app.queue``) and the job's id; when it ends, its duration and outcome are
counted per queue (``app.metrics``). Both happen in ``perform_job``, which RQ calls in
the process that runs the job: the forked work-horse, or the worker itself for
``--simple``.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from rq import SimpleWorker, Worker
from rq.job import Job
from rq.queue import Queue

from app import logs, metrics
from app.queue import logical_name

log = logging.getLogger("gitbridge.jobs")


class _Observed:
    def perform_job(self, job: Job, queue: Queue, *args: Any, **kwargs: Any) -> bool:
        started = time.perf_counter()
        ok = False
        with logs.bound((job.meta or {}).get("request_id"), job.id):
            try:
                ok = bool(super().perform_job(job, queue, *args, **kwargs))  # type: ignore[misc]
            finally:
                seconds = time.perf_counter() - started
                outcome = "finished" if ok else "failed"
                metrics.job(logical_name(queue.name), outcome, seconds)
                log.info("job.%s queue=%s func=%s seconds=%.3f", outcome,
                         logical_name(queue.name), job.func_name, seconds)
        return ok


class ForkingWorker(_Observed, Worker):
    """A work-horse per job (isolation); its metrics go to one file set per worker."""

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        metrics.write_as_horse_of(os.getppid())  # in the child, right after the fork
        super().main_work_horse(job, queue)


class InProcessWorker(_Observed, SimpleWorker):
    """Jobs in the worker process itself (``--simple``)."""
