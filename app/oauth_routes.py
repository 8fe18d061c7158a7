"""``GET /oauth/<kind>/callback``: where a git host sends the admin's browser back.

No Connect token here: the host redirects a popup window, not a Jira iframe. The signed
``state`` made by ``POST /api/v1/oauth/<kind>/start`` is the authentication (see
``app.oauth``). The page names the new grant to the wizard (``postMessage`` to the
window that opened it) and closes; tokens never appear in it.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, render_template, request

from app import oauth
from app.errors import Problem, headline

bp = Blueprint("oauth", __name__, url_prefix="/oauth")


@bp.after_request
def private(response: Response) -> Response:
    # The URL carries the authorization code: never cache it or send it as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _failed(message: str) -> tuple[str, int]:
    problem = Problem(400, "oauth_failed", message)
    return render_template("error.html", problem=problem, headline=headline(problem)), 400


@bp.get("/<kind>/callback")
def callback(kind: str) -> tuple[str, int]:
    if kind not in oauth.HOSTS:
        return _failed(f"Gitbridge does not connect '{kind[:50]}' with OAuth.")
    state = request.args.get("state", "")
    try:
        oauth.verify_state(kind, state)
        if request.args.get("error"):
            said = request.args.get("error_description") or request.args["error"]
            raise oauth.OAuthFailed(f"The authorization was not given: {said[:300]}")
        grant = oauth.complete(kind, request.args.get("code", ""), state)
    except oauth.OAuthFailed as exc:
        return _failed(str(exc))
    except Problem as problem:
        return _failed(problem.message)
    return render_template("oauth_done.html", grant_id=grant.id, kind=kind), 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
