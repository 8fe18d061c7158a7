"""Outgoing calls to Jira, checked by the in-test Jira exactly as Jira checks them."""

from __future__ import annotations

import time

import pytest
import requests
from flask import Flask

from app.http import ApiError, ApiHostError, ApiNotFound, ApiRateLimited, ApiUnauthorized
from app.jira import permissions
from app.jira.client import JiraClient
from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import FakeAtlassian


@pytest.fixture
def jira(connect: ConnectActions) -> JiraClient:
    secret = "jira-site-secret-" + "k" * 40
    connect.fake.site("site-a").shared_secret = secret
    return JiraClient(connect.fake.site_url("site-a"), secret, "gitbridge-for-jira")


def test_signed_calls_pass_jiras_checks(jira: JiraClient, fake_atlassian: FakeAtlassian) -> None:
    fake_atlassian.site("site-a").projects = [
        {"id": str(i), "key": f"P{i}", "name": f"Project {i}"} for i in range(120)
    ]
    projects = list(jira.projects())
    assert [p["key"] for p in projects] == [f"P{i}" for i in range(120)]
    calls = fake_atlassian.calls
    assert len(calls) == 3  # 50 + 50 + 20, each with its own qsh
    for call in calls:
        claims = call["verified"]
        assert isinstance(claims, dict), claims
        assert claims["iss"] == "gitbridge-for-jira"
        assert claims["exp"] - claims["iat"] == 180
        assert abs(claims["iat"] - time.time()) < 5


def test_jira_fake_rejects_a_wrong_signature(
    fake_atlassian: FakeAtlassian, connect: ConnectActions
) -> None:
    fake_atlassian.site("site-a").shared_secret = "the-real-secret-" + "r" * 40
    wrong = JiraClient(connect.fake.site_url("site-a"), "w" * 56, "gitbridge-for-jira")
    with pytest.raises(ApiUnauthorized):
        list(wrong.projects())


def test_jira_fake_rejects_a_wrong_qsh(jira: JiraClient, fake_atlassian: FakeAtlassian) -> None:
    """Proof the fake checks qsh: a token signed for one URL, sent with another."""
    fake_atlassian.site("site-a").issues["ABC-1"] = {"id": "1", "key": "ABC-1"}
    url = jira.build_url("/rest/api/3/issue/ABC-1")
    good = requests.get(url, headers={"Authorization": "JWT " + jira.sign("GET", url)}, timeout=5)
    assert good.status_code == 200
    token = jira.sign("GET", url + "?fields=summary")
    assert (
        requests.get(url, headers={"Authorization": "JWT " + token}, timeout=5).status_code == 401
    )


def test_retries_429_and_503_honouring_retry_after(
    jira: JiraClient, fake_atlassian: FakeAtlassian
) -> None:
    fake_atlassian.site("site-a").issues["ABC-1"] = {"id": "10001", "key": "ABC-1"}
    fake_atlassian.scripted = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "0"})]
    started = time.monotonic()
    assert jira.issue("ABC-1")["key"] == "ABC-1"
    assert time.monotonic() - started >= 1.0
    assert len(fake_atlassian.calls) == 3


def test_long_retry_after_raises_for_rescheduling(
    jira: JiraClient, fake_atlassian: FakeAtlassian
) -> None:
    fake_atlassian.scripted = [(429, {"Retry-After": "3600"})]
    with pytest.raises(ApiRateLimited) as info:
        jira.issue("ABC-1")
    assert info.value.retry_after == 3600


def test_errors_map_to_one_family(jira: JiraClient) -> None:
    with pytest.raises(ApiNotFound) as info:
        jira.issue("NOPE-1")
    assert isinstance(info.value, ApiError) and info.value.status == 404


def test_unreachable_host(connect: ConnectActions) -> None:
    client = JiraClient("http://127.0.0.1:9", "s" * 40, "gitbridge-for-jira")
    with pytest.raises(ApiHostError):
        client.issue("ABC-1")


def test_context_path_is_stripped_from_qsh(fake_atlassian: FakeAtlassian) -> None:
    """Site URLs here have a context path (/jira/site-a); the fake verifies qsh without it."""
    fake_atlassian.site("site-a").shared_secret = "s" * 40
    client = JiraClient(fake_atlassian.site_url("site-a"), "s" * 40, "gitbridge-for-jira")
    fake_atlassian.site("site-a").issues["ABC-1"] = {"id": "1", "key": "ABC-1"}
    assert client.issue("ABC-1")["key"] == "ABC-1"


def test_permission_checks(app: Flask, connect: ConnectActions) -> None:
    from app import tenants

    key, _ = connect.installed()
    tenant = tenants.find(key)
    site = connect.fake.site("site-a")
    site.admins.add("admin-1")
    site.grants[("dev-1", "BROWSE_PROJECTS")] = {10000, 20001}
    site.grants[("dev-1", "VIEW_DEV_TOOLS")] = {10000}
    assert permissions.is_admin(tenant, "admin-1")
    assert not permissions.is_admin(tenant, "dev-1")
    assert not permissions.is_admin(tenant, None)
    assert permissions.can_view_development(tenant, "dev-1", project_id=10000)
    assert not permissions.can_view_development(tenant, "dev-1", project_id=10001)
    assert permissions.can_view_development(tenant, "dev-1", issue_id=10000)
    assert not permissions.can_view_development(tenant, "dev-1", issue_id=20001)  # no dev tools
    assert not permissions.can_view_development(tenant, "admin-1", project_id=10000)
    calls = len(connect.fake.calls)
    assert permissions.can_view_development(tenant, "dev-1", project_id=10000)  # cached
    assert len(connect.fake.calls) == calls


def test_project_list(app: Flask, connect: ConnectActions) -> None:
    from app import tenants

    key, _ = connect.installed()
    connect.fake.site("site-a").projects = [{"id": "1", "key": "ABC", "name": "Alpha", "x": 1}]
    assert permissions.project_list(tenants.find(key)) == [
        {"id": "1", "key": "ABC", "name": "Alpha"}
    ]
