"""General settings (admins) and the user's own settings."""

from __future__ import annotations

from tests.support.connect import ConnectActions


def test_branch_template(connect: ConnectActions) -> None:
    key, secret = connect.installed()
    connect.fake.site("site-a").admins.add("admin-1")
    assert connect.api("GET", "/api/v1/settings", key, secret).get_json() == {
        "branch_template": "${issuekey}-${summary}"}
    body = {"branch_template": "feature/${issuekey}-${summary}"}
    assert connect.api("PUT", "/api/v1/settings", key, secret, json=body,
                       sub="dev-1").status_code == 403
    assert connect.api("PUT", "/api/v1/settings", key, secret, json={"branch_template": "x"},
                       sub="admin-1").status_code == 400
    saved = connect.api("PUT", "/api/v1/settings", key, secret, json=body, sub="admin-1")
    assert saved.get_json() == body
    other = connect.installed("client-b", "site-b")
    assert connect.api("GET", "/api/v1/settings", *other).get_json()["branch_template"] == (
        "${issuekey}-${summary}")


def test_my_settings_are_per_user(connect: ConnectActions) -> None:
    key, secret = connect.installed()
    put = connect.api("PUT", "/api/v1/me/settings", key, secret, sub="u1",
                      json={"default_repositories": {"abc": 7}})
    assert put.get_json() == {"default_repositories": {"ABC": 7}}
    assert connect.api("GET", "/api/v1/me/settings", key, secret, sub="u1").get_json() == {
        "default_repositories": {"ABC": 7}}
    assert connect.api("GET", "/api/v1/me/settings", key, secret, sub="u2").get_json() == {
        "default_repositories": {}}
    bad = connect.api("PUT", "/api/v1/me/settings", key, secret, sub="u1",
                      json={"default_repositories": {"ABC": "x"}})
    assert bad.status_code == 400
