"""Single-repository integrations through the API, indexed by a real worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from app.extensions import db
from app.models import Commit, Integration, Repository
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain

USER, PASSWORD = "alice", "http-password-value-123"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[GitHttpServer, WorkRepo, Path]]:
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    work.commit("ABC-1 first", {"a.txt": "one\n"})
    work.commit("ABC-2 second, also ABC-1", {"a.txt": "one\ntwo\n", "b.txt": "b\n"})
    work.checkout("feature/abc-3-login", create=True)
    work.commit("no key here", {"c.txt": "c\n"})
    work.checkout("main")
    work.tag("v1.0", message="release 1.0")
    bare = init_bare(root / "app.git")
    work.publish(bare)
    with GitHttpServer(root, username=USER, password=PASSWORD) as server:
        yield server, work, bare


@pytest.fixture
def admin(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    connect.fake.site("site-a").admins.add("user-1")
    return key, secret


def create(connect: ConnectActions, admin: tuple[str, str], body: dict[str, Any]) -> Any:
    return connect.api("POST", "/api/v1/integrations", *admin, json=body)


def git_body(server: GitHttpServer, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "git",
        "url": server.url("app.git"),
        "auth": {"type": "basic", "username": USER, "password": password},
        **extra,
    }


def test_connect_index_and_list(
    connect: ConnectActions, admin: tuple[str, str], served: Any, redis_conn: redis.Redis
) -> None:
    server, work, _ = served
    response = create(connect, admin, git_body(server))
    assert response.status_code == 201, response.get_json()
    integration = response.get_json()
    assert integration["kind"] == "git" and integration["display_name"] == "app"
    assert integration["auth"] == {"type": "basic", "username": USER}
    assert PASSWORD not in response.get_data(as_text=True)
    assert integration["webhook"]["url"].endswith(f"/webhooks/{integration['id']}")
    repos = connect.api(
        "GET", f"/api/v1/integrations/{integration['id']}/repositories", *admin
    ).get_json()["repositories"]
    assert [r["status"] for r in repos] == ["queued"]
    drain(redis_conn)
    (repo,) = connect.api(
        "GET", f"/api/v1/integrations/{integration['id']}/repositories", *admin
    ).get_json()["repositories"]
    assert repo["status"] == "indexed", repo
    assert repo["counts"] == {"commits": 3, "branches": 2, "tags": 1, "pull_requests": 0}
    assert repo["last_indexed_at"] and repo["error"] is None
    assert repo["progress"]["done"] == repo["progress"]["total"] > 0
    assert any("indexed" in line for line in repo["log"])
    # The password is stored encrypted and never on disk in the mirror.
    raw = db.session.execute(db.text("SELECT credentials FROM integrations")).scalar_one()
    assert PASSWORD not in raw
    data_dir = Path(connect.app.config["DATA_DIR"])
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "git", "url": "file:///etc"}, 400, "invalid_url"),
        ({"kind": "git", "url": "not a url"}, 400, "invalid_url"),
        ({"kind": "git"}, 400, "invalid_url"),
        ({"kind": "nope", "url": "https://x/y.git"}, 400, "unknown_kind"),
        ({"kind": "git", "url": "https://x/y.git", "auth": {"type": "basic"}}, 400, "invalid_auth"),
        (
            {"kind": "git", "url": "https://x/y.git", "settings": {"bogus": 1}},
            400,
            "invalid_settings",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(
    connect: ConnectActions, admin: tuple[str, str], body: dict[str, Any], status: int, code: str
) -> None:
    response = create(connect, admin, body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert db.session.execute(db.select(Integration)).first() is None


def test_each_probe_failure_has_its_own_message(
    connect: ConnectActions, admin: tuple[str, str], served: Any, tmp_path: Path
) -> None:
    server, _, _ = served
    wrong = create(connect, admin, git_body(server, password="wrong-password"))
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["code"] == "authentication_failed"
    assert "wrong-password" not in wrong.get_data(as_text=True)
    missing = create(connect, admin, {**git_body(server), "url": server.url("nope.git")})
    assert missing.get_json()["error"]["code"] in ("not_a_repository", "authentication_failed")
    (tmp_path / "served" / "plain").mkdir()
    with GitHttpServer(tmp_path / "served") as open_server:
        not_repo = create(connect, admin, {"kind": "git", "url": open_server.url("plain")})
        assert not_repo.status_code == 422
        assert not_repo.get_json()["error"]["code"] == "not_a_repository"
    unreachable = create(connect, admin, {"kind": "git", "url": "http://127.0.0.1:9/x.git"})
    assert unreachable.status_code == 502
    assert unreachable.get_json()["error"]["code"] == "host_unreachable"
    assert db.session.execute(db.select(Integration)).first() is None


def test_ssrf_guard_blocks_private_hosts(
    connect: ConnectActions, admin: tuple[str, str], served: Any
) -> None:
    server, _, _ = served
    connect.app.config["ALLOW_PRIVATE_HOSTS"] = False
    response = create(connect, admin, git_body(server))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "address_blocked"


def test_admin_only(connect: ConnectActions, admin: tuple[str, str], served: Any) -> None:
    server, _, _ = served
    response = connect.api(
        "POST", "/api/v1/integrations", *admin, json=git_body(server), sub="developer-1"
    )
    assert response.status_code == 403
    for path in ("/api/v1/integrations", "/api/v1/integrations/1"):
        assert connect.api("GET", path, *admin, sub="developer-1").status_code == 403


def test_tenant_isolation(
    connect: ConnectActions, admin: tuple[str, str], served: Any, redis_conn: redis.Redis
) -> None:
    server, _, _ = served
    created = create(connect, admin, git_body(server)).get_json()
    other = connect.installed("client-b", "site-b")
    connect.fake.site("site-b").admins.add("user-1")
    assert connect.api("GET", "/api/v1/integrations", *other).get_json() == {"integrations": []}
    for method, path in (
        ("GET", f"/api/v1/integrations/{created['id']}"),
        ("PATCH", f"/api/v1/integrations/{created['id']}"),
        ("DELETE", f"/api/v1/integrations/{created['id']}"),
        ("GET", f"/api/v1/integrations/{created['id']}/repositories"),
        ("POST", f"/api/v1/integrations/{created['id']}/reindex"),
    ):
        response = connect.api(method, path, *other, json={})
        assert response.status_code == 404, (method, path)
    repo_id = db.session.execute(db.select(Repository.id)).scalar_one()
    for method in ("GET", "DELETE"):
        assert connect.api(method, f"/api/v1/repositories/{repo_id}", *other).status_code == 404
    assert connect.api("POST", f"/api/v1/repositories/{repo_id}/reindex", *other).status_code == 404
    assert db.session.execute(db.select(Integration)).scalar_one()


def test_patch_settings_and_remove(
    connect: ConnectActions, admin: tuple[str, str], served: Any, redis_conn: redis.Redis
) -> None:
    server, _, _ = served
    created = create(connect, admin, git_body(server)).get_json()
    drain(redis_conn)
    url = f"/api/v1/integrations/{created['id']}"
    patched = connect.api(
        "PATCH",
        url,
        *admin,
        json={"display_name": "App", "settings": {"project_keys": ["abc"], "enabled": False}},
    )
    assert patched.status_code == 200
    assert patched.get_json()["settings"]["project_keys"] == ["ABC"]
    assert patched.get_json()["display_name"] == "App"
    assert connect.api("PATCH", url, *admin, json={"kind": "github"}).status_code == 400
    mirror_dirs = list(Path(connect.app.config["DATA_DIR"]).rglob("*.git"))
    assert mirror_dirs
    assert connect.api("DELETE", url, *admin).status_code == 204
    assert not any(p.exists() for p in mirror_dirs)
    assert db.session.execute(db.select(Commit)).first() is None
    assert connect.api("GET", url, *admin).status_code == 404


def test_reindex_endpoints(
    connect: ConnectActions, admin: tuple[str, str], served: Any, redis_conn: redis.Redis
) -> None:
    server, work, bare = served
    created = create(connect, admin, git_body(server)).get_json()
    drain(redis_conn)
    work.commit("ABC-9 later", {"d.txt": "d\n"})
    work.publish(bare)
    response = connect.api("POST", f"/api/v1/integrations/{created['id']}/reindex", *admin)
    assert response.status_code == 202
    drain(redis_conn)
    repo_id = db.session.execute(db.select(Repository.id)).scalar_one()
    repo = connect.api("GET", f"/api/v1/repositories/{repo_id}", *admin).get_json()
    assert repo["counts"]["commits"] == 4
    assert connect.api("POST", f"/api/v1/repositories/{repo_id}/reindex", *admin).status_code == 202


def test_uninstall_removes_integrations_and_index(
    connect: ConnectActions, admin: tuple[str, str], served: Any, redis_conn: redis.Redis
) -> None:
    server, _, _ = served
    create(connect, admin, git_body(server))
    drain(redis_conn)
    assert db.session.execute(db.select(Commit)).first() is not None
    token = connect.install_token("client-a", "/lifecycle/uninstalled")
    response = connect.client.post(
        "/lifecycle/uninstalled",
        json={"clientKey": "client-a"},
        headers={"Authorization": f"JWT {token}"},
    )
    assert response.status_code == 204
    for table in ("integrations", "repositories", "commits", "commit_keys", "branches", "tags"):
        assert db.session.execute(db.text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0, table


def test_ssh_repository_with_passphrase_key_pins_host_key(
    connect: ConnectActions, admin: tuple[str, str], tmp_path: Path, redis_conn: redis.Redis
) -> None:
    from tests.support.sshd import SshServer, make_keypair

    work = WorkRepo(tmp_path / "work")
    work.commit("ABC-5 over ssh", {"a": "1\n"})
    bare = init_bare(tmp_path / "repos" / "app.git")
    work.publish(bare)
    private, public = make_keypair(tmp_path, "deploy", "rsa", passphrase="open sesame", pem=True)
    server = SshServer(tmp_path / "sshd", authorized_keys=[public]).start()
    try:
        body = {
            "kind": "git",
            "url": server.url(bare),
            "auth": {"type": "ssh", "private_key": private, "passphrase": "open sesame"},
        }
        wrong = create(connect, admin, {**body, "auth": {**body["auth"], "passphrase": "nope"}})
        assert wrong.status_code == 422, wrong.get_json()
        response = create(connect, admin, body)
        assert response.status_code == 201, response.get_json()
        integration = response.get_json()
        assert integration["auth"] == {"type": "ssh"}
        assert integration["host_keys"] and "SHA256:" in integration["host_keys"][0]
        assert "PRIVATE KEY" not in response.get_data(as_text=True)
        drain(redis_conn)
        (repo,) = connect.api(
            "GET", f"/api/v1/integrations/{integration['id']}/repositories", *admin
        ).get_json()["repositories"]
        assert repo["status"] == "indexed" and repo["counts"]["commits"] == 1
        # The server's host key changes: the pinned key refuses it.
        server.stop()
        server._key_generation += 1
        server.start()
        connect.api("POST", f"/api/v1/repositories/{repo['id']}/reindex", *admin)
        drain(redis_conn)
        repo = connect.api("GET", f"/api/v1/repositories/{repo['id']}", *admin).get_json()
        assert repo["status"] == "error" and "host key" in repo["error"].lower()
    finally:
        server.stop()
