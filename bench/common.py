"""Shared set-up for benchmarks: a PostgreSQL database of their own, an app, a tenant."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Integration, Repository, Tenant  # noqa: E402
from tests.support.services import PrivateRedis, reset_postgres  # noqa: E402

BENCH_DB = os.environ.get(
    "GITBRIDGE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/gitbridge_bench"
)


def bench_env(tmp: Path) -> dict[str, str]:
    return {
        "GITBRIDGE_DATABASE_URL": BENCH_DB,
        "GITBRIDGE_REDIS_URL": "redis://127.0.0.1:6379/13",
        "GITBRIDGE_SECRET_KEY": "bench",
        "GITBRIDGE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "GITBRIDGE_DATA_DIR": str(tmp / "repos"),
        "GITBRIDGE_BASE_URL": "https://gitbridge.example.com",
        "GITBRIDGE_ALLOWED_JIRA_HOSTS": "127.0.0.1",
    }


def fresh_app(env: dict[str, str]) -> Any:
    from flask_migrate import upgrade

    reset_postgres(BENCH_DB)
    app = create_app(env)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def add_repository(url: str, client_key: str = "bench") -> tuple[int, int]:
    """A tenant with one plain-git integration; returns (tenant id, repository id)."""
    tenant = Tenant(client_key=client_key, shared_secret="s" * 40, base_url="http://127.0.0.1")
    db.session.add(tenant)
    db.session.flush()
    integration = Integration(
        tenant_id=tenant.id, kind="git", display_name="bench", url=url, settings={}
    )
    db.session.add(integration)
    db.session.flush()
    repository = Repository(
        tenant_id=tenant.id,
        integration_id=integration.id,
        name="bench",
        clone_url=url,
        status="queued",
    )
    db.session.add(repository)
    db.session.commit()
    return tenant.id, repository.id


@contextmanager
def private_redis() -> Iterator[str]:
    """A ``redis-server`` of the benchmark's own (the machine's 6379 belongs to others)."""
    server = PrivateRedis()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def timer(results: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    results[name] = time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]
