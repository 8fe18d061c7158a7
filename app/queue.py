"""The job queues (RQ on Redis).

Three queues, served in priority order by every worker: work an admin asked for,
work a webhook triggered, and scheduled polling. Redis is reached lazily so the web
app starts (and pages load) while Redis is down; enqueueing then fails loudly with
``QueueUnavailable`` instead of losing the job.

Names: the code uses the logical queue names below; in Redis every queue and every key
of the app's own starts with ``GITBRIDGE_QUEUE_PREFIX`` (``queue_name``, ``key``), so
deployments sharing one Redis never take each other's jobs or locks. Nothing else in
the app spells a Redis key.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue
from rq.job import Job

from app import logs

MANUAL, WEBHOOK, SCHEDULED = "manual", "webhook", "scheduled"
QUEUE_NAMES = (MANUAL, WEBHOOK, SCHEDULED)
#: Queue names before prefixes existed, still accepted by ``gitbridge worker --queues``.
LEGACY_PREFIX = "gitbridge-"


class QueueUnavailable(RuntimeError):
    """Redis cannot be reached; the job was not queued."""


class RequestQueue(Queue):
    """A queue whose jobs carry the request id of whoever queued them (in the job's
    meta; ``app.worker`` binds it again), so one delivery's lines can be followed from
    the receiver into its job and into the jobs that job queues in turn."""

    def create_job(self, *args: Any, **kwargs: Any) -> Job:
        request_id = logs.current_request_id()
        if request_id is not None:
            kwargs["meta"] = {"request_id": request_id, **(kwargs.get("meta") or {})}
        return super().create_job(*args, **kwargs)


def init_app(app: Flask) -> None:
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=3, socket_timeout=10
    )


def connection() -> redis.Redis:
    conn: redis.Redis = current_app.extensions["redis"]
    return conn


def prefix() -> str:
    value: str = current_app.config["QUEUE_PREFIX"]
    return value


def key(*parts: object) -> str:
    """The Redis key ``<prefix>:<part>:<part>...``; every key of the app's own is one."""
    return ":".join((prefix(), *map(str, parts)))


def queue_name(name: str) -> str:
    """The RQ queue name of a logical queue (``manual`` -> ``<prefix>-manual``)."""
    return f"{prefix()}-{name}"


def logical_name(rq_name: str) -> str:
    """The logical name of one of our RQ queues (for metrics and logs)."""
    return rq_name.removeprefix(prefix() + "-")


def resolve(name: str) -> str:
    """A queue named on the command line: ``manual``, ``<prefix>-manual`` or the
    pre-prefix ``gitbridge-manual``.

    Raises:
        ValueError: not one of ours (the message lists the queues).
    """
    for candidate in (name, name.removeprefix(prefix() + "-"), name.removeprefix(LEGACY_PREFIX)):
        if candidate in QUEUE_NAMES:
            return candidate
    raise ValueError(f"unknown queue {name!r}; the queues are {', '.join(QUEUE_NAMES)}")


def get_queue(name: str, conn: redis.Redis | None = None) -> Queue:
    """The RQ queue of logical queue ``name`` in this deployment."""
    return RequestQueue(queue_name(name), connection=conn or connection())


def ping(conn: redis.Redis) -> str | None:
    """None if Redis answers, else a sentence saying what is wrong and how to fix it."""
    try:
        conn.ping()
    except redis.RedisError as exc:
        url = conn.connection_pool.connection_kwargs
        where = f"{url.get('host', '?')}:{url.get('port', '?')}"
        return (
            f"Redis is not reachable at {where} ({type(exc).__name__}: {exc}). "
            "Start it (for example `redis-server --daemonize yes`) or point "
            "GITBRIDGE_REDIS_URL at a running Redis."
        )
    return None


def enqueue(queue_name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return get_queue(queue_name).enqueue(func, *args, **kwargs)
    except redis.RedisError as exc:
        raise QueueUnavailable(f"the job queue is unavailable: {type(exc).__name__}") from exc
