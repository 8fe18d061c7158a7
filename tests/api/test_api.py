"""The JSON API skeleton: error format everywhere, and the hosts catalogue."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.connect import ConnectActions

CONTRACT_KINDS = {
    "github",
    "github_enterprise",
    "gitlab",
    "gitlab_self_managed",
    "bitbucket_cloud",
    "bitbucket_server",
    "azure_devops",
    "azure_devops_server",
    "aws_codecommit",
    "gerrit",
    "git",
}


def test_hosts_lists_every_contract_kind(connect: ConnectActions) -> None:
    key, secret = connect.installed()
    response = connect.api("GET", "/api/v1/hosts", key, secret)
    assert response.status_code == 200
    hosts = response.get_json()["hosts"]
    assert {h["kind"] for h in hosts} == CONTRACT_KINDS
    for host in hosts:
        assert host["name"] and host["auth_types"]
        assert isinstance(host["webhook_mode"], bool)


def test_missing_token_is_a_json_error(client: FlaskClient) -> None:
    response = client.get("/api/v1/hosts")
    assert response.status_code == 401
    assert response.get_json() == {
        "error": {"code": "token_missing", "message": "this request needs a JWT from Jira"}
    }


def test_unknown_api_route_and_method_are_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/hosts")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_garbage_authorization_header(client: FlaskClient) -> None:
    for header in ("JWT", "JWT not.a.jwt", "Bearer x", "JWT " + "a" * 5000):
        response = client.get("/api/v1/hosts", headers={"Authorization": header})
        assert response.status_code == 401
        assert "error" in response.get_json()
