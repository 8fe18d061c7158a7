"""gunicorn's settings for production: ``gunicorn wsgi:app`` reads this file from the
working directory (the repository root); ``-c gunicorn.conf.py`` names it wherever
you start it. Why these, with the figures: README.md ("Production web server") and
docs/benchmarks.md ("Webhook ingest").

``WEB_CONCURRENCY`` sets the number of worker processes (default: one per CPU);
anything else can be overridden with ``GUNICORN_CMD_ARGS`` or on the command line.
"""

import os

#: Threads, not one request per process: a receiver spends most of a delivery's time
#: waiting for its commit, and threads of one process share that commit (group
#: commit); gthread also keeps connections from the TLS proxy alive.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
threads = 16
#: Longer than the idle timeout of the proxy in front (60 s for nginx's upstream
#: keepalive and AWS load balancers), so the proxy never reuses a connection that
#: gunicorn is closing.
keepalive = 75

