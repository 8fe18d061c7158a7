"""Group commit of received deliveries: many request threads, few statements, every
thread told its own outcome only after its row is committed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Integration, utcnow
from app.store.deliveries import DeliveryWriter, IntegrationGone, NewDelivery, Stored
from tests.support.deliveries import stored_deliveries


def delivery(integration: Integration, key: str | None = None) -> NewDelivery:
    return NewDelivery(tenant_id=integration.tenant_id, integration_id=integration.id,
                       host="github", event="push", delivery_key=key or uuid.uuid4().hex,
                       body=b'{"ref": "refs/heads/main"}', headers={"X-GitHub-Event": "push"},
                       repositories=["a/b"], received_at=utcnow())


@pytest.fixture
def inserts(app: Flask) -> Iterator[list[str]]:
    """The inserts the writer sends; the first one is slowed down, as a slow disk
    flush would be, so that other threads' rows wait behind it."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if statement.startswith("INSERT INTO deliveries"):
            statements.append(statement)
            if len(statements) == 1:
                time.sleep(0.3)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", before)


def stored_keys() -> list[str]:
    return [row.delivery_key for row in stored_deliveries()]


def test_concurrent_deliveries_share_statements(app: Flask, webhook_integration: Integration,
                                                inserts: list[str]) -> None:
    writer = DeliveryWriter(app, db.engine)
    items = [delivery(webhook_integration) for _ in range(24)]

    def store(item: NewDelivery) -> tuple[Stored, int | None]:
        with app.app_context():
            return writer.store(item)

    with ThreadPoolExecutor(24) as pool:
        results = list(pool.map(store, items))
    assert [stored for stored, _ in results] == [Stored.ACCEPTED] * 24
    assert len({delivery_id for _, delivery_id in results}) == 24
    assert sorted(stored_keys()) == sorted(i.delivery_key for i in items)
    # The first statement held the others up: they went in a few shared statements.
    assert len(inserts) < 24 / 2


def test_duplicates_in_one_batch_and_across_batches(app: Flask, webhook_integration: Integration,
                                                    inserts: list[str]) -> None:
    writer = DeliveryWriter(app, db.engine, committers=1)
    first = delivery(webhook_integration, "same")

    def store(item: NewDelivery) -> Stored:
        with app.app_context():
            return writer.store(item)[0]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(store, [delivery(webhook_integration, "other"), first,
                                        delivery(webhook_integration, "same"),
                                        delivery(webhook_integration, "same")]))
    assert sorted(results) == sorted([Stored.ACCEPTED, Stored.ACCEPTED, Stored.DUPLICATE,
                                      Stored.DUPLICATE])
    assert writer.store(delivery(webhook_integration, "same"))[0] is Stored.DUPLICATE
    assert sorted(stored_keys()) == ["other", "same"]


def test_a_removed_integration_fails_alone(app: Flask, webhook_integration: Integration,
                                           inserts: list[str]) -> None:
    writer = DeliveryWriter(app, db.engine, committers=1)
    gone = delivery(webhook_integration)
    gone.integration_id = webhook_integration.id + 1000

    def store(item: NewDelivery) -> Any:
        with app.app_context():
            try:
                return writer.store(item)[0]
            except IntegrationGone as exc:
                return exc

    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(store, delivery(webhook_integration))]  # slowed: the others wait
        futures += [pool.submit(store, gone), pool.submit(store, delivery(webhook_integration))]
        results = [f.result() for f in futures]
    assert results[0] is Stored.ACCEPTED and results[2] is Stored.ACCEPTED
    assert isinstance(results[1], IntegrationGone)
    assert len(stored_keys()) == 2 and gone.delivery_key not in stored_keys()


def test_a_database_failure_is_raised_and_nothing_is_acknowledged(
        app: Flask, webhook_integration: Integration) -> None:
    broken = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")
    writer = DeliveryWriter(app, broken)
    with pytest.raises(sa.exc.OperationalError):
        writer.store(delivery(webhook_integration))
    assert stored_keys() == []



def test_a_committer_gathers_the_rows_of_expected_requests(
        app: Flask, webhook_integration: Integration, inserts: list[str]) -> None:
    """A request still on its way (expected) is waited for: both rows go in one
    statement, and the first is acknowledged only once the second arrived."""
    writer = DeliveryWriter(app, db.engine, gather=30)
    first, second = delivery(webhook_integration), delivery(webhook_integration)
    on_its_way = writer.expect()

    def store(item: NewDelivery) -> tuple[Stored, int | None]:
        with app.app_context():
            return writer.store(item)

    with ThreadPoolExecutor(1) as pool:
        storing = pool.submit(store, first)
        time.sleep(0.3)
        assert not storing.done()  # waiting for the expected row
        with on_its_way:
            assert writer.store(second, on_its_way)[0] is Stored.ACCEPTED
        assert storing.result(timeout=10)[0] is Stored.ACCEPTED
    assert sorted(stored_keys()) == sorted([first.delivery_key, second.delivery_key])
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's insert bypasses the events
        assert len(inserts) == 1


@pytest.mark.parametrize("other", ["gone before", "withdrawn meanwhile"])
def test_a_committer_waits_for_nobody_else(app: Flask, webhook_integration: Integration,
                                           other: str) -> None:
    """A quiet process writes at once; a request that leaves without a row (a ping, a
    refused delivery) is waited for no longer."""
    writer = DeliveryWriter(app, db.engine, gather=30)
    item = delivery(webhook_integration)
    started = time.monotonic()
    request = writer.expect()
    if other == "gone before":
        request.__exit__(None, None, None)

    def store() -> tuple[Stored, int | None]:
        with app.app_context():
            return writer.store(item)

    with ThreadPoolExecutor(1) as pool:
        storing = pool.submit(store)
        if other == "withdrawn meanwhile":
            time.sleep(0.3)
            assert not storing.done()
            request.__exit__(None, None, None)
        assert storing.result(timeout=10)[0] is Stored.ACCEPTED
    assert time.monotonic() - started < 10
    assert stored_keys() == [item.delivery_key]
