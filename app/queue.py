"""The job queues (RQ on Redis).

Three queues, served in priority order by every worker: work an admin asked for,
work a webhook triggered, and scheduled polling. Redis is reached lazily so the web
app starts (and pages load) while Redis is down; enqueueing then fails loudly with
``QueueUnavailable`` instead of losing the job.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue

MANUAL, WEBHOOK, SCHEDULED = "gitbridge-manual", "gitbridge-webhook", "gitbridge-scheduled"
QUEUE_NAMES = (MANUAL, WEBHOOK, SCHEDULED)


class QueueUnavailable(RuntimeError):
    """Redis cannot be reached; the job was not queued."""


def init_app(app: Flask) -> None:
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=3, socket_timeout=10
    )


def connection() -> redis.Redis:
    conn: redis.Redis = current_app.extensions["redis"]
    return conn


def get_queue(name: str, conn: redis.Redis | None = None) -> Queue:
    return Queue(name, connection=conn or connection())


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
