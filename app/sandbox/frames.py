"""How the sandbox frames the app's pages: exactly from the descriptor the app serves
(fetched over HTTP as Jira fetches it), with each module's URL variables filled in from
the page's context, the parameters Jira adds to every iframe URL, and a page token
bound to that exact URL.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from flask import current_app

from app.sandbox import install, site, tokens

_VARIABLE = re.compile(r"\$?\{([a-zA-Z_.]+)\}")
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Module:
    key: str
    kind: str
    name: str
    url: str
    raw: dict[str, Any]

    @property
    def location(self) -> str:
        return str(self.raw.get("location") or "")

    @property
    def admin_only(self) -> bool:
        return any(c.get("condition") == "user_is_admin" for c in self.raw.get("conditions", []))


def descriptor() -> dict[str, Any]:
    """The app's descriptor, as served at ``/atlassian-connect.json`` (cached 5 s)."""
    url = current_app.config["BASE_URL"] + "/atlassian-connect.json"
    cached = _cache.get(url)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    data: dict[str, Any] = requests.get(url, timeout=10).json()
    _cache[url] = (time.monotonic() + CACHE_SECONDS, data)
    return data


def modules(kind: str | None = None) -> list[Module]:
    """The descriptor's page modules (of ``kind``), plus the Development panel's actions
    (``jiraDevelopmentTool`` ``actions.*.templateUrl``, kind ``developmentActions``)."""
    found = []
    for group, entries in descriptor().get("modules", {}).items():
        for raw in entries if isinstance(entries, list) else [entries]:
            url = raw.get("url") or (raw.get("target") or {}).get("url")
            if url:
                name = (raw.get("name") or {}).get("value") or raw["key"]
                found.append(Module(raw["key"], group, name, url, raw))
            for action, spec in (raw.get("actions") or {}).items():
                if spec.get("templateUrl"):
                    found.append(Module(f"{raw['key']}:{action}", "developmentActions",
                                        action, spec["templateUrl"], spec))
    found = [m for m in found if kind is None or m.kind == kind]
    return sorted(found, key=lambda m: (m.raw.get("weight", 100), m.name))


def module(key: str) -> Module | None:
    return next((m for m in modules() if m.key == key), None)


def context_for(issue: site.Issue | None = None,
                project: site.Project | None = None) -> dict[str, Any]:
    """What ``AP.context.getContext`` answers, and the values of URL variables."""
    if issue is not None and project is None:
        project = site.project(issue.project_key)
    jira: dict[str, Any] = {}
    if project is not None:
        jira["project"] = {"id": str(project.id), "key": project.key}
    if issue is not None:
        jira["issue"] = {"id": str(issue.id), "key": issue.key, "issuetypeid": "10001"}
    return {"jira": jira, "license": {"active": True}}


def _variables(context: dict[str, Any], issue: site.Issue | None) -> dict[str, str]:
    jira = context.get("jira", {})
    values = {"issue.key": jira.get("issue", {}).get("key", ""),
              "issue.id": jira.get("issue", {}).get("id", ""),
              "project.key": jira.get("project", {}).get("key", ""),
              "project.id": jira.get("project", {}).get("id", ""),
              "issue.summary": issue.summary if issue else ""}
    return values


def frame_url(mod: Module, user: site.User, context: dict[str, Any],
              issue: site.Issue | None = None, ac: dict[str, str] | None = None) -> str:
    """The iframe URL Jira would load for ``mod``: variables substituted (URL-encoded;
    ``{ac.<name>}`` from the host page's ``ac.<name>`` parameters), Jira's own
    parameters added, and ``jwt`` last, signed for exactly that URL."""
    values = {**_variables(context, issue), **(ac or {})}
    path = _VARIABLE.sub(lambda m: quote(values.get(m.group(1), ""), safe=""), mod.url)
    parts = urlsplit(path)
    origin = urlsplit(current_app.config["BASE_URL"])
    extra = urlencode({
        "xdm_e": f"{origin.scheme}://{origin.netloc}", "xdm_c": f"channel-{mod.key}",
        "cp": urlsplit(install.site_url()).path, "xdm_deprecated_addon_key_do_not_use":
        current_app.config["APP_KEY"], "lic": "none", "cv": "1001.0.0-SNAPSHOT",
        "tz": "Etc/UTC", "loc": "en-GB"})
    query = f"{parts.query}&{extra}" if parts.query else extra
    url = f"{current_app.config['BASE_URL']}{parts.path}?{query}"
    token = tokens.page_token(url, user.account_id, install.ensure_installed())
    return f"{url}&jwt={token}"


def action_url(mod: Module, user: site.User, issue: site.Issue) -> str:
    """A Development panel action's link as Jira makes it from ``templateUrl``: the
    issue's variables filled in and ``{jwt}`` a context token for the user (Jira opens
    it in a tab of its own, outside any iframe)."""
    context = context_for(issue)
    values = {**_variables(context, issue),
              "jwt": tokens.context_token(user.account_id, install.ensure_installed(), context)}
    path = _VARIABLE.sub(lambda m: quote(values.get(m.group(1), ""), safe=""), mod.url)
    return current_app.config["BASE_URL"] + path
