"""The sandbox over real HTTP: the app served on 127.0.0.1 with its base URL set to where
it listens (the sandbox calls the app there: installs, descriptor, API), a real worker
run in bursts (``drain``), and Chromium on the sandbox's pages. Nothing is faked: the
sandbox itself plays Jira."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.support.indexing import drain
from tests.support.sandbox import SandboxPage


@dataclass
class Sandbox:
    app: Flask
    url: str
    redis: redis.Redis

    def drain(self) -> None:
        """Run every queued job (indexing, scans, webhook deliveries) to completion."""
        drain(self.redis)

    def open(self, browser: Any, path: str, user: str = "developer",
             viewport: tuple[int, int] = (1280, 1000), platform: str = "connect"
             ) -> SandboxPage:
        return SandboxPage.open(browser, self.url, path, user, viewport, platform)


@pytest.fixture
def sandbox(migrated: dict[str, str], tmp_path: Path, redis_conn: redis.Redis
            ) -> Iterator[Sandbox]:
    # The base URL is known only once the server listens: its host is allowed up front,
    # as a Jira host (base_env) and as the Forge installation's API host.
    env = {**migrated, "GITBRIDGE_SANDBOX": "on",
           "GITBRIDGE_SANDBOX_DIR": str(tmp_path / "sandbox"),
           "GITBRIDGE_FORGE_API_HOSTS": "api.atlassian.com,127.0.0.1"}
    app = create_app(env, {"TESTING": True, "DATA_DIR": str(tmp_path / "repos")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    with app.app_context():
        try:
            yield Sandbox(app, app.config["BASE_URL"], redis_conn)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            db.engine.dispose()
