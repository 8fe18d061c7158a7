"""A real browser (Debian's Chromium, driven by Playwright) on the app served over HTTP.

Nothing of the app is mocked. AUI comes with the app's static files (bundled from its
npm package by ``make static``). The machine has no internet, so the browser's request
routing answers the one CDN script the pages load, Atlassian's Connect script
``connect-cdn.atl-paas.net/all.js``, with a small fake whose ``AP.context.getToken``
hands out a real context JWT minted for the test tenant, as Jira would. (The sandbox's
browser tests, ``tests/sandbox``, need no fake at all: there the sandbox frames the
pages and serves its own ``AP``.)

Every other request leaving 127.0.0.1 is aborted. Each page gets a fresh browser
context.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = os.environ.get("GITBRIDGE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-dev-shm-usage",
]
ALL_JS = "https://connect-cdn.atl-paas.net/all.js"
AUI_CSS = Path(__file__).resolve().parents[2] / "app/static/vendor/aui/aui-prototyping.css"
SCREENSHOT_DIR = Path(os.environ.get(
    "GITBRIDGE_SCREENSHOT_DIR", Path(tempfile.gettempdir()) / "gitbridge-screenshots"))

#: Atlassian's all.js, reduced to what our pages use. ``__TOKEN__`` is a JSON string;
#: ``__REQUESTS__`` maps Jira REST URLs to the JSON ``AP.request`` answers (others: 404).
FAKE_ALL_JS = """
(function () {
  var token = __TOKEN__;
  var requests = __REQUESTS__;
  window.__apCalls = [];
  window.__apNavigations = [];
  function record(name) { return function () { window.__apCalls.push(name); }; }
  window.AP = {
    context: {
      getToken: function (cb) { setTimeout(function () { cb(token); }, 0); },
      getContext: function (cb) { setTimeout(function () { cb({}); }, 0); }
    },
    request: function (options) {
      window.__apCalls.push("request " + options.url);
      setTimeout(function () {
        if (Object.prototype.hasOwnProperty.call(requests, options.url)) {
          options.success && options.success(JSON.stringify(requests[options.url]), "success", {});
        } else {
          options.error && options.error({ status: 404 }, "error", "Not Found");
        }
      }, 0);
    },
    resize: record("resize"),
    sizeToParent: record("sizeToParent"),
    navigator: {
      go: function (target, context) {
        window.__apCalls.push("navigator.go");
        window.__apNavigations.push({ target: target, context: context || {} });
      },
      reload: record("navigator.reload")
    },
    events: { on: function () {}, emit: function () {} },
    flag: { create: record("flag.create") }
  };
}());
"""


class LiveServer:
    """The Flask app on 127.0.0.1 over real HTTP, from a thread."""

    def __init__(self, app: Flask) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def launch() -> tuple[Any, Any]:
    """(playwright, browser), or a test failure that says how to get Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the machine
        pytest.fail("the browser tests need Playwright: .venv/bin/pip install -e '.[dev]'",
                    pytrace=False)
    if not AUI_CSS.is_file():
        pytest.fail("the browser tests need AUI bundled into app/static/vendor: run `make static`",
                    pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: run `bash .ci/services` "
                    "(or `apt-get install -y chromium`); Playwright's own browser download "
                    "is not used", pytrace=False)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             timeout=30_000)
    except Exception:
        playwright.stop()
        raise
    return playwright, browser


@dataclass
class PageSession:
    """One page with what it did: dialogs that fired, script errors, AP calls."""

    page: Any
    context: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    #: Every URL the page asked for, in order.
    requested: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def ap_calls(self) -> list[str]:
        return list(self.page.evaluate("window.__apCalls || []"))

    def ap_navigations(self) -> list[dict[str, Any]]:
        """``AP.navigator.go`` calls: ``{target, context}``."""
        return list(self.page.evaluate("window.__apNavigations || []"))

    def close(self) -> None:
        self.context.close()


def _console(session: PageSession, msg: Any) -> None:
    # The browser logs every non-2xx response; the API's refusals are expected there.
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        session.errors.append(f"console: {msg.text}")


def open_page(browser: Any, url: str, token: str, *,
              viewport: tuple[int, int] = (1100, 900),
              ap_requests: dict[str, Any] | None = None) -> PageSession:
    """A fresh browser context on ``url`` whose ``AP.context.getToken`` gives ``token``
    and whose ``AP.request`` answers ``ap_requests`` (URL -> JSON body)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(10_000)
    page = context.new_page()
    session = PageSession(page, context)

    def anything_else(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            session.blocked.append(route.request.url)
            route.abort()

    # Routes registered later take precedence: the catch-all first.
    context.route("**/*", anything_else)
    script = FAKE_ALL_JS.replace("__TOKEN__", json.dumps(token)).replace(
        "__REQUESTS__", json.dumps(ap_requests or {}))
    context.route(ALL_JS + "*", lambda route: route.fulfill(
        status=200, body=script, content_type="application/javascript"))

    def on_dialog(dialog: Any) -> None:
        session.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: session.requested.append(request.url))
    page.on("pageerror", lambda exc: session.errors.append(f"pageerror: {exc} {exc.stack}"))
    page.on("console", lambda msg: _console(session, msg))
    page.goto(url, wait_until="load")
    return session
