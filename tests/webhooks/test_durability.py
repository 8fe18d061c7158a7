"""Every delivery answered 202 is in the database, even when the server is killed
mid-burst: gunicorn with the production settings (group commit across its requests),
killed with SIGKILL while deliveries are in flight."""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from flask import Flask

from app.models import Integration
from tests.support.deliveries import stored_deliveries
from tests.support.services import spare_port, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent.parent
PUSH = (ROOT / "tests/fixtures/webhooks/github/payloads/push.json").read_bytes()


def test_no_acknowledged_delivery_is_lost_when_the_server_is_killed(
        app: Flask, migrated: dict[str, str], webhook_integration: Integration) -> None:
    integration = webhook_integration
    url = f"/webhooks/{integration.id}"
    signature = "sha256=" + hmac.new(integration.webhook_secret.encode(), PUSH,
                                     hashlib.sha256).hexdigest()
    port = spare_port()
    server = start_gunicorn(
        {**os.environ, **migrated, "GITBRIDGE_WEBHOOK_RATE_PER_MINUTE": "1000000"}, port,
        "-w", "2", "--log-level", "warning", start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def send(i: int) -> None:
        if killed.is_set():
            return
        key = f"delivery-{i}"
        try:
            response = requests.post(base + url, data=PUSH, timeout=10, headers={
                "X-GitHub-Event": "push", "X-GitHub-Delivery": key,
                "X-Hub-Signature-256": signature, "Content-Type": "application/json"})
        except requests.RequestException:
            return  # no answer: the sender would retry
        if response.status_code == 202:
            with lock:
                acknowledged.append(key)

    try:
        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(send, i) for i in range(2000)]
            deadline = time.monotonic() + 60
            while len(acknowledged) < 150 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-burst
            killed.set()
            for future in futures:
                future.result()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    stored = {row.delivery_key for row in stored_deliveries()}
    assert len(acknowledged) >= 150
    assert set(acknowledged) <= stored
