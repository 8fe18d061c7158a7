"""Bitbucket Server / Data Center contract, create branch and pull request: what we
send, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.bitbucket_server_shapes import (
    REPO,
    REPO_API,
    ROOT,
    bbs_errors,
    bbs_pr,
    server,
)
from tests.git_hosts.support import body

# --- branches and pull requests ------------------------------------------------------


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{REPO_API}/branches",
        json={
            "id": "refs/heads/ABC-1-login",
            "displayId": "ABC-1-login",
            "type": "BRANCH",
            "latestCommit": "8d51122def5632836d1cb1026e879069e10a1e13",
            "isDefault": False,
        },
    )
    branch = server().create_branch(REPO, "ABC-1-login", "master")
    assert branch.sha == "8d51122def5632836d1cb1026e879069e10a1e13"
    assert branch.url == f"{ROOT}/projects/PRJ/repos/my-repo/browse?at=refs%2Fheads%2FABC-1-login"
    assert body(rsps.calls[0]) == {"name": "ABC-1-login", "startPoint": "refs/heads/master"}


@pytest.mark.parametrize(
    "status,payload,expected",
    [
        (
            409,
            bbs_errors(
                "Branch 'ABC-1' already exists in repository 'my-repo'.",
                "com.atlassian.bitbucket.repository.DuplicateRefException",
            ),
            errors.BranchExists,
        ),
        (
            400,
            bbs_errors(
                "'ABC-1' is an invalid branch name.",
                "com.atlassian.bitbucket.repository.InvalidRefNameException",
            ),
            errors.InvalidBranchName,
        ),
        (
            400,
            bbs_errors(
                "Commit 'nope' does not exist in repository 'my-repo'.",
                "com.atlassian.bitbucket.commit.NoSuchCommitException",
            ),
            errors.SourceBranchUnknown,
        ),
        (
            401,
            bbs_errors(
                "You are not permitted to access this resource",
                "com.atlassian.bitbucket.AuthorisationException",
            ),
            errors.NoWriteAccess,
        ),
    ],
)
def test_create_branch_refused(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(f"{REPO_API}/branches", status=status, json=payload)
    with pytest.raises(expected):
        server().create_branch(REPO, "ABC-1", "nope")


def test_create_pull_request(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{REPO_API}/pull-requests", status=201, json=bbs_pr(101, 1714560000000))
    pr = server().create_pull_request(
        REPO, source="feature-ABC-101", target="master", title="ABC-101 x", description="d"
    )
    assert pr.number == "101"
    where = {"slug": "my-repo", "project": {"key": "PRJ"}}
    assert body(rsps.calls[0]) == {
        "title": "ABC-101 x",
        "description": "d",
        "fromRef": {"id": "refs/heads/feature-ABC-101", "repository": where},
        "toRef": {"id": "refs/heads/master", "repository": where},
    }


@pytest.mark.parametrize(
    "status,payload,expected",
    [
        (
            409,
            bbs_errors(
                "Only one pull request may be open for a given source and target branch",
                "com.atlassian.bitbucket.pull.DuplicatePullRequestException",
            ),
            errors.PullRequestExists,
        ),
        (
            409,
            bbs_errors(
                "Pull request is not created because 'refs/heads/feature' is already "
                "up-to-date with 'refs/heads/master'.",
                "com.atlassian.bitbucket.pull.EmptyPullRequestException",
            ),
            errors.NothingToMerge,
        ),
        (
            404,
            bbs_errors(
                'Repository "my-repo" of project with key "PRJ" has no branch "refs/heads/gone".',
                "com.atlassian.bitbucket.repository.NoSuchRefException",
            ),
            errors.TargetBranchUnknown,
        ),
        (
            404,
            bbs_errors(
                "Ref 'refs/heads/feature' does not exist.",
                "com.atlassian.bitbucket.repository.NoSuchRefException",
            ),
            errors.SourceBranchUnknown,
        ),
        (
            401,
            bbs_errors(
                "You are not permitted to access this resource",
                "com.atlassian.bitbucket.AuthorisationException",
            ),
            errors.NoWriteAccess,
        ),
    ],
)
def test_create_pull_request_refused(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(f"{REPO_API}/pull-requests", status=status, json=payload)
    with pytest.raises(expected):
        server().create_pull_request(
            REPO, source="feature", target="gone", title="t", description=""
        )
