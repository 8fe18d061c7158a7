"""Page tokens vs context tokens on every surface, and every way a token can be wrong."""

from __future__ import annotations

import time

import pytest

from tests.support.connect import ConnectActions

PAGES = [
    "/pages/issue-development?issueKey=ABC-1&projectKey=ABC",
    "/pages/issue-commits?issueKey=ABC-1",
    "/pages/repository-browser",
    "/pages/user-settings",
    "/pages/manage-repositories",
    "/pages/general-settings",
]
API = [("GET", "/api/v1/hosts")]


@pytest.fixture
def tenant(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    connect.fake.site("site-a").admins.add("user-1")
    return key, secret


@pytest.mark.parametrize("url", PAGES)
def test_page_takes_qsh_token(connect: ConnectActions, tenant: tuple[str, str], url: str) -> None:
    assert connect.page(url, *tenant).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_page_refuses_context_token(
    connect: ConnectActions, tenant: tuple[str, str], url: str
) -> None:
    token = connect.context_token(*tenant)
    sep = "&" if "?" in url else "?"
    response = connect.client.get(f"{url}{sep}jwt={token}")
    assert response.status_code == 401
    assert "context token" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), API)
def test_api_takes_context_token(
    connect: ConnectActions, tenant: tuple[str, str], method: str, path: str
) -> None:
    assert connect.api(method, path, *tenant).status_code == 200


@pytest.mark.parametrize(("method", "path"), API)
def test_api_refuses_page_token(
    connect: ConnectActions, tenant: tuple[str, str], method: str, path: str
) -> None:
    token = connect.page_token(*tenant, path, method=method)
    response = connect.client.open(path, method=method, headers={"Authorization": f"JWT {token}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_api_refuses_token_in_query(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    token = connect.context_token(*tenant)
    response = connect.client.get(f"/api/v1/hosts?jwt={token}")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_missing"


def test_tampered_qsh(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    token = connect.page_token(*tenant, "/pages/issue-development?issueKey=ABC-1")
    response = connect.client.get(f"/pages/issue-development?issueKey=XYZ-9&jwt={token}")
    assert response.status_code == 401
    assert "qsh" in response.get_data(as_text=True)


def test_wrong_secret(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    assert connect.page("/pages/user-settings", tenant[0], "x" * 64).status_code == 401
    response = connect.api("GET", "/api/v1/hosts", tenant[0], "x" * 64)
    assert response.status_code == 401
    assert response.get_json() == {
        "error": {"code": "invalid_token", "message": "the JWT signature is invalid"}
    }


def test_expired_page_asks_to_reload(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    response = connect.page(
        "/pages/user-settings", *tenant, iat=int(time.time()) - 600, lifetime=60
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "expired" in html and "Reload" in html


def test_expired_api_token(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    response = connect.api("GET", "/api/v1/hosts", *tenant, iat=int(time.time()) - 600, lifetime=60)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_unknown_tenant(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    response = connect.api("GET", "/api/v1/hosts", "client-unknown", tenant[1])
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unknown_tenant"


def test_other_algorithms_refused(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    import jwt

    claims = {
        "iss": tenant[0],
        "iat": int(time.time()),
        "exp": int(time.time()) + 60,
        "qsh": "context-qsh",
        "sub": "user-1",
    }
    for token in (
        jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        jwt.encode(claims, tenant[1], algorithm="HS512"),
    ):
        response = connect.client.get("/api/v1/hosts", headers={"Authorization": f"JWT {token}"})
        assert response.status_code == 401


def test_cross_tenant_token_is_refused(connect: ConnectActions) -> None:
    key_a, secret_a = connect.installed("client-a", "site-a")
    key_b, _ = connect.installed("client-b", "site-b")
    # Tenant A's secret signs a token claiming to be tenant B.
    assert connect.api("GET", "/api/v1/hosts", key_b, secret_a).status_code == 401
    assert connect.page("/pages/user-settings", key_b, secret_a).status_code == 401
    assert connect.api("GET", "/api/v1/hosts", key_a, secret_a).status_code == 200


def test_pages_allow_only_the_tenants_site_to_frame_them(
    connect: ConnectActions, tenant: tuple[str, str]
) -> None:
    response = connect.page("/pages/user-settings", *tenant)
    csp = response.headers["Content-Security-Policy"]
    # The site's origin: a source with the site's path (/jira/site-a) would match only
    # that exact path, never the site's pages that frame us.
    assert connect.fake.site_url("site-a").startswith(connect.fake.url + "/")
    assert csp == f"frame-ancestors 'self' {connect.fake.url}"


def test_admin_pages_check_jira_server_side(
    connect: ConnectActions, tenant: tuple[str, str]
) -> None:
    for url in ("/pages/manage-repositories", "/pages/general-settings"):
        assert connect.page(url, *tenant, sub="user-1").status_code == 200
        response = connect.page(url, *tenant, sub="not-an-admin")
        assert response.status_code == 403
        assert "administrators" in response.get_data(as_text=True)
        # No user at all (a server-to-server token) is not an admin either.
        assert connect.page(url, *tenant, sub=None).status_code == 403


def test_admin_check_is_cached(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    for _ in range(3):
        connect.page("/pages/manage-repositories", *tenant)
    checks = [c for c in connect.fake.calls if c["path"] == "/rest/api/3/permissions/check"]
    assert len(checks) == 1
    assert checks[0]["verified"]["iss"] == "gitbridge-for-jira"


def test_base_url_with_path_prefix(connect: ConnectActions, tenant: tuple[str, str]) -> None:
    """With baseUrl https://host/prefix, Jira signs paths relative to /prefix."""
    connect.app.config["BASE_URL"] = "https://gitbridge.example.com/gb"
    token = connect.page_token(*tenant, "/pages/user-settings")
    response = connect.client.get(
        f"/pages/user-settings?jwt={token}", environ_overrides={"SCRIPT_NAME": "/gb"}
    )
    assert response.status_code == 200
