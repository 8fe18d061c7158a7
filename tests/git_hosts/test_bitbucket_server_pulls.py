"""Bitbucket Server / Data Center contract, pull requests: the incremental listing."""

from __future__ import annotations

from datetime import UTC, datetime

import responses

from tests.git_hosts.bitbucket_server_shapes import (
    REPO,
    REPO_API,
    ROOT,
    bbs_pr,
    ms,
    server,
)
from tests.git_hosts.support import q1

# --- pull requests -------------------------------------------------------------------------


def test_pull_requests_newest_first_until_older(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, tzinfo=UTC)
    approved = {
        "user": {"name": "ann", "displayName": "Ann"},
        "role": "REVIEWER",
        "approved": True,
        "status": "APPROVED",
    }
    waiting = {
        "user": {"name": "ben", "displayName": "Ben"},
        "role": "REVIEWER",
        "approved": False,
        "status": "UNAPPROVED",
    }
    rsps.get(
        f"{REPO_API}/pull-requests",
        json={
            "isLastPage": False,
            "nextPageStart": 2,
            "values": [
                bbs_pr(4, ms(datetime(2024, 5, 1, 15, tzinfo=UTC)), reviewers=[approved, waiting]),
                bbs_pr(3, ms(datetime(2024, 5, 1, 14, tzinfo=UTC)), draft=True),
            ],
        },
    )
    rsps.get(
        f"{REPO_API}/pull-requests",
        json={
            "isLastPage": False,
            "nextPageStart": 4,
            "values": [
                bbs_pr(
                    2,
                    ms(datetime(2024, 5, 1, 13, tzinfo=UTC)),
                    state="MERGED",
                    open=False,
                    closed=True,
                ),
                bbs_pr(
                    1,
                    ms(datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
                    state="DECLINED",
                    open=False,
                    closed=True,
                ),
                bbs_pr(0, ms(datetime(2024, 4, 1, tzinfo=UTC)), state="MERGED"),
            ],
        },
    )
    prs = list(server().pull_requests(REPO, since))
    assert [(p.number, p.state) for p in prs] == [
        ("4", "open"),
        ("3", "draft"),
        ("2", "merged"),
        ("1", "declined"),
    ]
    assert prs[0].reviewers_json() == [
        {"name": "Ann", "approved": True},
        {"name": "Ben", "approved": False},
    ]
    assert (prs[0].source_branch, prs[0].target_branch, prs[0].author) == (
        "feature-ABC-4",
        "master",
        "Tom",
    )
    assert prs[0].url == f"{ROOT}/projects/PRJ/repos/my-repo/pull-requests/4"
    assert prs[0].updated_at == datetime(2024, 5, 1, 15, tzinfo=UTC)
    assert q1(rsps.calls[0]) == {"state": "ALL", "order": "NEWEST", "limit": "50", "start": "0"}
    assert len(rsps.calls) == 2
