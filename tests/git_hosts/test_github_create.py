"""GitHub contract, create branch and pull request: what we send, and GitHub's refusals."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.github_shapes import (
    API,
    REPO,
    error,
    gh_pull,
    github,
)
from tests.git_hosts.support import body, header, path

# --- branches ------------------------------------------------------------------------------

REF = f"{API}/repos/octocat/Hello-World/git/ref/heads/main"
REFS = f"{API}/repos/octocat/Hello-World/git/refs"
SHA = "aa218f56b14c9653891f9e74264a383fa43fefbd"


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"type": "commit", "sha": SHA}})
    rsps.post(
        REFS,
        status=201,
        json={"ref": "refs/heads/ABC-1-login", "object": {"type": "commit", "sha": SHA}},
    )
    branch = github().create_branch(REPO, "ABC-1-login", "main")
    assert branch.name == "ABC-1-login" and branch.sha == SHA
    assert branch.url == "https://github.com/octocat/Hello-World/tree/ABC-1-login"
    post = rsps.calls[1]
    assert post.request.method == "POST" and path(post) == "/repos/octocat/Hello-World/git/refs"
    assert body(post) == {"ref": "refs/heads/ABC-1-login", "sha": SHA}


def test_create_branch_with_a_users_token(rsps: responses.RequestsMock) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=201, json={"ref": "refs/heads/x", "object": {"sha": SHA}})
    github().create_branch(REPO, "x", "main", token="ghp_user")
    assert all(header(c, "Authorization") == "Bearer ghp_user" for c in rsps.calls)


def test_create_branch_exists(rsps: responses.RequestsMock) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=422, json=error("Reference already exists"))
    with pytest.raises(errors.BranchExists):
        github().create_branch(REPO, "ABC-1", "main")


def test_create_branch_unknown_source(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/repos/octocat/Hello-World/git/ref/heads/nope", status=404, json=error("Not Found")
    )
    with pytest.raises(errors.SourceBranchUnknown, match="'nope'"):
        github().create_branch(REPO, "ABC-1", "nope")


def test_create_branch_invalid_name(rsps: responses.RequestsMock) -> None:
    with pytest.raises(errors.InvalidBranchName):
        github().create_branch(REPO, "ABC-1 my branch", "main")
    with pytest.raises(errors.InvalidBranchName):
        github().create_branch(REPO, "feature..x", "main")
    assert len(rsps.calls) == 0  # refused before asking GitHub
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=422, json=error("refs/heads/HEAD is not a valid ref name."))
    with pytest.raises(errors.InvalidBranchName):
        github().create_branch(REPO, "HEAD", "main")
    assert body(rsps.calls[-1]) == {"ref": "refs/heads/HEAD", "sha": SHA}


@pytest.mark.parametrize(
    "status,payload,headers",
    [
        (
            403,
            error("Resource not accessible by personal access token"),
            {"X-Accepted-GitHub-Permissions": "contents=write"},
        ),
        (404, error("Not Found"), {}),
    ],
)
def test_create_branch_without_write_access(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], headers: dict[str, str]
) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=status, json=payload, headers=headers)
    with pytest.raises(errors.NoWriteAccess) as info:
        github().create_branch(REPO, "ABC-1", "main")
    if headers:
        assert "contents=write" in info.value.message


# --- pull request creation ------------------------------------------------------------------

PULLS = f"{API}/repos/octocat/Hello-World/pulls"


def test_create_pull_request(rsps: responses.RequestsMock) -> None:
    rsps.post(PULLS, status=201, json=gh_pull(1347, "2024-05-02T10:00:00Z"))
    pr = github().create_pull_request(
        REPO,
        source="feature/ABC-1347",
        target="main",
        title="ABC-1347 Login",
        description="See ABC-1347",
    )
    assert pr.number == "1347" and pr.state == "open"
    assert pr.url == "https://github.com/octocat/Hello-World/pull/1347"
    assert body(rsps.calls[0]) == {
        "title": "ABC-1347 Login",
        "body": "See ABC-1347",
        "head": "feature/ABC-1347",
        "base": "main",
    }
    assert len(rsps.calls) == 1  # a new pull request has no reviews to fetch


@pytest.mark.parametrize(
    "payload,expected",
    [
        (
            error(
                "Validation Failed",
                errors=[
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": "A pull request already exists for octocat:feature.",
                    }
                ],
            ),
            errors.PullRequestExists,
        ),
        (
            error(
                "Validation Failed",
                errors=[
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": "No commits between main and feature",
                    }
                ],
            ),
            errors.NothingToMerge,
        ),
        (
            error(
                "Validation Failed",
                errors=[{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            ),
            errors.SourceBranchUnknown,
        ),
        (
            error(
                "Validation Failed",
                errors=[{"resource": "PullRequest", "field": "base", "code": "invalid"}],
            ),
            errors.TargetBranchUnknown,
        ),
    ],
)
def test_create_pull_request_refused(
    rsps: responses.RequestsMock, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(PULLS, status=422, json=payload)
    with pytest.raises(expected):
        github().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_create_pull_request_without_write_access(rsps: responses.RequestsMock) -> None:
    rsps.post(PULLS, status=403, json=error("Resource not accessible by personal access token"))
    with pytest.raises(errors.NoWriteAccess):
        github().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_same_source_and_target_is_nothing_to_merge(rsps: responses.RequestsMock) -> None:
    with pytest.raises(errors.NothingToMerge):
        github().create_pull_request(REPO, source="main", target="main", title="t", description="")
