"""Benchmark (c): ``GET /api/v1/issues/{key}/development`` for an issue with 500
commits among 1,000,000 indexed commits, on PostgreSQL; p50 and p95.

The index rows are generated inside PostgreSQL (``generate_series``): 1,000,000
commits over 20 repositories of one tenant, each mentioning one of 5,000 issue keys,
plus 500 commits of BENCH-1 spread over the repositories, and a second tenant with
200,000 more commits so tenant scoping is exercised. Requests go over real HTTP to
the app (werkzeug, threaded) with a context JWT, as the issue panel sends them;
Jira's permission answer comes from the in-test Atlassian fake and is cached as in
production.

Run: .venv/bin/python bench/development_api.py [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa
from common import bench_env, fresh_app, percentile
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Integration, Repository, Tenant
from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import FakeAtlassian

REPOS = 20
COMMITS = 1_000_000

FILL = """
INSERT INTO commits (repository_id, sha, tenant_id, parents, author_name, author_email,
    authored_at, committer_name, committer_email, committed_at, message, files, stats_done)
SELECT :first_repo + (g % :repos), md5(:salt || g::text) || substr(md5(g::text), 1, 8),
    :tenant, '', 'Alice', 'alice@example.com', now() - (g || ' seconds')::interval,
    'Alice', 'alice@example.com', now() - (g || ' seconds')::interval,
    :prefix || (1 + g % :keys) || ' change ' || g,
    '[{"path": "src/a.py", "change_type": "modified", "old_path": null,
       "added": 3, "removed": 1}]', true
FROM generate_series(1, :n) AS g;
INSERT INTO commit_keys (repository_id, sha, issue_key, tenant_id, committed_at)
SELECT repository_id, sha, split_part(message, ' ', 1), tenant_id, committed_at
FROM commits WHERE tenant_id = :tenant AND message LIKE :prefix || '%';
"""


def seed(tenant_id: int, first_repo: int, n: int, prefix: str, salt: str, keys: int) -> None:
    for statement in FILL.strip().split(";\n"):
        db.session.execute(
            sa.text(statement),
            {
                "tenant": tenant_id,
                "first_repo": first_repo,
                "repos": REPOS,
                "n": n,
                "prefix": prefix,
                "salt": salt,
                "keys": keys,
            },
        )
    db.session.commit()


def tenant_with_repositories(client_key: str, base_url: str) -> tuple[int, int]:
    tenant = Tenant(client_key=client_key, shared_secret="s" * 64, base_url=base_url)
    db.session.add(tenant)
    db.session.flush()
    integration = Integration(tenant_id=tenant.id, kind="git", display_name="bench", settings={})
    db.session.add(integration)
    db.session.flush()
    first = None
    for i in range(REPOS):
        repo = Repository(
            tenant_id=tenant.id,
            integration_id=integration.id,
            name=f"r{i}",
            clone_url=f"https://example.com/r{i}.git",
            status="indexed",
        )
        db.session.add(repo)
        db.session.flush()
        first = first or repo.id
    db.session.commit()
    assert first is not None
    return tenant.id, first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    fake = FakeAtlassian()
    fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(Path(tmp))
        env["GITBRIDGE_ALLOWED_JIRA_HOSTS"] = "127.0.0.1"
        app = fresh_app(env)
        with app.app_context():
            site_url = fake.site_url("bench")
            tenant_id, first = tenant_with_repositories("bench", site_url)
            other_id, other_first = tenant_with_repositories("other", fake.site_url("other"))
            started = time.perf_counter()
            seed(tenant_id, first, COMMITS - 500, "PROJ-", "a", 5000)
            seed(tenant_id, first, 500, "BENCH-", "b", 1)  # 500 commits, all BENCH-1
            seed(other_id, other_first, 200_000, "BENCH-", "c", 1)  # same key, other tenant
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            seeded = time.perf_counter() - started
        site = fake.site("bench")
        site.shared_secret = "s" * 64
        site.issues["BENCH-1"] = {
            "id": "1",
            "key": "BENCH-1",
            "fields": {"project": {"id": "1", "key": "BENCH"}},
        }
        site.grants[("dev", "BROWSE_PROJECTS")] = {1}
        site.grants[("dev", "VIEW_DEV_TOOLS")] = {1}
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/api/v1/issues/BENCH-1/development"
        actions = ConnectActions(app, app.test_client(), fake)
        session = requests.Session()
        timings = []
        for i in range(args.requests + 5):
            token = actions.context_token("bench", "s" * 64, sub="dev")
            t = time.perf_counter()
            response = session.get(url, headers={"Authorization": f"JWT {token}"}, timeout=30)
            elapsed = time.perf_counter() - t
            assert response.status_code == 200, response.text
            assert len(response.json()["commits"]) == 500
            if i >= 5:  # the first calls warm Jira's cached permission answer
                timings.append(elapsed * 1000)
        server.shutdown()
    fake.stop()
    print(
        json.dumps(
            {
                "indexed_commits": COMMITS + 200_000,
                "issue_commits": 500,
                "seed_s": round(seeded, 1),
                "requests": len(timings),
                "p50_ms": round(percentile(timings, 50), 1),
                "p95_ms": round(percentile(timings, 95), 1),
                "max_ms": round(max(timings), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
