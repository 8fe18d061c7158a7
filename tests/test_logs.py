"""Secrets never reach the logs: install, page loads, API calls, refusals, Jira calls."""

from __future__ import annotations

import logging

import pytest

from app.logs import redact
from tests.support.connect import ConnectActions


def test_secrets_and_tokens_never_logged(
    connect: ConnectActions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "very-secret-shared-secret-" + "q" * 30
    assert connect.install("client-a", secret, "site-a").status_code == 204
    connect.fake.site("site-a").admins.add("user-1")
    page_token = connect.page_token("client-a", secret, "/pages/manage-repositories")
    connect.client.get(f"/pages/manage-repositories?jwt={page_token}")
    connect.api("GET", "/api/v1/hosts", "client-a", secret)
    connect.page("/pages/user-settings", "client-a", "wrong-secret-" + "w" * 30)
    # A replayed install with another secret is refused and logged; the secret is not.
    token = connect.install_token("client-a")
    connect.install("client-a", "attacker-secret-" + "a" * 30, "site-a", token=token)
    connect.install("client-a", "attacker-secret-" + "a" * 30, "site-a", token=token)
    text = caplog.text
    assert "refused" in text  # the refusals were logged...
    for needle in (secret, "attacker-secret", page_token, token, "eyJ"):
        assert needle not in text  # ...without secrets or tokens


def test_redaction_filter_masks_request_lines() -> None:
    line = '"GET /pages/x?issueKey=A-1&jwt=eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.abcdef HTTP/1.1"'
    assert "eyJ" not in redact(line)
    assert "issueKey=A-1" in redact(line)
    assert redact("Authorization: Bearer abc123") == "Authorization: Bearer <redacted>"
    assert redact("https://x/?token=abc&x=1") == "https://x/?token=<redacted>&x=1"
