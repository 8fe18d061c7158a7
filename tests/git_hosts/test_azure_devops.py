"""Azure DevOps Services and Server / TFS contract: REST payloads as the 7.1 reference
shows them (profile, accounts, projects with continuation tokens, repositories, pull
requests, refs, diffs, service-hook subscriptions)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository
from tests.git_hosts.support import path, q1

PAT = "52vbzv3dxjmqaxwhdkoh5vcnqmeyxgtzqr6ldnznk4kcd7qyf3xq"
VSSPS = "https://app.vssps.visualstudio.com"
ORG = "https://dev.azure.com/fabrikam"
REPO_ID = "5febef5a-833d-4e14-b9c0-14cb638f91e6"


def azure(**kwargs: Any) -> Any:
    options: dict[str, Any] = {"base_url": None, "credentials": {"token": PAT},
                               "auth_type": "pat"}
    options.update(kwargs)
    return provider_for("azure_devops")(**options)


def tf_error(message: str, key: str) -> dict[str, Any]:
    return {"$id": "1", "innerException": None, "message": message,
            "typeName": f"Microsoft.TeamFoundation.{key}, Microsoft.TeamFoundation",
            "typeKey": key, "errorCode": 0, "eventId": 3000}


def ado_repo(name: str, project: str = "Fabrikam-Fiber-Git", **extra: Any) -> dict[str, Any]:
    return {
        "id": REPO_ID, "name": name, "url": f"{ORG}/_apis/git/repositories/{REPO_ID}",
        "project": {"id": "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c", "name": project,
                    "url": f"{ORG}/_apis/projects/6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c",
                    "state": "wellFormed"},
        "defaultBranch": "refs/heads/main",
        "remoteUrl": f"https://fabrikam@dev.azure.com/fabrikam/{project}/_git/{name}",
        "sshUrl": f"git@ssh.dev.azure.com:v3/fabrikam/{project}/{name}",
        "webUrl": f"{ORG}/{project}/_git/{name}", "isDisabled": False, **extra}


def profile(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{VSSPS}/_apis/profile/profiles/me", json={
        "displayName": "Jamal Hartnett", "publicAlias": "8c8c7d32-6b1b-47f4-b2e9-30b477b5ab3d",
        "emailAddress": "fabrikamfiber4@hotmail.com", "coreRevision": 1647,
        "timeStamp": "2017-12-07T12:23:52.5566667+00:00",
        "id": "8c8c7d32-6b1b-47f4-b2e9-30b477b5ab3d", "revision": 1647})


REPO = HostRepository(name="fabrikam/Fabrikam-Fiber-Git/app",
                      clone_https="https://dev.azure.com/fabrikam/Fabrikam-Fiber-Git/_git/app",
                      clone_ssh=None, web_url=f"{ORG}/Fabrikam-Fiber-Git/_git/app",
                      default_branch="main", host_id=REPO_ID)
REPO_API = f"{ORG}/Fabrikam-Fiber-Git/_apis/git/repositories/{REPO_ID}"


def test_pat_is_basic_without_a_user_and_the_profile_names_the_account(
        rsps: responses.RequestsMock) -> None:
    profile(rsps)
    account = azure().check_credentials()
    assert (account.login, account.name) == ("fabrikamfiber4@hotmail.com", "Jamal Hartnett")
    sent = rsps.calls[0].request.headers["Authorization"]
    assert base64.b64decode(sent.split()[1]).decode() == f":{PAT}"
    assert q1(rsps.calls[0])["api-version"] == "7.1"


def test_a_token_for_one_organization_is_refused_with_the_fix(
        rsps: responses.RequestsMock) -> None:
    rsps.get(f"{VSSPS}/_apis/profile/profiles/me", status=401, body="")
    with pytest.raises(errors.WrongToken, match="All accessible organizations"):
        azure().check_credentials()


def test_the_sign_in_page_is_a_refusal(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{VSSPS}/_apis/profile/profiles/me", status=203,
             body="<html><title>Azure DevOps Services | Sign In</title></html>",
             content_type="text/html")
    with pytest.raises(errors.WrongToken, match="sign-in page"):
        azure().check_credentials()


def test_listing_walks_organizations_projects_pages_and_notes_tfvc(
        rsps: responses.RequestsMock) -> None:
    profile(rsps)
    rsps.get(f"{VSSPS}/_apis/accounts", json={"count": 1, "value": [
        {"accountId": "1", "accountUri": "https://vssps.dev.azure.com/fabrikam/",
         "accountName": "fabrikam", "properties": {}}]})
    rsps.get(f"{ORG}/_apis/projects", json={"count": 1, "value": [
        {"id": "p1", "name": "Fabrikam-Fiber-Git", "state": "wellFormed"}]},
        headers={"x-ms-continuationtoken": "p1"},
        match=[responses.matchers.query_param_matcher({"$top": "100", "api-version": "7.1"})])
    rsps.get(f"{ORG}/_apis/projects", json={"count": 1, "value": [
        {"id": "p2", "name": "Old TFVC", "state": "wellFormed"}]},
        match=[responses.matchers.query_param_matcher(
            {"$top": "100", "api-version": "7.1", "continuationToken": "p1"})])
    rsps.get(f"{ORG}/Fabrikam-Fiber-Git/_apis/git/repositories", json={"count": 2, "value": [
        ado_repo("app"), ado_repo("archived", isDisabled=True)]})
    rsps.get(f"{ORG}/Old%20TFVC/_apis/git/repositories", json={"count": 0, "value": []})
    rsps.get(f"{ORG}/_apis/projects/p2", json={
        "id": "p2", "name": "Old TFVC", "capabilities": {
            "versioncontrol": {"sourceControlType": "Tfvc"}}})
    provider = azure()
    (repo,) = provider.list_repositories()
    assert repo == HostRepository(
        name="fabrikam/Fabrikam-Fiber-Git/app",
        clone_https="https://dev.azure.com/fabrikam/Fabrikam-Fiber-Git/_git/app",
        clone_ssh="git@ssh.dev.azure.com:v3/fabrikam/Fabrikam-Fiber-Git/app",
        web_url=f"{ORG}/Fabrikam-Fiber-Git/_git/app", default_branch="main", host_id=REPO_ID)
    assert provider.warnings == [
        "Project fabrikam/Old TFVC uses TFVC (Team Foundation Version Control); only git "
        "repositories are indexed, so it is skipped."]


def test_jmespath_runs_over_azures_own_repository_objects(rsps: responses.RequestsMock) -> None:
    profile(rsps)
    rsps.get(f"{VSSPS}/_apis/accounts", json={"count": 1, "value": [{"accountName": "fabrikam"}]})
    rsps.get(f"{ORG}/_apis/projects", json={"value": [{"id": "p1", "name": "Fabrikam-Fiber-Git"}]})
    rsps.get(f"{ORG}/Fabrikam-Fiber-Git/_apis/git/repositories", json={"value": [
        ado_repo("app"), ado_repo("tools")]})
    names = [r.name for r in azure(jmespath_filter="[?name=='tools']").list_repositories()]
    assert names == ["fabrikam/Fabrikam-Fiber-Git/tools"]


def test_no_custom_api_path_on_azure() -> None:
    with pytest.raises(errors.InvalidSetting, match="JMESPath"):
        list(azure(custom_api_path="/_apis/git/repositories").list_repositories())


def ado_pr(ident: int, status: str, **extra: Any) -> dict[str, Any]:
    return {"repository": ado_repo("app"), "pullRequestId": ident, "status": status,
            "createdBy": {"displayName": "Normal Paulk",
                          "uniqueName": "fabrikamfiber16@hotmail.com"},
            "creationDate": "2016-11-01T16:30:31.6655471Z",
            "title": f"ABC-{ident} A new feature",
            "description": "Adding a new feature", "sourceRefName": "refs/heads/npaulk/my_work",
            "targetRefName": "refs/heads/main", "mergeStatus": "succeeded", "isDraft": False,
            "reviewers": [{"displayName": "Normal Paulk", "vote": 10},
                          {"displayName": "Jamal Hartnett", "vote": -5}], **extra}


def test_pull_requests_all_states_paged_with_top_and_skip(rsps: responses.RequestsMock,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    provider = azure()
    monkeypatch.setattr(provider, "page_size", 2)
    rsps.get(f"{REPO_API}/pullrequests", json={"value": [
        ado_pr(4, "active", isDraft=True), ado_pr(3, "completed",
                                                  closedDate="2016-11-02T10:00:00Z")]},
        match=[responses.matchers.query_param_matcher(
            {"searchCriteria.status": "all", "$top": "2", "$skip": "0", "api-version": "7.1"})])
    rsps.get(f"{REPO_API}/pullrequests", json={"value": [ado_pr(2, "abandoned")]},
             match=[responses.matchers.query_param_matcher(
                 {"searchCriteria.status": "all", "$top": "2", "$skip": "2",
                  "api-version": "7.1"})])
    rsps.get(f"{REPO_API}/pullrequests", json={"value": []},
             match=[responses.matchers.query_param_matcher(
                 {"searchCriteria.status": "all", "$top": "2", "$skip": "3",
                  "api-version": "7.1"})])
    prs = list(provider.pull_requests(REPO, None))
    assert [(p.number, p.state) for p in prs] == [("4", "draft"), ("3", "merged"),
                                                  ("2", "declined")]
    assert prs[0].reviewers_json() == [{"name": "Normal Paulk", "approved": True},
                                       {"name": "Jamal Hartnett", "approved": False}]
    assert (prs[0].source_branch, prs[0].target_branch) == ("npaulk/my_work", "main")
    assert prs[0].url == f"{ORG}/Fabrikam-Fiber-Git/_git/app/pullrequest/4"


def refs(rsps: responses.RequestsMock, branch: str, sha: str | None) -> None:
    value = [{"name": f"refs/heads/{branch}", "objectId": sha}] if sha else []
    rsps.get(f"{REPO_API}/refs", json={"count": len(value), "value": value},
             match=[responses.matchers.query_param_matcher(
                 {"filter": f"heads/{branch}", "api-version": "7.1"})])


def test_create_branch_is_a_ref_update_from_zero(rsps: responses.RequestsMock) -> None:
    sha = "ffe9cba521f00d7f60e322845072238635edb451"
    refs(rsps, "main", sha)
    rsps.post(f"{REPO_API}/refs", json={"value": [{
        "name": "refs/heads/ABC-1-x", "oldObjectId": "0" * 40, "newObjectId": sha,
        "success": True, "updateStatus": "succeeded", "isLocked": False}], "count": 1})
    branch = azure().create_branch(REPO, "ABC-1-x", "main")
    assert json.loads(rsps.calls[1].request.body) == [
        {"name": "refs/heads/ABC-1-x", "oldObjectId": "0" * 40, "newObjectId": sha}]
    assert (branch.name, branch.sha) == ("ABC-1-x", sha)


@pytest.mark.parametrize(("status", "error"), [
    ("staleOldObjectId", errors.BranchExists), ("invalidRefName", errors.InvalidBranchName),
    ("createBranchPermissionRequired", errors.NoWriteAccess)])
def test_refused_ref_updates_answer_200_and_say_why(rsps: responses.RequestsMock, status: str,
                                                    error: type[Exception]) -> None:
    refs(rsps, "main", "ffe9cba521f00d7f60e322845072238635edb451")
    rsps.post(f"{REPO_API}/refs", json={"value": [{"name": "refs/heads/x", "success": False,
                                                   "updateStatus": status}]})
    with pytest.raises(error):
        azure().create_branch(REPO, "x", "main")


def test_unknown_source_branch(rsps: responses.RequestsMock) -> None:
    refs(rsps, "nope", None)
    with pytest.raises(errors.SourceBranchUnknown):
        azure().create_branch(REPO, "x", "nope")


def test_create_pull_request_checks_there_is_something_to_merge(
        rsps: responses.RequestsMock) -> None:
    refs(rsps, "feature", "a" * 40)
    refs(rsps, "main", "b" * 40)
    rsps.get(f"{REPO_API}/diffs/commits", json={"aheadCount": 0, "behindCount": 3})
    with pytest.raises(errors.NothingToMerge):
        azure().create_pull_request(REPO, source="feature", target="main", title="t",
                                    description="")
    assert q1(rsps.calls[2])["baseVersion"] == "main"


def test_create_pull_request_and_a_duplicate(rsps: responses.RequestsMock) -> None:
    for _ in range(2):
        refs(rsps, "feature", "a" * 40)
        refs(rsps, "main", "b" * 40)
        rsps.get(f"{REPO_API}/diffs/commits", json={"aheadCount": 2, "behindCount": 0})
    rsps.post(f"{REPO_API}/pullrequests", status=201, json=ado_pr(22, "active"))
    rsps.post(f"{REPO_API}/pullrequests", status=409, json=tf_error(
        "TF401179: An active pull request for the source and target branch already exists.",
        "GitPullRequestExistsException"))
    pr = azure().create_pull_request(REPO, source="feature", target="main", title="ABC-1 t",
                                     description="x" * 5000)
    assert pr.number == "22" and pr.state == "open"
    sent = json.loads(rsps.calls[3].request.body)
    assert sent["sourceRefName"] == "refs/heads/feature" and len(sent["description"]) == 4000
    with pytest.raises(errors.PullRequestExists):
        azure().create_pull_request(REPO, source="feature", target="main", title="t",
                                    description="")


def test_service_hooks_one_subscription_per_event_with_basic_auth(
        rsps: responses.RequestsMock) -> None:
    hooks = f"{ORG}/_apis/hooks/subscriptions"
    rsps.get(hooks, json={"count": 1, "value": [{
        "id": "old-1", "consumerId": "webHooks", "publisherInputs": {"repository": REPO_ID},
        "consumerInputs": {"url": "https://gitbridge.example.com/webhooks/7"}}]})
    rsps.delete(f"{hooks}/old-1", status=204)
    rsps.get(REPO_API, json=ado_repo("app"))
    for n in range(4):
        rsps.post(hooks, json={"id": f"sub-{n}", "consumerId": "webHooks"})
    ident = azure().create_webhook(REPO, "https://gitbridge.example.com/webhooks/7", "s3cret")
    assert ident == "sub-0,sub-1,sub-2,sub-3"
    posted = [json.loads(c.request.body) for c in rsps.calls if c.request.method == "POST"]
    assert [p["eventType"] for p in posted] == [
        "git.push", "git.pullrequest.created", "git.pullrequest.updated",
        "git.pullrequest.merged"]
    assert posted[0]["consumerInputs"]["basicAuthPassword"] == "s3cret"
    assert posted[0]["publisherInputs"] == {"projectId": "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c",
                                            "repository": REPO_ID}
    rsps.delete(f"{hooks}/sub-0", status=204)
    rsps.delete(f"{hooks}/sub-1", status=404, json=tf_error("gone", "NotFound"))
    rsps.delete(f"{hooks}/sub-2", status=204)
    rsps.delete(f"{hooks}/sub-3", status=204)
    azure().delete_webhook(REPO, ident)
    assert [path(c) for c in rsps.calls[-4:]] == [
        f"/fabrikam/_apis/hooks/subscriptions/sub-{n}" for n in range(4)]


# --- Azure DevOps Server / TFS ------------------------------------------------------------

TFS = "https://tfs.example.com/tfs"


def server(**kwargs: Any) -> Any:
    options: dict[str, Any] = {"base_url": TFS, "credentials": {"token": PAT},
                               "auth_type": "pat"}
    options.update(kwargs)
    return provider_for("azure_devops_server")(**options)


def connection(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{TFS}/_apis/connectionData", json={"authenticatedUser": {
        "id": "a1", "descriptor": "System.Security.Principal.WindowsIdentity;S-1-5-21",
        "providerDisplayName": "Jamal Hartnett",
        "properties": {"Account": {"$type": "System.String", "$value": "FABRIKAM\\jamal"}}}})


def test_server_collections_and_the_collection_setting(rsps: responses.RequestsMock) -> None:
    connection(rsps)
    rsps.get(f"{TFS}/_apis/projectcollections", json={"count": 2, "value": [
        {"id": "c1", "name": "DefaultCollection"}, {"id": "c2", "name": "Other"}]})
    rsps.get(f"{TFS}/DefaultCollection/_apis/projects", json={"value": [
        {"id": "p1", "name": "Fabrikam"}]})
    rsps.get(f"{TFS}/DefaultCollection/Fabrikam/_apis/git/repositories", json={"value": [{
        **ado_repo("app", "Fabrikam"),
        "url": f"{TFS}/DefaultCollection/_apis/git/repositories/{REPO_ID}",
        "remoteUrl": f"{TFS}/DefaultCollection/Fabrikam/_git/app",
        "webUrl": f"{TFS}/DefaultCollection/Fabrikam/_git/app"}]})
    provider = server(settings={"collection": "DefaultCollection"})
    assert provider.check_credentials().login == "FABRIKAM\\jamal"
    assert [r.name for r in provider.list_repositories()] == ["DefaultCollection/Fabrikam/app"]
    assert q1(rsps.calls[1])["api-version"] == "5.0"


def test_tfs_2015_steps_down_its_version_and_refuses_pats(rsps: responses.RequestsMock) -> None:
    connection(rsps)
    rsps.get(f"{TFS}/_apis/projectcollections", status=400, json=tf_error(
        "The requested REST API version of 5.0 is out of range for this server. The latest "
        "REST API version this server supports is 2.3.", "VssVersionOutOfRangeException"))
    rsps.get(f"{TFS}/_apis/projectcollections", json={"value": [{"name": "DefaultCollection"}]})
    with pytest.raises(errors.WrongToken, match="no personal access tokens"):
        server().check_credentials()
    assert q1(rsps.calls[-1])["api-version"] == "2.3"


def test_an_anonymous_answer_is_wrong_credentials(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{TFS}/_apis/connectionData", json={"authenticatedUser": {
        "id": "aa442a68", "descriptor": "System:PublicAccess;aa442a68"}})
    with pytest.raises(errors.WrongToken, match="anonymously"):
        server(auth_type="basic", credentials={"username": "u", "password": "p"}
               ).check_credentials()
