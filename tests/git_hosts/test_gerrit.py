"""Gerrit contract: REST under /a/ as its documentation shows it, every JSON answer
behind the )]}' guard, plain-text errors."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository
from tests.git_hosts.support import q1

ROOT = "https://review.example.com"
API = f"{ROOT}/a"


def gerrit(**kwargs: Any) -> Any:
    options: dict[str, Any] = {"base_url": ROOT, "auth_type": "basic",
                               "credentials": {"username": "jdoe", "password": "httppw"}}
    options.update(kwargs)
    return provider_for("gerrit")(**options)


def guarded(rsps: responses.RequestsMock, method: str, url: str, body: Any,
            status: int = 200, **kw: Any) -> None:
    rsps.add(method, url, body=")]}'\n" + json.dumps(body), status=status,
             content_type="application/json; charset=UTF-8", **kw)


REPO = HostRepository(name="platform/app", clone_https=f"{API}/platform/app", clone_ssh=None,
                      web_url=f"{ROOT}/admin/repos/platform%2Fapp", default_branch=None,
                      host_id="platform/app")


def test_account_over_basic_auth_behind_the_xssi_guard(rsps: responses.RequestsMock) -> None:
    guarded(rsps, "GET", f"{API}/accounts/self", {
        "_account_id": 1000096, "name": "John Doe", "email": "john.doe@example.com",
        "username": "jdoe"})
    account = gerrit().check_credentials()
    assert (account.login, account.name, account.id) == ("jdoe", "John Doe", "1000096")
    sent = rsps.calls[0].request.headers["Authorization"]
    assert base64.b64decode(sent.split()[1]).decode() == "jdoe:httppw"


def test_a_refused_http_password_says_which_password(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/accounts/self", status=401, body="Unauthorized",
             content_type="text/plain")
    with pytest.raises(errors.WrongToken, match="HTTP password"):
        gerrit().check_credentials()


def test_projects_skip_meta_projects_and_page_with_n_and_s(rsps: responses.RequestsMock,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    provider = gerrit()
    monkeypatch.setattr(provider, "page_size", 2)
    guarded(rsps, "GET", f"{API}/projects/", {
        "All-Projects": {"id": "All-Projects", "state": "ACTIVE"},
        "All-Users": {"id": "All-Users", "state": "ACTIVE"}},
        match=[responses.matchers.query_param_matcher({"n": "2", "S": "0"})])
    guarded(rsps, "GET", f"{API}/projects/", {
        "platform/app": {"id": "platform%2Fapp", "state": "ACTIVE"},
        "tools": {"id": "tools", "state": "ACTIVE"}},
        match=[responses.matchers.query_param_matcher({"n": "2", "S": "2"})])
    guarded(rsps, "GET", f"{API}/projects/", {},
            match=[responses.matchers.query_param_matcher({"n": "2", "S": "4"})])
    repos = list(provider.list_repositories())
    assert [r.name for r in repos] == ["platform/app", "tools"]
    assert repos[0].clone_https == f"{ROOT}/a/platform/app"


def test_jmespath_sees_the_project_name(rsps: responses.RequestsMock) -> None:
    guarded(rsps, "GET", f"{API}/projects/", {"platform/app": {"id": "a"}, "tools": {"id": "t"}})
    guarded(rsps, "GET", f"{API}/projects/", {})
    names = [r.name for r in gerrit(jmespath_filter="[?starts_with(name, 'platform/')]")
             .list_repositories()]
    assert names == ["platform/app"]


def change(number: int, status: str, updated: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"platform%2Fapp~main~I{number}", "project": "platform/app",
            "branch": "main", "topic": f"ABC-{number}-work", "change_id": f"I{number}",
            "subject": "Use an explicit charset", "status": status, "updated": updated,
            "_number": number, "owner": {"_account_id": 1, "name": "John Doe"},
            "labels": {"Code-Review": {"all": [
                {"value": 2, "_account_id": 2, "name": "Jane Roe"},
                {"value": 1, "_account_id": 3, "name": "Max Mustermann"}],
                "values": {"-2": "", "-1": "", " 0": "", "+1": "", "+2": ""}}},
            "current_revision": "c" * 40,
            "revisions": {"c" * 40: {"commit": {"message": "Use an explicit charset\n\nABC-9\n"}}},
            **extra}


def test_changes_are_pull_requests_newest_first_until_older(rsps: responses.RequestsMock
                                                            ) -> None:
    from datetime import UTC, datetime

    guarded(rsps, "GET", f"{API}/changes/", [
        change(3, "NEW", "2026-01-03 10:00:00.000000000", work_in_progress=True),
        change(2, "MERGED", "2026-01-02 10:00:00.000000000"),
        change(1, "ABANDONED", "2025-12-01 10:00:00.000000000", _more_changes=True)])
    since = datetime(2026, 1, 1, tzinfo=UTC)
    prs = list(gerrit().pull_requests(REPO, since))
    assert [(p.number, p.state) for p in prs] == [("3", "draft"), ("2", "merged")]
    assert prs[0].reviewers_json() == [{"name": "Jane Roe", "approved": True},
                                       {"name": "Max Mustermann", "approved": False}]
    assert (prs[0].source_branch, prs[0].target_branch) == ("ABC-3-work", "main")
    assert prs[0].description and "ABC-9" in prs[0].description
    assert prs[0].url == f"{ROOT}/c/platform/app/+/3"
    query = rsps.calls[0].request.url or ""
    assert "q=project%3Aplatform%2Fapp+after%3A%222026-01-01+00%3A00%3A00+%2B0000%22" in query
    assert "o=DETAILED_LABELS" in query and "o=CURRENT_COMMIT" in query


def test_create_branch_and_its_refusals(rsps: responses.RequestsMock) -> None:
    url = f"{API}/projects/platform%2Fapp/branches/ABC-1-x"
    guarded(rsps, "PUT", url, {"ref": "refs/heads/ABC-1-x", "revision": "d" * 40,
                               "can_delete": True}, status=201)
    rsps.put(url, status=409, body='branch "refs/heads/ABC-1-x" already exists',
             content_type="text/plain")
    rsps.put(url, status=400, body='invalid revision "nope"', content_type="text/plain")
    branch = gerrit().create_branch(REPO, "ABC-1-x", "main")
    assert (branch.name, branch.sha) == ("ABC-1-x", "d" * 40)
    assert json.loads(rsps.calls[0].request.body) == {"revision": "main"}
    with pytest.raises(errors.BranchExists):
        gerrit().create_branch(REPO, "ABC-1-x", "main")
    with pytest.raises(errors.SourceBranchUnknown):
        gerrit().create_branch(REPO, "ABC-1-x", "nope")


def test_no_pull_requests_on_gerrit_push_for_review_instead() -> None:
    with pytest.raises(errors.UnsupportedOperation, match="refs/for/main"):
        gerrit().create_pull_request(REPO, source="x", target="main", title="t",
                                     description="")


def test_webhooks_plugin_remote_carries_the_secret(rsps: responses.RequestsMock) -> None:
    remotes = f"{API}/config/server/webhooks~projects/platform%2Fapp/remotes"
    guarded(rsps, "GET", f"{remotes}/", {"gitbridge": {
        "url": "https://gitbridge.example.com/webhooks/3?secret=old"}})
    rsps.delete(f"{remotes}/gitbridge", status=204)
    guarded(rsps, "PUT", f"{remotes}/gitbridge", {}, status=201)
    hook = gerrit().create_webhook(REPO, "https://gitbridge.example.com/webhooks/3", "s&3")
    assert hook == "gitbridge"
    sent = json.loads(rsps.calls[2].request.body)
    assert sent["url"] == "https://gitbridge.example.com/webhooks/3?secret=s%263"
    assert sent["maxTries"] == 3 and "ref-updated" in sent["events"]


def test_without_the_plugin_webhooks_are_refused_clearly(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/config/server/webhooks~projects/platform%2Fapp/remotes/", status=404,
             body="Not Found", content_type="text/plain")
    with pytest.raises(errors.NoWriteAccess, match="webhooks plugin"):
        gerrit().create_webhook(REPO, "https://gitbridge.example.com/webhooks/3", "s")
    assert q1(rsps.calls[0]) == {}
