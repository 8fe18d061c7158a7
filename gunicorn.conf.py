"""gunicorn's settings for production: ``gunicorn wsgi:app`` reads this file from the
working directory (the repository root); ``-c gunicorn.conf.py`` names it wherever
you start it. Why these, with the figures: README.md ("Production web server"),
docs/deployment.md and docs/benchmarks.md ("Webhook ingest").

* workers: gevent, ``WEB_CONCURRENCY`` processes (default one per CPU), each serving
  its connections on greenlets; anything can be overridden with ``GUNICORN_CMD_ARGS``
  or on the command line;
* metrics: every worker writes its prometheus-client files in one directory, which
  the master must know too, to drop a dead worker's live gauges (``child_exit``);
* logs: gunicorn's own lines in the app's format (JSON in production) on stderr, and
  no gunicorn access log: the app writes one line per request itself, with its
  request id (``app.logs``).
"""

import os
from pathlib import Path

from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parent

#: Greenlets, not one request per process: a receiver spends most of a delivery's time
#: waiting for its commit, and the requests of one process share that commit (group
#: commit). Greenlets switch only where they wait (sockets, psycopg, Redis, git's
#: pipes), so sharing costs no lock hand-offs: with gthread's 16 threads a delivery
#: cost twice the worker CPU. gunicorn's gevent worker, except that a stopping worker
#: closes the proxy's idle keep-alive connections at once (``app.web_worker``).
worker_class = "app.web_worker.Worker"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
#: Connections open at once per worker (gunicorn's default), far more than the
#: requests a process serves at once: a connection waiting for a slow client costs
#: only its greenlet.
worker_connections = 1000
#: Longer than the idle timeout of the proxy in front (60 s for nginx's upstream
#: keepalive and AWS load balancers), so the proxy never reuses a connection that
#: gunicorn is closing.
keepalive = 75

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(ROOT / "instance" / "metrics"))

_stderr = {"class": "logging.StreamHandler", "formatter": "app", "filters": ["context"],
           "stream": "ext://sys.stderr"}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # No levels but the access log's: ``--log-level`` stays the operator's (the app
    # follows it, see app.logs); the root gets its handler from the app.
    "root": {"handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
    },
    "handlers": {"stderr": _stderr},
    "filters": {"context": {"()": "app.logs.ContextFilter"}},
    "formatters": {"app": {"()": "app.logs.formatter_for",
                           "env_name": os.environ.get("GITBRIDGE_ENV", "development")}},
}


class AppLogger(Logger):
    """gunicorn's logger, without its access lines unless ``--access-logfile`` asks for
    them: with ``logconfig_dict`` set, gunicorn builds every request's access atoms
    (a tenth of a small request's CPU) only for the ``gunicorn.access`` level above
    to drop them."""

    def _compute_access_log_enabled(self) -> bool:
        return bool(self.cfg.accesslog)


logger_class = AppLogger


def worker_exit(server, worker):  # noqa: ANN001  (gunicorn's hook signature)
    """In the exiting worker: the receiver's counts of its last second are written."""
    from app.metrics.tally import TALLY

    TALLY.flush()


def child_exit(server, worker):  # noqa: ANN001  (gunicorn's hook signature)
    """A worker exited: its in-progress gauges must stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
