"""AWS CodeCommit contract: answers shaped as the SDK's service model requires (botocore's
Stubber checks every request and response against it), the git password scheme against
the SDK's own SigV4 signer, and AWS refusals explained."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.stub import Stubber

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository
from app.git_hosts.codecommit_aws import git_password, translate

KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CLONE = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo"
REPO = HostRepository(name="MyDemoRepo", clone_https=CLONE, clone_ssh=None,
                      web_url="https://console", default_branch="main", host_id="f7579e13")


def codecommit(**kwargs: Any) -> Any:
    return provider_for("aws_codecommit")(base_url=None, auth_type="aws", credentials={
        "access_key_id": KEY, "secret_access_key": SECRET, "region": "us-east-2"}, **kwargs)


def test_git_password_is_the_sdks_sigv4_of_the_git_request() -> None:
    when = datetime(2026, 5, 2, 10, 30, 0, tzinfo=UTC)
    password = git_password(CLONE, "us-east-2", SECRET, when)
    request = AWSRequest(method="GIT", url=CLONE)
    request.context["timestamp"] = "20260502T103000"
    signer = SigV4Auth(Credentials(KEY, SECRET), "codecommit", "us-east-2")
    canonical = "GIT\n/v1/repos/MyDemoRepo\n\nhost:git-codecommit.us-east-2.amazonaws.com\n\nhost\n"
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert password == f"20260502T103000Z{expected}"
    assert codecommit().git_credentials(CLONE)["username"] == KEY


def test_region_is_checked() -> None:
    with pytest.raises(errors.InvalidSetting, match="region"):
        provider_for("aws_codecommit")(base_url=None, auth_type="aws", credentials={
            "access_key_id": KEY, "secret_access_key": SECRET, "region": "moon"})


def test_listing_pages_names_then_batches_metadata_for_jmespath() -> None:
    provider = codecommit(jmespath_filter="[?defaultBranch=='main']")
    client = provider._aws("codecommit")
    with Stubber(client) as stub:
        stub.add_response("list_repositories", {"repositories": [
            {"repositoryName": "MyDemoRepo", "repositoryId": "f7579e13"}], "nextToken": "t2"},
            {"sortBy": "repositoryName", "order": "ascending"})
        stub.add_response("list_repositories", {"repositories": [
            {"repositoryName": "Other", "repositoryId": "cfc29ac4"}]},
            {"sortBy": "repositoryName", "order": "ascending", "nextToken": "t2"})
        stub.add_response("batch_get_repositories", {"repositories": [
            {"accountId": "123456789012", "repositoryId": "f7579e13",
             "repositoryName": "MyDemoRepo", "defaultBranch": "main", "cloneUrlHttp": CLONE,
             "cloneUrlSsh": "ssh://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
             "Arn": "arn:aws:codecommit:us-east-2:123456789012:MyDemoRepo"},
            {"accountId": "123456789012", "repositoryId": "cfc29ac4",
             "repositoryName": "Other", "defaultBranch": "develop", "cloneUrlHttp": CLONE}],
            "repositoriesNotFound": []}, {"repositoryNames": ["MyDemoRepo", "Other"]})
        (repo,) = provider.list_repositories()
    assert (repo.name, repo.clone_https, repo.default_branch) == ("MyDemoRepo", CLONE, "main")


def test_pull_requests_closed_merged_or_not_with_approvals() -> None:
    provider = codecommit()
    client = provider._aws("codecommit")

    def pull(ident: str, status: str, merged: bool, day: int) -> dict[str, Any]:
        return {"pullRequest": {
            "pullRequestId": ident, "title": f"ABC-{ident} Pronunciation difficulty",
            "description": "A code review", "pullRequestStatus": status,
            "lastActivityDate": datetime(2026, 1, day, tzinfo=UTC),
            "authorArn": "arn:aws:iam::123456789012:user/Li_Juan", "revisionId": f"r{ident}",
            "pullRequestTargets": [{"repositoryName": "MyDemoRepo",
                                    "sourceReference": "refs/heads/jargon-callout",
                                    "destinationReference": "refs/heads/main",
                                    "mergeMetadata": {"isMerged": merged}}]}}

    with Stubber(client) as stub:
        stub.add_response("list_pull_requests", {"pullRequestIds": ["42"]},
                          {"repositoryName": "MyDemoRepo", "pullRequestStatus": "OPEN",
                           "maxResults": 100})
        stub.add_response("get_pull_request", pull("42", "OPEN", False, 3))
        stub.add_response("list_pull_requests", {"pullRequestIds": ["41", "40"]},
                          {"repositoryName": "MyDemoRepo", "pullRequestStatus": "CLOSED",
                           "maxResults": 100})
        stub.add_response("get_pull_request", pull("41", "CLOSED", True, 2))
        stub.add_response("get_pull_request", pull("40", "CLOSED", False, 1))
        stub.add_response("get_pull_request_approval_states", {"approvals": [
            {"userArn": "arn:aws:iam::123456789012:user/Mary_Major", "approvalState": "APPROVE"}]},
            {"pullRequestId": "42", "revisionId": "r42"})
        stub.add_response("get_pull_request_approval_states", {"approvals": []},
                          {"pullRequestId": "41", "revisionId": "r41"})
        prs = list(provider.pull_requests(REPO, datetime(2026, 1, 2, tzinfo=UTC)))
    assert [(p.number, p.state) for p in prs] == [("42", "open"), ("41", "merged")]
    assert prs[0].reviewers_json() == [{"name": "Mary_Major", "approved": True}]
    assert (prs[0].author, prs[0].source_branch) == ("Li_Juan", "jargon-callout")


def test_triggers_keep_other_triggers_and_point_at_the_integrations_topic() -> None:
    provider = codecommit()
    sns, cc = provider._aws("sns"), provider._aws("codecommit")
    url = "https://gitbridge.example.com/webhooks/4"
    topic = f"arn:aws:sns:us-east-2:123456789012:{provider.topic_name(url)}"
    others = {"name": "ci", "destinationArn": "arn:aws:sns:us-east-2:123456789012:ci",
              "customData": "", "branches": [], "events": ["all"]}
    with Stubber(sns) as sns_stub, Stubber(cc) as cc_stub:
        sns_stub.add_response("create_topic", {"TopicArn": topic},
                              {"Name": provider.topic_name(url)})
        sns_stub.add_response("subscribe", {"SubscriptionArn": f"{topic}:1"}, {
            "TopicArn": topic, "Protocol": "https", "ReturnSubscriptionArn": True,
            "Endpoint": f"{url}?secret=s%2F1"})
        cc_stub.add_response("get_repository_triggers", {"configurationId": "c",
                                                         "triggers": [others]},
                             {"repositoryName": "MyDemoRepo"})
        cc_stub.add_response("put_repository_triggers", {"configurationId": "c2"}, {
            "repositoryName": "MyDemoRepo", "triggers": [others, {
                "name": "gitbridge", "destinationArn": topic, "customData": "",
                "branches": [], "events": ["all"]}]})
        assert provider.create_webhook(REPO, url, "s/1") == "gitbridge"


@pytest.mark.parametrize(("code", "message", "error", "said"), [
    ("AccessDeniedException", "User: arn:aws:iam::123456789012:user/x is not authorized to "
     "perform: codecommit:CreateBranch on resource: arn:aws:codecommit:us-east-2:1:r",
     errors.NoWriteAccess, "codecommit:CreateBranch"),
    ("UnrecognizedClientException", "The security token included in the request is invalid.",
     errors.WrongToken, "access key"),
    ("ThrottlingException", "Rate exceeded", errors.RateLimited, ""),
])
def test_aws_refusals(code: str, message: str, error: type[Exception], said: str) -> None:
    from botocore.exceptions import ClientError

    exc = ClientError({"Error": {"Code": code, "Message": message},
                       "ResponseMetadata": {"HTTPStatusCode": 400}}, "CreateBranch")
    translated = translate(exc, write=True)
    assert isinstance(translated, error) and said in translated.message
