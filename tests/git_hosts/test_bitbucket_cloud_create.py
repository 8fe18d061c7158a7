"""Bitbucket Cloud contract, create branch and pull request: what we send, and the refusals."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.bitbucket_cloud_shapes import (
    API,
    REPO,
    REPO_API,
    bb_error,
    bb_pr,
    bitbucket,
)
from tests.git_hosts.support import body, header, q1

# --- branches ------------------------------------------------------------------------------


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{REPO_API}/refs/branches/main",
        json={
            "type": "branch",
            "name": "main",
            "target": {"type": "commit", "hash": "1a2b3c4d5e6f"},
        },
    )
    rsps.post(
        f"{REPO_API}/refs/branches",
        status=201,
        json={
            "type": "branch",
            "name": "ABC-1",
            "target": {"hash": "1a2b3c4d5e6f"},
            "links": {"html": {"href": "https://bitbucket.org/atlassian/bbql/branch/ABC-1"}},
        },
    )
    branch = bitbucket().create_branch(REPO, "ABC-1", "main")
    assert branch.url == "https://bitbucket.org/atlassian/bbql/branch/ABC-1"
    assert body(rsps.calls[1]) == {"name": "ABC-1", "target": {"hash": "1a2b3c4d5e6f"}}


def test_create_branch_refused(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{REPO_API}/refs/branches/nope", status=404, json=bb_error('Branch "nope" not found'))
    with pytest.raises(errors.SourceBranchUnknown):
        bitbucket().create_branch(REPO, "ABC-1", "nope")
    rsps.get(f"{REPO_API}/refs/branches/main", json={"name": "main", "target": {"hash": "1a2b"}})
    rsps.post(
        f"{REPO_API}/refs/branches",
        status=400,
        json=bb_error("BRANCH_ALREADY_EXISTS", data={"key": "BRANCH_ALREADY_EXISTS"}),
    )
    with pytest.raises(errors.BranchExists):
        bitbucket().create_branch(REPO, "ABC-1", "main")
    rsps.get(f"{REPO_API}/refs/branches/main", json={"name": "main", "target": {"hash": "1a2b"}})
    rsps.post(
        f"{REPO_API}/refs/branches",
        status=403,
        json=bb_error("You do not have write access to this repository."),
    )
    with pytest.raises(errors.NoWriteAccess):
        bitbucket().create_branch(REPO, "ABC-1", "main")


def test_user_token_forms(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"username": "alice"})
    rsps.get(f"{API}/user", json={"username": "bob"})
    provider = bitbucket()
    assert provider.check_user_token("alice:app-pw").login == "alice"
    assert provider.check_user_token("ATCTT3xFfGN0").login == "bob"
    assert (
        header(rsps.calls[0], "Authorization")
        == "Basic " + base64.b64encode(b"alice:app-pw").decode()
    )
    assert header(rsps.calls[1], "Authorization") == "Bearer ATCTT3xFfGN0"


# --- pull request creation ------------------------------------------------------------------


def test_create_pull_request(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{REPO_API}/pullrequests", json={"pagelen": 1, "values": []})
    rsps.post(f"{REPO_API}/pullrequests", status=201, json=bb_pr(9, "2024-05-02T10:00:00+00:00"))
    pr = bitbucket().create_pull_request(
        REPO, source="feature/ABC-9", target="main", title="ABC-9 x", description="d"
    )
    assert pr.number == "9" and pr.state == "open"
    assert (
        q1(rsps.calls[0])["q"]
        == 'source.branch.name = "feature/ABC-9" AND destination.branch.name = "main"'
        ' AND state = "OPEN"'
    )
    assert body(rsps.calls[1]) == {
        "title": "ABC-9 x",
        "description": "d",
        "source": {"branch": {"name": "feature/ABC-9"}},
        "destination": {"branch": {"name": "main"}},
        "close_source_branch": False,
    }


def test_create_pull_request_exists(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{REPO_API}/pullrequests",
        json={"pagelen": 1, "values": [bb_pr(3, "2024-05-01T00:00:00+00:00")]},
    )
    with pytest.raises(errors.PullRequestExists):
        bitbucket().create_pull_request(
            REPO, source="feature/ABC-3", target="main", title="t", description=""
        )


@pytest.mark.parametrize(
    "payload,expected",
    [
        (
            bb_error(
                "There are no changes to be pulled",
                fields={"source": ["There are no changes to be pulled"]},
            ),
            errors.NothingToMerge,
        ),
        (
            bb_error(
                "source: Branch not found: nope", fields={"source": ["Branch not found: nope"]}
            ),
            errors.SourceBranchUnknown,
        ),
        (
            bb_error(
                "destination: Branch not found: gone",
                fields={"destination": ["Branch not found: gone"]},
            ),
            errors.TargetBranchUnknown,
        ),
    ],
)
def test_create_pull_request_refused(
    rsps: responses.RequestsMock, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.get(f"{REPO_API}/pullrequests", json={"pagelen": 1, "values": []})
    rsps.post(f"{REPO_API}/pullrequests", status=400, json=payload)
    with pytest.raises(expected):
        bitbucket().create_pull_request(
            REPO, source="nope", target="gone", title="t", description=""
        )
