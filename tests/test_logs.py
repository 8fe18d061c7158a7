"""Secrets never reach the logs: install, page loads, API calls, refusals, Jira calls."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from app.logs import redact
from app.models import Integration, Tenant
from tests.support.connect import ConnectActions
from tests.support.services import spare_port


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


# --- structured lines, request ids, one line per warning --------------------------------


def _production(env: dict[str, str], **extra: str) -> Flask:
    return create_app({**env, "GITBRIDGE_ENV": "production", **extra})


def _github_integration(app: Flask) -> tuple[int, str]:
    tenant = Tenant(client_key="client-l", shared_secret="s" * 40, base_url="https://l")
    db.session.add(tenant)
    db.session.flush()
    row = Integration(tenant_id=tenant.id, kind="github", display_name="gh", settings={},
                      mode="webhook")
    db.session.add(row)
    db.session.commit()
    return row.id, row.webhook_secret


def _push(secret: str, delivery: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"ref": "refs/heads/main", "before": "0" * 40, "after": "1" * 40,
                       "repository": {"full_name": "o/r", "name": "r",
                                      "clone_url": "https://github.com/o/r.git"},
                       "commits": []}).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": "push", "X-GitHub-Delivery": delivery,
                  "X-Hub-Signature-256": f"sha256={signature}",
                  "Content-Type": "application/json"}


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_production_writes_json_lines_and_each_warning_once(
        app: Flask, migrated: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    integration_id, secret = _github_integration(app)
    # Redis is down: the delivery is stored and answered, and that is worth a warning.
    down = _production(migrated, GITBRIDGE_REDIS_URL=f"redis://127.0.0.1:{spare_port()}/0")
    body, headers = _push(secret, "d-down")
    capsys.readouterr()
    response = down.test_client().post(f"/webhooks/{integration_id}", data=body,
                                       headers={**headers, "X-Request-Id": "proxy-id-1234"})
    assert response.status_code == 202, response.get_json()
    assert response.headers["X-Request-Id"] == "proxy-id-1234"
    lines = _lines(capsys.readouterr().err)  # every line parses, or this raises
    warnings = [line for line in lines if line["level"] == "warning"]
    assert len(warnings) == 1, lines
    assert warnings[0]["message"].startswith("webhooks.queue_unavailable integration=")
    assert warnings[0]["logger"] == "app"
    assert {line["request_id"] for line in lines} == {"proxy-id-1234"}
    (access,) = [line for line in lines if line["logger"] == "gitbridge.access"]
    assert access["message"].startswith(f"POST /webhooks/{integration_id} 202 ")


@pytest.mark.parametrize("incoming", ["", "short", "has space in it", "x" * 200, "a;b<script>" * 3])
def test_an_odd_request_id_is_replaced(app: Flask, incoming: str) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-Id": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_development_lines_are_readable_with_the_request_id(
        app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    app.test_client().get("/healthz", headers={"X-Request-Id": "dev-request-1"})
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "gitbridge.access" in x]
    assert "[dev-request-1] GET /healthz 200" in line
    assert not line.startswith("{")
