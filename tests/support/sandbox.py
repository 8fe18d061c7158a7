"""Chromium on the sandbox's pages: the host page with the app's pages framed in it.

Everything the browser asks for must stay on 127.0.0.1 (Atlassian's all.js is not even
requested: framed by the sandbox, pages load the sandbox's AP). Script errors in the host
page or any frame fail the test, so do dialogs; failed loads are recorded (the API's
refusals are answers, not errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.browser import SCREENSHOT_DIR

#: Chromium's warning for Jira-style iframe sandboxes (allow-scripts + allow-same-origin).
IGNORED = ("Failed to load resource", "can escape its sandboxing")


@dataclass
class SandboxPage:
    page: Any
    context: Any
    base: str
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Any, base: str, path: str, user: str,
             viewport: tuple[int, int], platform: str = "connect") -> SandboxPage:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      locale="en-GB", timezone_id="UTC")
        context.set_default_timeout(15_000)
        page = context.new_page()
        session = cls(page, context, base)

        def route(r: Any) -> None:
            if urlsplit(r.request.url).hostname == "127.0.0.1":
                r.continue_()
            else:
                session.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: session.errors.append(f"console: {m.text}")
                if m.type == "error" and not m.text.startswith(IGNORED) else None)
        page.on("pageerror", lambda e: session.errors.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (session.dialogs.append(d.message), d.dismiss()))
        session.login(user)
        if platform != "connect":
            session.use_platform(platform)
        session.goto(path)
        return session

    def login(self, user: str) -> None:
        """Sign in as a sandbox user (the sandbox's session cookie, as the select does)."""
        response = self.context.request.post(f"{self.base}/dev/user", form={"user": user},
                                             max_redirects=0)
        assert response.status == 303, response.text()

    def use_platform(self, platform: str) -> None:
        """The chrome's Connect / Forge toggle (the sandbox's session cookie)."""
        response = self.context.request.post(f"{self.base}/dev/platform",
                                             form={"platform": platform}, max_redirects=0)
        assert response.status == 303, response.text()

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")

    def frame(self, module: str) -> Any:
        return self.page.frame_locator(f"iframe[data-module='{module}']")

    def framed(self, url_part: str) -> Any:
        """The document framed from a URL containing ``url_part``, to run script in (a
        locator of :meth:`frame` cannot)."""
        return next(f for f in self.page.frames if url_part in f.url)

    def screenshot(self, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"sandbox-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def clean(self) -> None:
        assert self.errors == []
        assert self.blocked == []
        assert self.dialogs == []

    def close(self) -> None:
        self.context.close()
