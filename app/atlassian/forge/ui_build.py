"""Build the Forge app's Custom UI resources from the Connect pages' own code.

``make forge-ui`` bundles the Forge transport (``forge/src/transport.js`` with
``@forge/bridge``) and then runs this module, which renders each page's template exactly
as the Connect page is rendered, but with ``forge_build`` set (the Forge transport
instead of Connect's ``all.js`` + ``transport-connect.js``), copies every ``/static``
file a page references next to it with a relative URL, and writes one directory per
resource under ``forge/build/``. The page scripts are the same files either way.

A page is one entry in :data:`RESOURCES`: ``{resource key: {file: template}}``. A
resource with several files serves the subpages of one module (Jira allows a single
``jira:adminPage`` and a single ``jira:globalPage`` per app); :data:`ROUTES` maps its
subpage routes to its files.

The output must pass Forge's Custom UI content security policy: no inline scripts and no
inline event handlers (``forge lint`` does not see them, the browser refuses them).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from flask import Flask, render_template

ROOT = Path(__file__).resolve().parents[3]
BUILD = ROOT / "forge" / "build"
BUNDLE = BUILD / "forge-transport.js"

RESOURCES: dict[str, dict[str, str]] = {
    "admin-pages": {"index.html": "manage_repositories.html",
                    "general-settings.html": "general_settings.html"},
    "issue-development": {"index.html": "issue_development.html"},
    "issue-commits": {"index.html": "issue_commits.html"},
    "issue-rollup": {"index.html": "issue_rollup.html"},
    "project-commits": {"index.html": "project_commits.html"},
    "global-pages": {"index.html": "repository_browser.html",
                     "user-settings.html": "user_settings.html"},
}
ROUTES: dict[str, dict[str, str]] = {
    "admin-pages": {"": "index.html", "repositories": "index.html",
                    "settings": "general-settings.html"},
    "global-pages": {"": "index.html", "repositories": "index.html",
                     "settings": "user-settings.html"},
}

STATIC_REF = re.compile(r'(src|href)="/static/([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*)"')
#: Bundled packages are copied whole: their stylesheets load fonts and icons by
#: relative URL.
VENDOR = "vendor/"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


class BuildError(RuntimeError):
    pass


def render_page(app: Flask, template: str, routes: dict[str, str] | None) -> tuple[str, set[str]]:
    """The page's HTML for Forge and the static files it needs."""
    with app.test_request_context("/"):
        html = render_template(template, forge_build=True)
    needed = {match.group(2) for match in STATIC_REF.finditer(html)}
    html = STATIC_REF.sub(lambda m: f'{m.group(1)}="static/{m.group(2)}"', html)
    if routes:
        html = html.replace("<body ", f"<body data-forge-routes='{json.dumps(routes)}' ", 1)
    if INLINE_SCRIPT.search(html) or INLINE_HANDLER.search(html):
        raise BuildError(f"{template}: inline scripts or event handlers break Forge's CSP")
    return html, needed


def build(app: Flask, out: Path = BUILD) -> list[Path]:
    """Write every resource; returns the directories written."""
    if not BUNDLE.exists():
        raise BuildError(f"{BUNDLE} is missing: run `npm --prefix forge run bundle` first")
    static = Path(app.static_folder or "")
    written = []
    for resource, files in RESOURCES.items():
        target = out / resource
        shutil.rmtree(target, ignore_errors=True)
        (target / "static").mkdir(parents=True)
        for name, template in files.items():
            html, needed = render_page(app, template, ROUTES.get(resource))
            (target / name).write_text(html)
            for asset in needed:
                if asset.startswith(VENDOR):
                    package = asset.split("/")[:2]
                    shutil.copytree(static.joinpath(*package), target / "static" / Path(*package),
                                    dirs_exist_ok=True)
                else:
                    shutil.copyfile(static / asset, target / "static" / asset)
        shutil.copyfile(BUNDLE, target / "forge-transport.js")
        written.append(target)
    return written


def main() -> int:
    from app import create_app

    try:
        written = build(create_app())
    except BuildError as exc:
        print(f"forge-ui: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"forge-ui: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
