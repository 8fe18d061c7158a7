"""The JSON API (``/api/v1``) behind the iframe pages.

Only context tokens are accepted (``Authorization: JWT <token>``, qsh ``context-qsh``).
Every error, including unknown routes and server faults, is
``{"error": {"code", "message"}}`` with a fitting status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import HTTPException

from app.errors import Problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(Problem)
def problem_response(problem: Problem) -> tuple[dict[str, Any], int]:
    return problem.to_json(), problem.status


def body_too_large() -> Problem:
    limit = current_app.config["API_MAX_BYTES"]
    return Problem(413, "body_too_large",
                   f"The request body is larger than this API accepts: at most {limit:,} "
                   f"bytes ({limit / 1024 / 1024:g} MiB). Send only the fields the call takes.")


@bp.before_request
def limit_body() -> None:
    """Bodies above ``API_MAX_BYTES`` are refused unread by their ``Content-Length``;
    a chunked one is read no further than one byte past the limit (Werkzeug stops there,
    and a body cut at the limit must not be parsed as if it were whole). The limit is
    this request's only: webhooks take larger deliveries, with their own limit."""
    limit = current_app.config["API_MAX_BYTES"]
    if request.content_length is not None:
        if request.content_length > limit:
            raise body_too_large()
        return
    if request.method in ("POST", "PUT", "PATCH"):
        request.max_content_length = limit + 1
        if len(request.get_data(cache=True)) > limit:
            raise body_too_large()


def http_error(exc: HTTPException) -> tuple[dict[str, Any], int]:
    code = (exc.name or "error").lower().replace(" ", "_")
    return {"error": {"code": code, "message": exc.description or exc.name}}, exc.code or 500


def server_error(exc: Exception) -> tuple[dict[str, Any], int]:
    current_app.logger.exception("api.error path=%s", request.path)
    return {
        "error": {"code": "internal_error", "message": "Something went wrong on our side."}
    }, 500


from app.api import (  # noqa: E402,F401  (routes register on bp)
    actions,
    deliveries,
    development,
    hosts,
    integrations,
    me,
    oauth,
    reports,
    repositories,
    settings,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        # Unknown routes under /api/ answer JSON too, not Flask's HTML page.
        if request.path.startswith("/api/"):
            return http_error(exc)
        return exc

    @app.errorhandler(Exception)
    def _server_error(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        if request.path.startswith("/api/"):
            return server_error(exc)
        current_app.logger.exception("app.error path=%s", request.path)
        return "Internal error", 500
