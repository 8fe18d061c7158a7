"""Gauges read at scrape time: the queues in Redis, the push backlog in the database.

Counting these as they change would cost every enqueue and every push a write and
drift whenever a process dies between the change and the count; reading them when
Prometheus asks costs one Redis round trip (a pipeline) and two small queries per
scrape, and is always right.
"""

from __future__ import annotations

from collections.abc import Iterator

import redis
import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.extensions import db
from app.models import DevinfoDeletion, DevinfoState, utcnow
from app.queue import QUEUE_NAMES, connection, get_queue

#: What each queue gauge counts: its list, and RQ's registries of the same queue.
STATES = ("queued", "scheduled", "started", "failed")


class QueueCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("gitbridge_redis_up", "Whether Redis answered this scrape")
        depth = GaugeMetricFamily("gitbridge_queue_jobs", "Jobs per queue and state "
                                  "(queued: waiting for a worker)", labels=["queue", "state"])
        conn = connection()
        queues = [get_queue(name, conn) for name in QUEUE_NAMES]
        pipe = conn.pipeline(transaction=False)
        for queue in queues:
            pipe.llen(queue.key)
            for registry in (queue.scheduled_job_registry, queue.started_job_registry,
                             queue.failed_job_registry):
                pipe.zcard(registry.key)
        try:
            answers = pipe.execute()
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for index, name in enumerate(QUEUE_NAMES):
            for offset, state in enumerate(STATES):
                depth.add_metric([name, state], answers[index * len(STATES) + offset])
        yield up
        yield depth


class DevinfoBacklogCollector(Collector):
    """What Jira's Development panel is still owed: repositories whose push is due
    (``waiting`` of them told to wait by Jira or backing off) and deletions not sent."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("gitbridge_database_up", "Whether the database answered "
                               "this scrape")
        backlog = GaugeMetricFamily("gitbridge_devinfo_backlog", "Development panel work "
                                    "not yet accepted by Jira", labels=["kind"])
        now = utcnow()
        try:
            due = db.session.execute(sa.select(
                sa.func.count(),
                sa.func.count().filter(DevinfoState.next_attempt_at > now),
            ).where(DevinfoState.wanted_at.is_not(None))).one()
            deletions = db.session.execute(
                sa.select(sa.func.count()).select_from(DevinfoDeletion)).scalar_one()
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        backlog.add_metric(["repositories"], due[0])
        backlog.add_metric(["repositories_waiting"], due[1])
        backlog.add_metric(["deletions"], deletions)
        yield backlog
