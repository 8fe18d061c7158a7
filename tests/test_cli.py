"""The ``gitbridge`` command as a newcomer runs it: real processes, real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests import conftest


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITBRIDGE_")}
    env.update(
        {
            "GITBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
            "GITBRIDGE_SECRET_KEY": "cli-test",
            "GITBRIDGE_DATA_DIR": str(tmp_path / "repos"),
            "GITBRIDGE_SANDBOX_DIR": str(tmp_path / "sandbox"),
            "GITBRIDGE_REDIS_URL": conftest.TEST_REDIS_URL.rsplit("/", 1)[0] + "/14",
            **extra,
        }
    )
    return env


GITBRIDGE = [sys.executable, "-m", "app.cli"]


def test_dev_says_when_redis_is_unreachable(tmp_path: Path) -> None:
    env = run_env(tmp_path, GITBRIDGE_REDIS_URL=f"redis://127.0.0.1:{spare_port()}/0")
    result = subprocess.run(
        [*GITBRIDGE, "dev", "--port", str(spare_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Redis is not reachable at 127.0.0.1" in result.stderr
    assert "GITBRIDGE_REDIS_URL" in result.stderr


def test_dev_migrates_starts_worker_and_serves(tmp_path: Path) -> None:
    port = spare_port()
    process = subprocess.Popen(
        [*GITBRIDGE, "dev", "--port", str(port)],
        env=run_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        descriptor = None
        for _ in range(100):
            try:
                descriptor = requests.get(
                    f"http://127.0.0.1:{port}/atlassian-connect.json", timeout=1
                ).json()
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert descriptor is not None, "gitbridge dev did not start"
        assert descriptor["baseUrl"] == f"http://localhost:{port}"
        assert (tmp_path / "dev.db").exists()
        # The sandbox installs itself through the running app's lifecycle on first visit.
        home = requests.get(f"http://127.0.0.1:{port}/dev/", timeout=60)
        assert home.status_code == 200, home.text
        assert "Connect the example repositories" in home.text
        assert (tmp_path / "sandbox" / "shared-secret").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"Descriptor URL: http://localhost:{port}/atlassian-connect.json" in output
    assert "Worker:" in output
    assert f"Sandbox:   http://localhost:{port}/dev/" in output


def test_worker_burst_runs_and_exits(tmp_path: Path) -> None:
    result = subprocess.run(
        [*GITBRIDGE, "worker", "--burst"],
        env=run_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_worker_names_the_queues_when_given_an_unknown_one(tmp_path: Path) -> None:
    result = subprocess.run([*GITBRIDGE, "worker", "--burst", "--queues", "nightly"],
                            env=run_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown queue 'nightly'; the queues are manual, webhook, scheduled" in result.stderr
