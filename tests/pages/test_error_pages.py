"""Error pages say in words what went wrong: the title is ``Gitbridge: <headline>``, never
an internal code; the code is only in small print for support."""

from __future__ import annotations

import re
import time

import pytest

from app.errors import HEADLINES, STATUS_HEADLINES, Problem, headline
from tests.support.connect import ConnectActions

PAGE = "/pages/manage-repositories"


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, html[:500]
    return match.group(1).strip()


def small_print(html: str) -> str:
    match = re.search(r'class="[^"]*gb-error-code[^"]*">(.*?)</p>', html, re.S)
    assert match, html
    return match.group(1)


@pytest.fixture
def site(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    connect.fake.site("site-a").admins.add("admin-1")
    return key, secret


def open_page(connect: ConnectActions, token: str | None) -> tuple[int, str]:
    response = connect.client.get(PAGE + (f"?jwt={token}" if token else ""))
    return response.status_code, response.get_data(as_text=True)


def test_no_token_says_open_it_from_jira(connect: ConnectActions, site: tuple[str, str]) -> None:
    status, html = open_page(connect, None)
    assert status == 401
    assert title_of(html) == "Gitbridge: open this page from Jira"
    assert "Open this page from Jira" in html
    assert small_print(html) == "Error code: token_missing (401)"


def test_an_expired_session(connect: ConnectActions, site: tuple[str, str]) -> None:
    old = int(time.time()) - 3600
    token = connect.page_token(*site, PAGE, sub="admin-1", iat=old, lifetime=60)
    status, html = open_page(connect, token)
    assert status == 401
    assert title_of(html) == "Gitbridge: your session expired"
    assert "Reload" in html and "token_expired" in small_print(html)


def test_not_an_admin(connect: ConnectActions, site: tuple[str, str]) -> None:
    status, html = open_page(connect, connect.page_token(*site, PAGE, sub="developer-1"))
    assert status == 403
    assert title_of(html) == "Gitbridge: only Jira administrators can open this page"


def test_a_forged_token(connect: ConnectActions, site: tuple[str, str]) -> None:
    forged = connect.page_token(site[0], "not-the-secret-of-this-site-but-long-enough", PAGE)
    status, html = open_page(connect, forged)
    assert status == 401
    assert title_of(html) == "Gitbridge: this request could not be verified"


def test_the_oauth_callback_page(connect: ConnectActions) -> None:
    response = connect.client.get("/oauth/nohost/callback?state=x")
    assert response.status_code == 400
    assert title_of(response.get_data(as_text=True)) == "Gitbridge: the git host was not connected"


def test_no_headline_is_a_code() -> None:
    for text in [*HEADLINES.values(), *STATUS_HEADLINES.values(),
                 headline(Problem(502, "made_up_code", "x"))]:
        assert "_" not in text and text == text.strip() and text
