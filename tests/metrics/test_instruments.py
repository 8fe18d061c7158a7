"""What the clients and the receiver count, scraped from the app's own /metrics."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask

from app.git_hosts.client import HostClient
from app.jira.client import JiraClient
from tests.support.metrics import Samples, parse, value


class Limited(BaseHTTPRequestHandler):
    """Answers every second request 429 (``Retry-After: 0``), the others 200."""

    calls = 0

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        type(self).calls += 1
        limited = self.calls % 2 == 1
        body = b'{"ok": true}'
        self.send_response(429 if limited else 200)
        if limited:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def limited_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Limited)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def scrape(app: Flask) -> Samples:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def test_jira_and_host_calls_are_counted_by_status_with_429s(
        app: Flask, limited_service: str) -> None:
    before = scrape(app)
    jira = JiraClient(limited_service, shared_secret="s" * 32, app_key="gitbridge-for-jira")
    assert jira.get_json("/rest/api/3/serverInfo") == {"ok": True}  # 429, retried, 200
    host = HostClient(limited_service + "/api/v3", allow_private=True)
    host.request("GET", "repos")
    after = scrape(app)
    for service in ("jira", "git_host"):
        for status in ("429", "200"):
            assert (value(after, "gitbridge_api_calls_total", service=service, status=status)
                    - value(before, "gitbridge_api_calls_total", service=service,
                            status=status)) == 1, (service, status)
        assert (value(after, "gitbridge_api_call_seconds_count", service=service)
                - value(before, "gitbridge_api_call_seconds_count", service=service)) == 2


def test_unreachable_services_are_counted_too(app: Flask) -> None:
    from tests.support.services import spare_port

    before = scrape(app)
    jira = JiraClient(f"http://127.0.0.1:{spare_port()}", shared_secret="s" * 32,
                      app_key="gitbridge-for-jira")
    with pytest.raises(Exception, match="ConnectionError"):
        jira.get_json("/rest/api/3/serverInfo")
    after = scrape(app)
    assert (value(after, "gitbridge_api_calls_total", service="jira", status="error")
            - value(before, "gitbridge_api_calls_total", service="jira", status="error")) == 1
