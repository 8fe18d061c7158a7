"""gunicorn settings gunicorn reads from the working directory (``gunicorn wsgi:app``).

Only what Gitbridge needs of gunicorn itself; the worker class, threads and binding are
the deployment's (docs/deployment.md):

* metrics: every worker writes its prometheus-client files in one directory, which
  the master must know too, to drop a dead worker's live gauges (``child_exit``);
* logs: gunicorn's own lines in the app's format (JSON in production) on stderr, and
  no gunicorn access log: the app writes one line per request itself, with its
  request id (``app.logs``).
"""

import os

from app import ROOT

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


def child_exit(server, worker):  # noqa: ANN001  (gunicorn's hook signature)
    """A worker exited: its in-progress gauges must stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
