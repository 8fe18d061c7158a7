"""The Connect descriptor and lifecycle hooks: how Jira installs and talks to the app."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

bp = Blueprint("descriptor", __name__)

#: The descriptor's source of truth, at the top of the repository.
DESCRIPTOR_PATH = Path(__file__).resolve().parent.parent / "atlassian-connect.json"


@cache
def _template() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DESCRIPTOR_PATH.read_text())
    return data


def render_descriptor(base_url: str, app_key: str) -> dict[str, Any]:
    """The descriptor with this deployment's base URL and key filled in."""
    descriptor = copy.deepcopy(_template())
    descriptor["baseUrl"] = base_url
    descriptor["key"] = app_key
    return descriptor


def module_url(module_key: str) -> str:
    """The relative URL of a page module, looked up by its key."""
    modules = _template()["modules"]
    for group in modules.values():
        for module in group if isinstance(group, list) else [group]:
            if module["key"] == module_key:
                target = module.get("target", {})
                return str(module.get("url") or target.get("url"))
    raise KeyError(module_key)


@bp.get("/atlassian-connect.json")
def descriptor() -> Any:
    """Serve the descriptor Jira installs from."""
    response = jsonify(
        render_descriptor(current_app.config["BASE_URL"], current_app.config["APP_KEY"])
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    from descriptor import lifecycle

    app.register_blueprint(bp)
    app.register_blueprint(lifecycle.bp)
