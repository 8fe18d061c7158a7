"""GitLab contract, create branch and merge request: what we send, and GitLab's refusals."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.gitlab_shapes import (
    PROJECT,
    REPO,
    gitlab,
    gl_mr,
)
from tests.git_hosts.support import body, q1

# --- branches ------------------------------------------------------------------------------

BRANCHES = f"{PROJECT}/repository/branches"


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.post(
        BRANCHES,
        status=201,
        json={
            "name": "ABC-1-login",
            "commit": {"id": "7b5c3cc8be40ee161ae89a06bba6229da1032a0c", "short_id": "7b5c3cc"},
            "merged": False,
            "protected": False,
            "default": False,
            "can_push": True,
            "web_url": "https://gitlab.com/diaspora/diaspora-client/-/tree/ABC-1-login",
        },
    )
    branch = gitlab().create_branch(REPO, "ABC-1-login", "main")
    assert branch.sha == "7b5c3cc8be40ee161ae89a06bba6229da1032a0c"
    assert branch.url == "https://gitlab.com/diaspora/diaspora-client/-/tree/ABC-1-login"
    assert q1(rsps.calls[0]) == {"branch": "ABC-1-login", "ref": "main"}


@pytest.mark.parametrize(
    "status,payload,expected",
    [
        (400, {"message": "Branch already exists"}, errors.BranchExists),
        (400, {"message": "Invalid reference name: nope"}, errors.SourceBranchUnknown),
        (400, {"message": "Branch name is invalid"}, errors.InvalidBranchName),
        (403, {"message": "403 Forbidden"}, errors.NoWriteAccess),
        (403, {"error": "insufficient_scope", "scope": "api"}, errors.NoWriteAccess),
    ],
)
def test_create_branch_refused(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(BRANCHES, status=status, json=payload)
    with pytest.raises(expected):
        gitlab().create_branch(REPO, "ABC-1", "nope")


# --- merge request creation ------------------------------------------------------------------


def _branches_exist(rsps: responses.RequestsMock, *names: str) -> None:
    for name in names:
        rsps.get(f"{BRANCHES}/{name}", json={"name": name, "commit": {"id": "abc"}})


def test_create_merge_request(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BRANCHES}/feature%2FABC-1", json={"name": "feature/ABC-1", "commit": {"id": "abc"}})
    _branches_exist(rsps, "main")
    rsps.get(
        f"{PROJECT}/repository/commits",
        json=[{"id": "ed899a2f4b50b4370feeea94676502b42383c746", "title": "ABC-1 login"}],
    )
    rsps.post(
        f"{PROJECT}/merge_requests",
        status=201,
        json=gl_mr(7, "2024-05-02T10:00:00.000Z", source_branch="feature/ABC-1"),
    )
    mr = gitlab().create_pull_request(
        REPO, source="feature/ABC-1", target="main", title="ABC-1 Login", description="d"
    )
    assert mr.number == "7" and mr.state == "open"
    assert q1(rsps.calls[2]) == {"ref_name": "main..feature/ABC-1", "per_page": "1"}
    assert body(rsps.calls[3]) == {
        "source_branch": "feature/ABC-1",
        "target_branch": "main",
        "title": "ABC-1 Login",
        "description": "d",
    }
    assert len(rsps.calls) == 4  # no approvals call for a new merge request


def test_create_merge_request_nothing_to_merge(rsps: responses.RequestsMock) -> None:
    _branches_exist(rsps, "feature", "main")
    rsps.get(f"{PROJECT}/repository/commits", json=[])
    with pytest.raises(errors.NothingToMerge):
        gitlab().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_create_merge_request_exists(rsps: responses.RequestsMock) -> None:
    _branches_exist(rsps, "feature", "main")
    rsps.get(f"{PROJECT}/repository/commits", json=[{"id": "abc"}])
    rsps.post(
        f"{PROJECT}/merge_requests",
        status=409,
        json={"message": ["Another open merge request already exists for this source branch: !12"]},
    )
    with pytest.raises(errors.PullRequestExists, match="!12"):
        gitlab().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_create_merge_request_unknown_branches(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BRANCHES}/nope", status=404, json={"message": "404 Branch Not Found"})
    with pytest.raises(errors.SourceBranchUnknown):
        gitlab().create_pull_request(REPO, source="nope", target="main", title="t", description="")
    _branches_exist(rsps, "feature")
    rsps.get(f"{BRANCHES}/gone", status=404, json={"message": "404 Branch Not Found"})
    with pytest.raises(errors.TargetBranchUnknown):
        gitlab().create_pull_request(
            REPO, source="feature", target="gone", title="t", description=""
        )


def test_create_merge_request_without_write_access(rsps: responses.RequestsMock) -> None:
    _branches_exist(rsps, "feature", "main")
    rsps.get(f"{PROJECT}/repository/commits", json=[{"id": "abc"}])
    rsps.post(f"{PROJECT}/merge_requests", status=403, json={"message": "403 Forbidden"})
    with pytest.raises(errors.NoWriteAccess):
        gitlab().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )
