"""Jira fills ``{jwt}`` in a templated link (the Development panel's Create branch) with
a context token: the link's target takes it, and no other page does."""

from __future__ import annotations

import time

from flask.testing import FlaskClient

from tests.support.connect import ConnectActions

LINK = "/pages/create-branch?issueKey=ABC-1&issueSummary=Log%20in"


def test_create_branch_takes_the_context_token_jira_puts_in_its_link(
        connect: ConnectActions, client: FlaskClient) -> None:
    key, secret = connect.installed()
    token = connect.context_token(key, secret, sub="user-1")
    answer = client.get(f"{LINK}&jwt={token}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    html = answer.get_data(as_text=True)
    # Opened in a tab of its own, the page calls the API with that token.
    assert f'data-context-token="{token}"' in html and "Log in" in html
    framed = connect.page(LINK, key, secret)  # as a framed page: its own qsh, no token handed
    assert framed.status_code == 200 and "data-context-token" not in framed.get_data(
        as_text=True)


def test_no_other_page_takes_a_context_token(connect: ConnectActions,
                                            client: FlaskClient) -> None:
    key, secret = connect.installed()
    token = connect.context_token(key, secret, sub="user-1")
    for page in ("/pages/issue-commits?issueKey=ABC-1", "/pages/issue-development?issueKey=ABC-1",
                 "/pages/repository-browser?x=1", "/pages/manage-repositories?x=1"):
        assert client.get(f"{page}&jwt={token}").status_code == 401, page


def test_forged_or_stale_link_tokens_are_refused(connect: ConnectActions,
                                                 client: FlaskClient) -> None:
    key, secret = connect.installed()
    for token in (connect.context_token(key, "not-the-secret" * 4, sub="user-1"),
                  connect.context_token(key, secret, sub="user-1", iat=int(time.time()) - 4000),
                  connect.symmetric_token(key, secret, qsh="0" * 64, sub="user-1"),
                  "not-a-jwt"):
        answer = client.get(f"{LINK}&jwt={token}")
        assert answer.status_code == 401
        assert "data-context-token" not in answer.get_data(as_text=True)
