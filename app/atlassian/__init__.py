"""The Atlassian side of the app, behind one seam.

Everything outside this package asks only two things of Atlassian:

* :func:`api_auth_required`: the guard on every JSON API route. It verifies the
  request's token as its issuer specifies and puts the tenant on ``g.tenant`` and the
  Atlassian account id of the acting user on ``g.account_id`` (``None`` for calls
  without a user).
* :func:`jira_for`: the Jira REST client for a tenant, for request handlers and
  background jobs alike; it signs or authorises each call as the tenant's platform
  requires.

Today the only platform is Atlassian Connect (``app.connect``); a Forge Remote
platform plugs in here without the rest of the code knowing which one a tenant uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from app.connect.auth import context_token_required
from app.jira.client import JiraClient

F = TypeVar("F", bound=Callable[..., Any])


def api_auth_required(view: F) -> F:
    """For the JSON API: the caller's platform token, verified; tenant and user on ``g``."""
    return context_token_required(view)


def jira_for(tenant: Any) -> JiraClient:
    """The Jira REST client for ``tenant`` (Connect: JWT-signed with its shared secret)."""
    return JiraClient.for_tenant(tenant, current_app.config["APP_KEY"])
