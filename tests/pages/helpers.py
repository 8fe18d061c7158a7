"""Users, issues and page helpers shared by the browser tests."""

from __future__ import annotations

from typing import Any

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
