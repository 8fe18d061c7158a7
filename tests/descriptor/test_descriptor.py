"""The served descriptor: valid against Atlassian's schema, every page module answering."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from descriptor import module_url
from tests.support.connect import ConnectActions

SCHEMA = json.loads(
    (
        Path(__file__).parent.parent / "fixtures/atlassian_connect/jira-global-schema.json"
    ).read_text()
)
CONTRACT_MODULES = {
    "manage-repositories": "adminPages",
    "general-settings": "adminPages",
    "issue-development": "webPanels",
    "issue-commits": "jiraIssueContents",
    "repository-browser": "generalPages",
    "user-settings": "generalPages",
    "gitbridge-devtool": "jiraDevelopmentTool",
    "issue-rollup": "jiraIssueContents",
    "project-commits": "jiraProjectPages",
}


def schema_allowing_newer_migrations() -> dict[str, Any]:
    """The 2019 schema predates signed-install and context-qsh; Atlassian accepts both."""
    schema = copy.deepcopy(SCHEMA)
    props = schema["properties"]["apiMigrations"]["properties"]
    props["signed-install"] = {"type": "boolean"}
    props["context-qsh"] = {"type": "boolean"}
    return schema


def test_descriptor_fills_base_url_and_key(client: FlaskClient, app: Flask) -> None:
    response = client.get("/atlassian-connect.json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["baseUrl"] == app.config["BASE_URL"] == "https://gitbridge.example.com"
    assert data["key"] == app.config["APP_KEY"]
    assert data["authentication"] == {"type": "jwt"}
    assert data["apiMigrations"] == {"signed-install": True, "context-qsh": True, "gdpr": True}
    assert sorted(data["scopes"]) == ["DELETE", "READ", "WRITE"]
    assert set(data["lifecycle"]) == {"installed", "uninstalled", "enabled", "disabled"}


def test_descriptor_is_valid_against_atlassians_schema(client: FlaskClient) -> None:
    data = client.get("/atlassian-connect.json").get_json()
    jsonschema.validate(data, schema_allowing_newer_migrations())


def test_schema_check_can_fail(client: FlaskClient) -> None:
    data = client.get("/atlassian-connect.json").get_json()
    data["modules"]["adminPages"][0]["url"] = 42
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema_allowing_newer_migrations())


def test_module_keys_match_the_contract(client: FlaskClient) -> None:
    modules = client.get("/atlassian-connect.json").get_json()["modules"]
    found = {}
    for kind, group in modules.items():
        for module in group if isinstance(group, list) else [group]:
            found[module["key"]] = kind
    assert found == CONTRACT_MODULES


def test_lifecycle_urls_are_routed(client: FlaskClient) -> None:
    lifecycle = client.get("/atlassian-connect.json").get_json()["lifecycle"]
    for url in lifecycle.values():
        # Unsigned: refused, but routed (not 404/405).
        assert client.post(url, json={"clientKey": "x"}).status_code in (400, 401)


@pytest.mark.parametrize("key", [k for k in CONTRACT_MODULES if k != "gitbridge-devtool"])
def test_every_page_module_answers(connect: ConnectActions, key: str) -> None:
    client_key, secret = connect.installed()
    connect.fake.site("site-a").admins.add("user-1")
    url = module_url(key).replace("{issue.key}", "ABC-1").replace("{project.key}", "ABC")
    url = url.replace("{project.id}", "10000")
    response = connect.page(url, client_key, secret)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert "https://connect-cdn.atl-paas.net/all.js" in html
    assert "aui" in html
