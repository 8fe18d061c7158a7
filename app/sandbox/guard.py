"""The sandbox answers only on the developer's own machine."""

from __future__ import annotations

from flask import Response, request


def loopback_only() -> Response | None:
    """Refuse requests from anywhere but loopback (every sandbox blueprint runs this)."""
    address = request.remote_addr or ""
    if address.startswith("127.") or address == "::1":
        return None
    return Response("The Gitbridge sandbox answers only on this machine (loopback).\n", 403,
                    mimetype="text/plain")
