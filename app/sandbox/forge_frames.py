"""How the sandbox frames the Forge app's pages: from ``forge/manifest.yml`` (its
variables filled in as the Forge CLI does), each Custom UI module where Jira puts it,
its resource (``forge/build``, ``make forge-ui``) served by the sandbox with a stand-in
for Forge's host side of ``@forge/bridge`` injected before the page's own scripts, and
the context ``view.getContext()`` answers.

Page URLs are the site's, as Forge has them: admin pages at
``/jira/settings/apps/<app>/<env>/<route>``, global pages at
``/jira/apps/<app>/<env>/<route>``, project pages at
``/jira/software/projects/<key>/apps/<app>/<env>`` (the app's own links to its pages,
``app.atlassian.page_url``, point there too).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, url_for

from app.sandbox import forge_tokens as tokens
from app.sandbox import install, site

FORGE = Path(__file__).resolve().parents[2] / "forge"
PAGE_TYPES = ("jira:adminPage", "jira:globalPage", "jira:issueContext", "jira:issueActivity",
              "jira:projectPage")


@dataclass(frozen=True)
class ForgeModule:
    key: str
    kind: str
    name: str
    resource: str
    #: (title, route) of a page module's subpages
    pages: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=4)
def _manifest(text: str, variables: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    import yaml  # the sandbox is development only; PyYAML comes with .[dev]

    values = dict(variables)
    data: dict[str, Any] = yaml.safe_load(re.sub(
        r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: values.get(m.group(1), m.group(0)), text))
    return data


def manifest() -> dict[str, Any]:
    config = current_app.config
    return _manifest((FORGE / "manifest.yml").read_text(), (
        ("GITBRIDGE_FORGE_APP_ID", str(config["FORGE_APP_ID"])),
        ("GITBRIDGE_BASE_URL", str(config["BASE_URL"]))))


def resource_dir(key: str) -> Path | None:
    for resource in manifest().get("resources", []):
        if resource.get("key") == key:
            return FORGE / str(resource["path"])
    return None


def modules(kind: str | None = None) -> list[ForgeModule]:
    found = []
    for group, entries in (manifest().get("modules") or {}).items():
        if group not in PAGE_TYPES:
            continue
        for raw in entries:
            pages = tuple((p["title"], p["route"]) for p in raw.get("pages", []))
            found.append(ForgeModule(raw["key"], group, raw.get("title") or raw["key"],
                                     raw["resource"], pages))
    return [m for m in found if kind is None or m.kind == kind]


def module(key: str) -> ForgeModule | None:
    return next((m for m in modules() if m.key == key), None)


def page_href(mod: ForgeModule, route: str = "", project: site.Project | None = None) -> str:
    ids = f"{tokens.app_uuid()}/{tokens.ENVIRONMENT_UUID}"
    root = url_for("sandbox.home").rstrip("/")
    if mod.kind == "jira:adminPage":
        return f"{root}/jira/settings/apps/{ids}/{route}".rstrip("/")
    if mod.kind == "jira:projectPage" and project is not None:
        return f"{root}/jira/software/projects/{project.key}/apps/{ids}"
    return f"{root}/jira/apps/{ids}/{route}".rstrip("/")


def subpage_links(mod: ForgeModule) -> list[dict[str, str]]:
    return [{"name": title, "href": page_href(mod, route), "key": f"{mod.key}/{route}"}
            for title, route in mod.pages]


def extension(mod: ForgeModule, issue: site.Issue | None = None,
              project: site.Project | None = None) -> dict[str, Any]:
    """``context.extension`` of the module where it is shown."""
    if issue is not None and project is None:
        project = site.project(issue.project_key)
    ext: dict[str, Any] = {"type": mod.kind}
    if project is not None:
        ext["project"] = {"id": str(project.id), "key": project.key, "type": "software"}
    if issue is not None:
        ext["issue"] = {"id": str(issue.id), "key": issue.key, "type": issue.type,
                        "typeId": "10001"}
    return ext


def context(mod: ForgeModule, user: site.User, ext: dict[str, Any]) -> dict[str, Any]:
    """What ``view.getContext()`` answers in the module's frame."""
    return {"accountId": user.account_id, "cloudId": tokens.CLOUD_ID,
            "siteUrl": install.site_url(), "moduleKey": mod.key, "localId": mod.key,
            "locale": "en-GB", "timezone": "UTC", "environmentType": "DEVELOPMENT",
            "environmentId": tokens.ENVIRONMENT_UUID, "extension": ext}


def frame(mod: ForgeModule, user: site.User, issue: site.Issue | None = None,
          project: site.Project | None = None, route: str = "", **options: Any
          ) -> dict[str, Any]:
    """The template's frame: the resource's page, and the context the host holds for it."""
    ctx = context(mod, user, extension(mod, issue, project))
    return {"module": mod, "forge": True, "route": "/" + route,
            "url": url_for("sandbox.forge_resource", resource=mod.resource, file="index.html"),
            "context": json.dumps(ctx), **options}
