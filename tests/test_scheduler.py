"""Adaptive polling and recovery, on real Redis and the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from app import scheduler
from app.extensions import db
from app.index_runs import POLL_MAX, POLL_MIN, next_poll
from app.jobs import pending_key
from app.models import Integration, Repository, Tenant
from app.queue import MANUAL, SCHEDULED, get_queue

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_next_poll_is_a_quarter_of_the_quiet_time_within_bounds() -> None:
    assert next_poll(NOW, NOW - timedelta(hours=4)) == NOW + timedelta(hours=1)
    assert next_poll(NOW, NOW - timedelta(minutes=1)) == NOW + POLL_MIN
    assert next_poll(NOW, NOW - timedelta(days=30)) == NOW + POLL_MAX
    assert next_poll(NOW, None) == NOW + POLL_MIN
    naive = (NOW - timedelta(hours=2)).replace(tzinfo=None)  # as SQLite returns it
    assert next_poll(NOW, naive) == NOW + timedelta(minutes=30)
    # Live webhooks (one seen in the last day): polling slows to hourly.
    seen = NOW - timedelta(hours=2)
    assert next_poll(NOW, NOW - timedelta(minutes=1), seen) == NOW + timedelta(hours=1)
    assert next_poll(NOW, NOW - timedelta(days=30), seen) == NOW + POLL_MAX
    stale = NOW - timedelta(days=2)
    assert next_poll(NOW, NOW - timedelta(minutes=1), stale) == NOW + POLL_MIN


def repositories(**states: dict[str, Any]) -> dict[str, int]:
    tenant = Tenant(client_key="c", shared_secret="s" * 40, base_url="https://a")
    db.session.add(tenant)
    db.session.flush()
    integration = Integration(tenant_id=tenant.id, kind="git", display_name="x", settings={})
    disabled = Integration(
        tenant_id=tenant.id, kind="git", display_name="y", settings={"enabled": False}
    )
    db.session.add_all([integration, disabled])
    db.session.flush()
    ids = {}
    for name, fields in states.items():
        owner = disabled if fields.pop("disabled", False) else integration
        row = Repository(
            tenant_id=tenant.id,
            integration_id=owner.id,
            name=name,
            clone_url=f"https://example.com/{name}.git",
            **fields,
        )
        db.session.add(row)
        db.session.flush()
        ids[name] = row.id
    db.session.commit()
    return ids


def test_tick_polls_due_repositories_and_recovers_lost_ones(
    app: Any, redis_conn: redis.Redis
) -> None:
    past, future = NOW - timedelta(minutes=1), NOW + timedelta(hours=1)
    ids = repositories(
        due={"status": "indexed", "next_poll_at": past},
        later={"status": "indexed", "next_poll_at": future},
        off={"status": "indexed", "next_poll_at": past, "disabled": True},
        broken={"status": "error", "next_poll_at": past},
        lost={"status": "queued"},
        busy={"status": "indexing"},
    )
    redis_conn.set(pending_key(ids["busy"]), "manual|x")  # still has a job
    result = scheduler.tick(NOW)
    assert result == {"polled": [ids["due"]], "recovered": [ids["lost"]], "deliveries": [],
                      "scans": [], "devinfo": [], "smart_commits": [],
                      "devinfo_deletions": [], "line_counts": []}
    assert get_queue(SCHEDULED, redis_conn).count == 1
    assert get_queue(MANUAL, redis_conn).count == 1
    # A second scheduler in the same window does nothing.
    assert scheduler.tick(NOW) == {"polled": [], "recovered": [], "deliveries": [],
                                   "scans": [], "devinfo": [], "smart_commits": [],
                                   "devinfo_deletions": [], "line_counts": []}
