"""Fixtures of the browser tests: one Chromium per session, the app over HTTP, a Jira
site with an admin, a developer and a browse-only user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.pages.helpers import ADMIN, BROWSE_ONLY, DEV, ISSUES
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def site(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    fake = connect.fake.site("site-a")
    fake.admins.add(ADMIN)
    for issue, (ident, summary) in ISSUES.items():
        fake.issues[issue] = {"id": str(ident), "key": issue,
                              "fields": {"summary": summary,
                                         "project": {"id": "1", "key": "ABC"}}}
        for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
            fake.grants.setdefault((DEV, permission), set()).add(ident)
    fake.grants[(BROWSE_ONLY, "BROWSE_PROJECTS")] = {i for i, _ in ISSUES.values()}
    return key, secret
