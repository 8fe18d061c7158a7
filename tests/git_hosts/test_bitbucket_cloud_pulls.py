"""Bitbucket Cloud contract, pull requests: the incremental listing (BBQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import responses

from tests.git_hosts.bitbucket_cloud_shapes import (
    REPO,
    REPO_API,
    bb_pr,
    bitbucket,
    user,
)
from tests.git_hosts.support import query

# --- pull requests -------------------------------------------------------------------------


def test_pull_requests_incremental_with_all_states(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, tzinfo=UTC)
    rsps.get(
        f"{REPO_API}/pullrequests",
        json={
            "pagelen": 50,
            "values": [
                bb_pr(
                    6,
                    "2024-05-01T16:00:00.123456+00:00",
                    reviewers=[user("Ann"), user("Ben")],
                    participants=[
                        user("Ann", True, "REVIEWER"),
                        user("Ben", False, "REVIEWER"),
                        user("Cy", False),
                    ],
                ),
                bb_pr(5, "2024-05-01T15:00:00.000000+00:00", draft=True),
                bb_pr(4, "2024-05-01T14:00:00.000000+00:00", state="MERGED"),
            ],
            "next": f"{REPO_API}/pullrequests?page=2",
        },
    )
    rsps.get(
        f"{REPO_API}/pullrequests",
        json={
            "pagelen": 50,
            "values": [
                bb_pr(3, "2024-05-01T13:00:00+00:00", state="DECLINED"),
                bb_pr(2, "2024-05-01T12:30:00+00:00", state="SUPERSEDED"),
                bb_pr(1, "2024-04-01T12:30:00+00:00", state="MERGED"),
            ],
            "next": f"{REPO_API}/pullrequests?page=3",
        },
    )
    prs = list(bitbucket().pull_requests(REPO, since))
    assert [(p.number, p.state) for p in prs] == [
        ("6", "open"),
        ("5", "draft"),
        ("4", "merged"),
        ("3", "declined"),
        ("2", "declined"),
    ]
    assert prs[0].reviewers_json() == [
        {"name": "Ann", "approved": True},
        {"name": "Ben", "approved": False},
    ]
    assert prs[0].author == "Tutorials" and prs[0].source_branch == "feature/ABC-6"
    assert prs[0].url == "https://bitbucket.org/atlassian/bbql/pull-requests/6"
    first = query(rsps.calls[0])
    assert first["state"] == ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]
    assert first["q"] == ["updated_on >= 2024-05-01T12:00:00+00:00"]
    assert first["sort"] == ["-updated_on"] and first["pagelen"] == ["50"]
    assert "+values.participants" in first["fields"][0]
    assert len(rsps.calls) == 2
