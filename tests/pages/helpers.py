"""Users, issues and page helpers shared by the browser tests."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.support.browser import LiveServer, PageSession, open_page
from tests.support.connect import ConnectActions

#: issue key -> (issue id, summary); all in project ABC
ISSUES = {"ABC-1": (10001, "Login page"), "ABC-2": (10002, "Second"),
          "ABC-3": (10003, "Login form"), "ABC-5": (10005, "Untrusted text"),
          "ABC-7": (10007, "Many commits"), "ABC-9": (10009, "Nothing yet")}
ADMIN, DEV, BROWSE_ONLY = "admin-1", "dev-1", "browse-only"


def page(browser: Any, connect: ConnectActions, site: tuple[str, str], live: LiveServer,
         path: str, sub: str, **kw: Any) -> PageSession:
    """``path`` opened as Jira would frame it for ``sub`` (a page token in the URL, context
    tokens from ``AP.context.getToken``). ``AP.request`` answers Jira REST paths with the
    summaries of ``ISSUES``."""
    token = connect.page_token(*site, path, sub=sub)
    context_token = connect.context_token(*site, sub=sub)
    sep = "&" if "?" in path else "?"
    kw.setdefault("ap_requests", {
        f"/rest/api/3/issue/{key}?fields=summary": {"key": key, "fields": {"summary": summary}}
        for key, (_, summary) in ISSUES.items()
    })
    return open_page(browser, f"{live.url}{path}{sep}jwt={token}", context_token, **kw)


def clean(session: PageSession) -> None:
    """Nothing alerted, no script failed, nothing left the machine but the CDN stand-ins."""
    assert session.dialogs == []
    assert session.errors == []
    assert session.blocked == []


def api(connect: ConnectActions, site: tuple[str, str], method: str, path: str,
        sub: str = ADMIN, **kw: Any) -> Any:
    return connect.api(method, path, *site, sub=sub, **kw).get_json()


def open_wizard(session: PageSession) -> None:
    """With nothing connected yet the page opens the wizard by itself."""
    p = session.page
    expect(p.locator("#gb-integrations .gb-empty")).to_be_visible()
    expect(p.locator("#gb-add-section")).to_be_visible()
    expect(p.locator("#gb-add-toggle")).to_have_attribute("aria-expanded", "true")


def tick(scope: Any, label: str, checked: bool = True) -> None:
    """Set a checkbox or radio the way a user does: by clicking its label (AUI hides the
    input itself and draws its own glyph)."""
    box = scope.get_by_label(label)
    if box.is_checked() != checked:
        scope.locator("label", has_text=label).click()
    expect(box).to_be_checked(checked=checked)


def posted(session: PageSession, path: str, action: Any) -> Any:
    """Run ``action`` and return the JSON body the page sent to ``path`` (our API)."""
    with session.page.expect_request(
            lambda r: r.method in ("POST", "PUT", "PATCH") and r.url.split("?")[0]
            .endswith(path)) as request:
        action()
    return request.value.post_data_json
