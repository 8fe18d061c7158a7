"""The built Custom UI pages in a real browser, the way Forge runs them: served from
their own origin, with Forge's host side of ``@forge/bridge`` (``window.__bridge``)
answering ``getContext`` and ``invoke`` by minting a FIT and the app's tokens and
calling the live app over HTTP, as Forge's invokeRemote proxy does. (Here, beside the
Connect pages' tests, for the one browser per session of tests/pages/conftest.py.)"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.atlassian.forge.conftest import app, forge  # noqa: F401  (Forge-enabled app)
from tests.e2e.test_forge import ADMIN, DEV, ForgeClient, installed, live, served  # noqa: F401
from tests.forge.test_manifest import FORGE, built
from tests.support.browser import SCREENSHOT_DIR
from tests.support.forge import FakeForge
from tests.support.indexing import drain

ORIGIN = "https://custom-ui.forge.test"
#: The host's side of @forge/bridge. ``createHistory`` answers with a history object at the
#: host's current route (Forge proxies its methods across frames; here it is in the page).
BRIDGE = """
window.__bridge = { callBridge: function (name, payload) {
  if (name === "createHistory") {
    return window.__forgeHost("route", null).then(function (pathname) {
      var history = { location: { pathname: pathname }, listeners: [],
                      listen: function (f) { history.listeners.push(f); return function () {}; } };
      window.__forgeHistory = history;
      return history;
    });
  }
  return window.__forgeHost(name, payload === undefined ? null : payload);
} };
"""


def host_side(site: ForgeClient, account: str, extension: dict[str, Any],
              route: str = "/") -> Any:
    """Forge's side of ``callBridge``: the invocation context, the page's route (its
    sidebar subpage) and invokeRemote."""
    calls: list[str] = []
    state = {"route": route}

    def handle(name: str, payload: Any) -> Any:
        calls.append(name)
        if name == "route":
            return state["route"]
        if name == "getContext":
            return {"accountId": account, "cloudId": site.inst.cloud_id, "extension": extension,
                    "moduleKey": "issue-development", "siteUrl": "https://site-u.atlassian.net",
                    "locale": "en-GB", "environmentType": "PRODUCTION"}
        if name == "invoke" and payload.get("invokeType") == "ui-remote-fetch":
            headers = {**(payload.get("headers") or {}),
                       **site.forge.ui_headers(site.inst, account)}
            response = requests.request(payload["method"], site.live.url + payload["path"],
                                        json=payload.get("body"), headers=headers, timeout=30)
            body = response.json() if response.content else None
            return {"success": True, "payload": {
                "status": response.status_code, "body": body,
                "headers": {k: [v] for k, v in response.headers.items()}}}
        return None

    handle.calls = calls  # type: ignore[attr-defined]
    handle.state = state  # type: ignore[attr-defined]
    return handle


def open_built(browser: Any, path: str, handler: Any) -> tuple[Any, list[str]]:  # noqa: F811
    context = browser.new_context(viewport={"width": 900, "height": 700}, locale="en-GB")
    context.set_default_timeout(10_000)
    errors: list[str] = []

    def serve(route: Any) -> None:
        url = urlsplit(route.request.url)
        file = (FORGE / "build" / url.path.lstrip("/")).resolve()
        if url.scheme + "://" + (url.hostname or "") != ORIGIN or not file.is_file():
            route.abort()
            return
        route.fulfill(status=200, body=file.read_bytes(),
                      content_type=mimetypes.guess_type(file.name)[0] or "text/plain")

    context.route("**/*", serve)
    context.expose_function("__forgeHost", handler)
    context.add_init_script(BRIDGE)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{ORIGIN}/{path}", wait_until="load")
    return page, errors


@pytest.fixture
def site(forge: FakeForge, live: Any, served: str, redis_conn: Any  # noqa: F811
         ) -> Iterator[ForgeClient]:
    built()
    client = installed(forge, live, "site-u")
    client.ok("POST", "/integrations", json={"kind": "git", "url": served}, status=201)
    drain(redis_conn)
    yield client


def test_issue_panel_under_forge(browser: Any, site: ForgeClient) -> None:  # noqa: F811
    handler = host_side(site, DEV, {"type": "jira:issueContext",
                                    "issue": {"key": "ABC-1", "id": "10001"},
                                    "project": {"key": "ABC", "id": "1"}})
    page, errors = open_built(browser, "issue-development/index.html", handler)
    page.wait_for_selector("text=ABC-2 second, also ABC-1")
    assert page.locator("text=ABC-1 first").count() == 1
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOT_DIR) / "forge-issue-panel.png"), full_page=True)
    assert errors == []
    assert "getContext" in handler.calls and "invoke" in handler.calls
    page.context.close()


def test_admin_page_under_forge(browser: Any, site: ForgeClient) -> None:  # noqa: F811
    handler = host_side(site, ADMIN, {"type": "jira:adminPage"})
    page, errors = open_built(browser, "admin-pages/index.html", handler)
    page.wait_for_selector("text=app.git")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOT_DIR) / "forge-manage-repositories.png"),
                    full_page=True)
    assert errors == []
    page.context.close()


def test_subpages_follow_the_route(browser: Any, site: ForgeClient) -> None:  # noqa: F811
    """The admin page's "settings" route shows General settings; the sidebar switching
    back to "repositories" shows Manage repositories (same resource, two files)."""
    handler = host_side(site, ADMIN, {"type": "jira:adminPage"}, route="/settings")
    page, errors = open_built(browser, "admin-pages/index.html", handler)
    page.wait_for_url("**/admin-pages/general-settings.html")
    page.wait_for_selector("h1:has-text('Gitbridge settings')")
    page.wait_for_function("document.getElementById('gb-branch-template').value.length > 0")
    handler.state["route"] = "/repositories"  # the admin clicks the other subpage
    page.evaluate("window.__forgeHistory.listeners.forEach(function (f) {"
                  " f({ pathname: '/repositories' }); })")
    page.wait_for_url("**/admin-pages/index.html")
    page.wait_for_selector("h1:has-text('Manage repositories')")
    assert errors == []
    page.context.close()
