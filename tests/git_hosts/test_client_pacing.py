"""HostClient, pacing: the spacing between mutating calls."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
import requests
import responses

from app.git_hosts import errors
from app.git_hosts.base import Provider
from app.git_hosts.client import BearerAuth
from tests.git_hosts.client_shapes import (
    API,
    PRIMARY,
    REPO,
    SHA,
    TOKEN,
    github,
    limit_headers,
)

# --- pacing ----------------------------------------------------------------------------------


def test_mutating_calls_with_one_token_are_spaced(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Provider, "mutation_interval", 0.25)
    sent: list[tuple[str, float]] = []

    def record(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent.append((request.method or "", time.monotonic()))
        if request.method == "GET":
            return (
                200,
                {},
                json.dumps({"ref": "refs/heads/main", "object": {"sha": SHA}}),
            )
        return (
            201,
            {},
            json.dumps({"ref": "refs/heads/x", "object": {"sha": SHA}}),
        )

    rsps.add_callback(responses.GET, f"{API}/repos/octocat/Hello-World/git/ref/heads/main", record)
    rsps.add_callback(responses.POST, f"{API}/repos/octocat/Hello-World/git/refs", record)
    token = "ghp_spaced" + str(time.time_ns())
    provider = github(token)
    provider.create_branch(REPO, "ABC-1", "main")
    provider.create_branch(REPO, "ABC-2", "main", token=None)
    posts = [t for method, t in sent if method == "POST"]
    gets = [t for method, t in sent if method == "GET"]
    assert len(posts) == 2
    assert posts[1] - posts[0] >= 0.25
    assert gets[1] - posts[0] < 0.2  # reads are not held back by the write interval


def test_other_tokens_are_not_held_back(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Provider, "mutation_interval", 5.0)
    rsps.delete(f"{API}/repos/octocat/Hello-World/hooks/1", status=204)
    rsps.delete(f"{API}/repos/octocat/Hello-World/hooks/2", status=204)
    started = time.monotonic()
    github("ghp_first" + str(time.time_ns())).delete_webhook(REPO, "1")
    github("ghp_second" + str(time.time_ns())).delete_webhook(REPO, "2")
    assert time.monotonic() - started < 1.0


def test_calls_for_one_token_are_never_parallel(rsps: responses.RequestsMock) -> None:
    active = 0
    peak = 0
    guard = threading.Lock()

    def slow(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
        time.sleep(0.03)
        with guard:
            active -= 1
        return 200, {}, '{"login": "octocat", "id": 1}'

    rsps.add_callback(responses.GET, f"{API}/user", slow)
    token = "ghp_parallel" + str(time.time_ns())
    threads = [threading.Thread(target=github(token).check_credentials) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rsps.calls) == 4
    assert peak == 1


def test_tokens_are_not_in_logs_or_reprs(
    rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rsps.get(f"{API}/user", status=403, json=PRIMARY, headers=limit_headers(0, time.time() + 3600))
    with pytest.raises(errors.RateLimited) as info:
        github().check_credentials()
    assert TOKEN not in caplog.text and TOKEN not in str(info.value)
    assert TOKEN not in repr(BearerAuth(TOKEN))
