"""The sandbox over real HTTP: the app served on 127.0.0.1 with its base URL set to where
it listens (the sandbox calls the app there: installs, descriptor, API), a real worker
run in bursts (``drain``), and Chromium on the sandbox's pages. Nothing is faked: the
sandbox itself plays Jira."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
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

    def session(self, user: str = "admin", platform: str = "connect") -> requests.Session:
        """An HTTP client signed in as ``user``, on ``platform``'s installation: the
        sandbox's session cookie, as the chrome's user select and toggle leave it."""
        http = requests.Session()
        http.post(f"{self.url}/dev/user", data={"user": user}, timeout=30)
        if platform != "connect":
            http.post(f"{self.url}/dev/platform", data={"platform": platform}, timeout=30)
        return http

    def connect(self, form: dict[str, str], platform: str = "connect") -> str:
        """What one of the admin's connect buttons on the home page posts (``form``), on
        ``platform``'s installation, then a worker; the page it answers with."""
        answer = self.session("admin", platform).post(
            f"{self.url}/dev/repositories/connect", data=form, timeout=120)
        assert answer.status_code == 200, answer.text
        self.drain()
        return answer.text

    def connect_examples(self, platform: str = "connect") -> None:
        """The admin's "Connect the example repositories" button, then a worker."""
        assert "Connected the sandbox&#39;s GitHub" in self.connect({"host": "1"}, platform)

    @contextmanager
    def visit(self, browser: Any, path: str, user: str = "developer",
              viewport: tuple[int, int] = (1280, 1000), platform: str = "connect"
              ) -> Iterator[SandboxPage]:
        """Chromium on ``path`` as ``user`` on ``platform``'s installation. A test that
        gets through its block must leave the page clean (no script errors, requests
        off the machine or dialogs); the page is closed either way."""
        page = SandboxPage.open(browser, self.url, path, user, viewport, platform)
        try:
            yield page
            page.clean()
        finally:
            page.close()


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


@pytest.fixture
def examples(sandbox: Sandbox) -> Sandbox:
    """The sandbox with its example repositories connected to the Connect installation
    and indexed."""
    sandbox.connect_examples()
    return sandbox


@pytest.fixture
def forge_examples(sandbox: Sandbox) -> Sandbox:
    """The sandbox with its example repositories connected to the Forge installation
    and indexed."""
    sandbox.connect_examples("forge")
    return sandbox
