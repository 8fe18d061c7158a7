"""The receiving endpoint: every answer, durability before acknowledgement, duplicates."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from app import scheduler
from app.extensions import db
from app.models import Integration, utcnow
from app.queue import WEBHOOK, get_queue
from tests.support.connect import ConnectActions
from tests.support.deliveries import PUSH, github, stored_deliveries
from tests.support.indexing import drain
from webhooks import integration_cache

FIXTURES = Path(__file__).parent.parent / "fixtures/webhooks"


def queued(conn: redis.Redis) -> int:
    return get_queue(WEBHOOK, conn).count


def test_accepted_delivery_is_stored_then_queued(client: Any, webhook_integration: Integration,
                                                 redis_conn: redis.Redis) -> None:
    response = github(client, webhook_integration)
    assert response.status_code == 202
    assert response.get_json()["status"] == "accepted"
    (delivery,) = stored_deliveries()
    assert delivery.body == PUSH  # byte for byte
    assert delivery.host == "github" and delivery.event == "push"
    assert delivery.delivery_key == "d-1" and delivery.status == "queued"
    assert delivery.repositories == ["Codertocat/Hello-World"]
    assert "X-Hub-Signature-256" not in delivery.headers  # no credentials at rest
    assert queued(redis_conn) == 1


def test_duplicates_are_recognised(client: Any, webhook_integration: Integration,
                                   redis_conn: redis.Redis) -> None:
    assert github(client, webhook_integration).get_json()["status"] == "accepted"
    again = github(client, webhook_integration)
    assert again.status_code == 202 and again.get_json()["status"] == "duplicate"
    # Hosts that send no delivery id: the same body is the same delivery.
    assert github(client, webhook_integration, delivery=None).get_json()["status"] == "accepted"
    assert github(client, webhook_integration, delivery=None).get_json()["status"] == "duplicate"
    # Two deliveries, one draining job for the integration.
    assert len(stored_deliveries()) == 2 and queued(redis_conn) == 1


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"secret": "not-the-secret"}, 401, "bad_signature"),
    ({"body": b"{not json"}, 400, "malformed"),
    ({"body": b"[]"}, 400, "malformed"),
])
def test_refusals_store_and_queue_nothing(client: Any, webhook_integration: Integration,
                                          redis_conn: redis.Redis, change: dict[str, Any],
                                          status: int, code: str) -> None:
    response = github(client, webhook_integration, **change)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert stored_deliveries() == [] and queued(redis_conn) == 0


def test_unsigned_and_unknown(client: Any, webhook_integration: Integration,
                              redis_conn: redis.Redis) -> None:
    response = client.post(f"/webhooks/{webhook_integration.id}", data=PUSH,
                           headers={"X-GitHub-Event": "push"})
    assert response.status_code == 401
    assert client.post("/webhooks/999999", data=PUSH).status_code == 404
    response = client.post(f"/webhooks/{webhook_integration.id}", data=b'{"hello": 1}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unrecognised"
    assert stored_deliveries() == [] and queued(redis_conn) == 0


def test_unknown_events_need_no_work(client: Any, webhook_integration: Integration,
                                     redis_conn: redis.Redis) -> None:
    ping = (FIXTURES / "github/payloads/ping.json").read_bytes()
    response = github(client, webhook_integration, ping, event="ping")
    assert response.status_code == 202 and response.get_json()["status"] == "ignored"
    response = github(client, webhook_integration, b"{}", event="watch")
    assert response.status_code == 202
    assert stored_deliveries() == [] and queued(redis_conn) == 0


def test_oversized_is_refused(client: Any, webhook_integration: Integration, app: Flask) -> None:
    app.config["WEBHOOK_MAX_BYTES"] = 1000
    body = json.dumps({"padding": "x" * 2000}).encode()
    response = github(client, webhook_integration, body)
    assert response.status_code == 413
    assert "at most 1,000 bytes" in response.get_json()["error"]["message"]
    assert stored_deliveries() == []


def test_rate_limit(client: Any, webhook_integration: Integration, app: Flask,
                    redis_conn: redis.Redis) -> None:
    app.config["WEBHOOK_RATE_PER_MINUTE"] = 2
    if time.time() % 60 > 50:  # the limit is per minute: all three in the same one
        time.sleep(61 - time.time() % 60)
    assert github(client, webhook_integration, delivery="a").status_code == 202
    assert github(client, webhook_integration, delivery="b").status_code == 202
    response = github(client, webhook_integration, delivery="c")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 60
    assert len(stored_deliveries()) == 2 and queued(redis_conn) == 1


def regenerate(connect: ConnectActions
               ) -> tuple[Integration, str, Callable[[], dict[str, Any]]]:
    """A webhook-mode GitHub integration made by an admin: the integration, its first
    secret, and a call that regenerates the secret through the API (its answer)."""
    key, secret = connect.installed()
    connect.fake.site("site-a").admins.add("user-1")
    created = connect.api("POST", "/api/v1/integrations", key, secret,
                          json={"kind": "github", "mode": "webhook"}).get_json()

    def again() -> dict[str, Any]:
        return connect.api("POST", f"/api/v1/integrations/{created['id']}/webhook/regenerate",
                           key, secret).get_json()

    return db.session.get(Integration, created["id"]), created["webhook"]["secret"], again


def test_previous_secret_works_during_rotation(connect: ConnectActions,
                                               redis_conn: redis.Redis) -> None:
    integration, old, regenerated = regenerate(connect)
    rotated = regenerated()
    new = rotated["webhook"]["secret"]
    assert new != old and rotated["webhook"]["previous_secret_expires_at"]
    assert github(connect.client, integration, secret=old, delivery="x").status_code == 202
    assert github(connect.client, integration, secret=new, delivery="y").status_code == 202
    integration.previous_secret_expires_at = integration.previous_secret_expires_at.replace(
        year=2000)
    db.session.commit()
    time.sleep(integration_cache.MAX_AGE)  # the receiver's view of the integration ages out
    assert github(connect.client, integration, secret=old, delivery="z").status_code == 401



def test_a_new_secret_verifies_at_once(connect: ConnectActions) -> None:
    """Hosts sign with a regenerated secret at once (GitHub's ping, SNS's confirmation):
    the receiver's cached view of the integration, a moment old, does not refuse them."""
    integration, old, regenerated = regenerate(connect)
    assert github(connect.client, integration, secret=old, delivery="x").status_code == 202
    new = regenerated()["webhook"]["secret"]
    time.sleep(integration_cache.RECHECK_AGE)  # cached, still within its MAX_AGE
    assert github(connect.client, integration, secret=new, delivery="y").status_code == 202
    assert github(connect.client, integration, secret="guessed", delivery="z"
                  ).status_code == 401

def test_redis_down_still_stores_and_the_sweeper_queues_later(
        app: Flask, client: Any, webhook_integration: Integration, redis_conn: redis.Redis) -> None:
    app.extensions["redis"] = redis.Redis.from_url("redis://127.0.0.1:9/0",
                                                   socket_connect_timeout=0.2)
    response = github(client, webhook_integration)
    assert response.status_code == 202  # stored durably: acknowledging is safe
    (delivery,) = stored_deliveries()
    assert delivery.status == "queued" and queued(redis_conn) == 0
    app.extensions["redis"] = redis.Redis.from_url(app.config["REDIS_URL"])
    delivery_id = delivery.id
    result = scheduler.tick(utcnow() + timedelta(minutes=1))
    assert result["deliveries"] == [delivery_id]
    assert queued(redis_conn) == 1
    drain(redis_conn)
    assert stored_deliveries()[0].status == "processed"
    redis_conn.delete(scheduler.tick_key())
    assert scheduler.tick(utcnow() + timedelta(minutes=2))["deliveries"] == []
