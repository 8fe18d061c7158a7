"""``GET /metrics``: the Prometheus text format, for the operator's scraper only.

With ``GITBRIDGE_METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer
<token>`` (compared in constant time; anything else is 401). Unset, the endpoint does
not exist in production (404: nothing to probe) and is open in development to clients
on this machine only (a developer's curl, the sandbox), never to the network.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.metrics.collectors import DevinfoBacklogCollector, QueueCollector
from app.metrics.tally import TALLY

bp = Blueprint("metrics", __name__)


def _refusal() -> Response | None:
    token = current_app.config["METRICS_TOKEN"]
    if token is None:
        if current_app.config["ENV_NAME"] == "production" or not _loopback(request.remote_addr):
            return Response("not found\n", 404, mimetype="text/plain")
        return None
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
        return None
    return Response("a valid GITBRIDGE_METRICS_TOKEN is required: send "
                    "`Authorization: Bearer <token>`\n", 401, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'})


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def scrape() -> Response:
    """Every process's counters and histograms (summed), and the queue depths and the
    Development panel backlog as they are now."""
    refusal = _refusal()
    if refusal is not None:
        return refusal
    TALLY.flush()  # this process's receiver counts, up to now
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=current_app.config["METRICS_DIR"])
    registry.register(QueueCollector())
    registry.register(DevinfoBacklogCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
