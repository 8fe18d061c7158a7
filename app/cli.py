"""The ``gitbridge`` command: Flask's CLI plus the app's own commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from app import create_app


def _create_app(*_: Any) -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Gitbridge for Jira."""


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queues", "-q", multiple=True,
              help="Queues to serve: manual, webhook, scheduled (default: all, by priority).")
@click.option(
    "--simple",
    is_flag=True,
    help="Run jobs in this process instead of a forked child per job: much faster "
    "for many small jobs (webhook deliveries), less isolated.",
)
@with_appcontext
def worker(burst: bool, queues: tuple[str, ...], simple: bool) -> None:
    """Run an RQ worker for the indexing queues."""
    import time

    import redis

    from app.extensions import db
    from app.queue import QUEUE_NAMES, connection, get_queue, ping, resolve
    from app.worker import ForkingWorker, InProcessWorker

    try:
        names = [resolve(name) for name in queues] or list(QUEUE_NAMES)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queues") from exc
    conn = connection()
    if problem := ping(conn):
        raise click.ClickException(problem)
    # Forked work-horses must not share the parent's database sockets.
    os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
    worker_class = InProcessWorker if simple else ForkingWorker
    while True:
        try:
            # with_scheduler: retries with back-off are scheduled jobs; some worker must
            # move them back to their queue when due (RQ elects one per Redis).
            worker_class([get_queue(name, conn) for name in names], connection=conn).work(
                burst=burst, with_scheduler=True
            )
            return
        except redis.ConnectionError as exc:
            if burst:
                raise
            # Redis went away (restart, failover): wait for it instead of exiting; jobs it
            # lost are re-queued from the database by the scheduler.
            click.echo(f"Redis connection lost ({exc}); reconnecting", err=True)
            while ping(conn) is not None:
                time.sleep(1)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run one round and exit.")
@with_appcontext
def scheduler(once: bool) -> None:
    """Enqueue periodic work: adaptive polling, recovery of lost jobs."""
    from app import scheduler as periodic
    from app.queue import connection, ping

    if problem := ping(connection()):
        raise click.ClickException(problem)
    if once:
        click.echo(periodic.tick())
    else:
        periodic.run_forever()


@click.command("reindex")
@click.option("--tenant", "client_key", help="Only this tenant (its clientKey).")
@click.option("--repository", "repository_id", type=int, help="Only this repository id.")
@with_appcontext
def reindex(client_key: str | None, repository_id: int | None) -> None:
    """Queue a re-index from the shell."""
    from app.extensions import db
    from app.jobs import request_index
    from app.models import Repository, Tenant

    query = db.select(Repository.id).join(Tenant, Repository.tenant_id == Tenant.id)
    if client_key:
        query = query.where(Tenant.client_key == client_key)
    if repository_id is not None:
        query = query.where(Repository.id == repository_id)
    ids = db.session.execute(query.order_by(Repository.id)).scalars().all()
    if not ids:
        raise click.ClickException("no repository matches")
    for rid in ids:
        request_index(rid)
    click.echo(f"queued {len(ids)} repositor{'y' if len(ids) == 1 else 'ies'}")


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-encrypt every stored secret with the newest GITBRIDGE_ENCRYPTION_KEYS key."""
    from app.rotation import rotate_all

    count = rotate_all()
    click.echo(f"re-encrypted {count} stored secret(s) with the newest key")


@click.command("dev")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@with_appcontext
def dev(port: int, host: str) -> None:
    """Migrate the embedded database, start a worker, the scheduler and the web app, and
    print the descriptor URL and the sandbox URL (a stand-in Jira at /dev/)."""
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    from app.queue import connection, ping

    if problem := ping(connection()):
        raise click.ClickException(problem)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    env = dict(os.environ)
    if "GITBRIDGE_BASE_URL" not in os.environ:
        app.config["BASE_URL"] = f"http://localhost:{port}"
        env["GITBRIDGE_BASE_URL"] = app.config["BASE_URL"]
    upgrade(directory=app.extensions["migrate"].directory)
    children = [
        subprocess.Popen([sys.executable, "-m", "app.cli", name], env=env)
        for name in ("worker", "scheduler")
    ]
    click.echo(f"Database: {app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"Worker:   pid {children[0].pid} on {app.config['REDIS_URL']}")
    click.echo(f"Scheduler: pid {children[1].pid}")
    click.echo(f"Descriptor URL: {app.config['BASE_URL']}/atlassian-connect.json")
    click.echo(f"Sandbox:   {app.config['BASE_URL']}/dev/  (a stand-in Jira with Gitbridge "
               "installed: open it, connect the example repositories, open an issue)")
    # SIGTERM must unwind through ``finally`` so the worker child is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(timeout=30)


def init_app(app: Flask) -> None:
    from app.atlassian.forge.cli import forge

    for command in (worker, scheduler, reindex, rotate_keys, dev, forge):
        app.cli.add_command(command)


if __name__ == "__main__":
    main()
