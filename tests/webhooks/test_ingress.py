"""The receiver's URL served in front of Flask (``webhooks.ingress``): what the app's
hooks give every request, a delivery gets too; any other request is Flask's."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.models import Integration
from tests.support.deliveries import github, stored_deliveries


def test_a_delivery_has_its_request_id_and_access_line(
        client: Any, webhook_integration: Integration, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gitbridge.access"):
        response = github(client, webhook_integration, **{"X-Request-Id": "delivery-0001"})
        made = github(client, webhook_integration, delivery="d-2", **{"X-Request-Id": "<x>"})
    assert response.status_code == 202 and response.headers["X-Request-Id"] == "delivery-0001"
    assert response.content_type == "application/json"
    assert len(made.headers["X-Request-Id"]) == 32  # not tame: one of the app's own
    lines = [(r.getMessage(), getattr(r, "request_id", None)) for r in caplog.records
             if r.name == "gitbridge.access"]
    path = f"/webhooks/{webhook_integration.id}"
    assert [(m.split()[:3], i) for m, i in lines] == [
        (["POST", path, "202"], "delivery-0001"),
        (["POST", path, "202"], made.headers["X-Request-Id"])]


def test_other_methods_and_paths(client: Any, webhook_integration: Integration) -> None:
    response = client.get(f"/webhooks/{webhook_integration.id}")
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    # Not the receiver's URL: Flask's, as before.
    assert client.post("/webhooks/not-a-number").status_code == 404
    assert client.post(f"/webhooks/{webhook_integration.id}/").status_code == 404
    assert client.post("/webhooks/" + "9" * 19).status_code == 404
    assert client.get("/healthz").status_code == 200
    assert stored_deliveries() == []


def test_an_unexpected_failure_is_a_logged_500(
        migrated: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The database cannot be opened at all (a real failure, not a stand-in)."""
    broken: Flask = create_app({**migrated, "GITBRIDGE_DATABASE_URL":
                                f"sqlite:///{tmp_path}/no/such/dir/gitbridge.db"})
    with caplog.at_level(logging.ERROR):
        response = broken.test_client().post("/webhooks/1", data=b"{}",
                                             headers={"X-Request-Id": "broken-0001"})
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert response.headers["X-Request-Id"] == "broken-0001"
    (record,) = [r for r in caplog.records if r.getMessage().startswith("webhooks.error")]
    assert record.exc_info and getattr(record, "request_id", None) == "broken-0001"
