"""forge/manifest.yml against the schema ``forge lint`` applies (@forge/manifest's
manifest-schema.json, installed by ``make forge-ui``), and against the app: every
module's resource is built, every endpoint is a route the app serves, the contract's
module keys and triggers are there."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from app.atlassian.forge import routes, ui_build
from descriptor import _template as connect_descriptor
from tests.support.forge import APP_ID

FORGE = Path(__file__).resolve().parents[2] / "forge"
SCHEMA = FORGE / "node_modules" / "@forge" / "manifest" / "out" / "schema" / "manifest-schema.json"
VARIABLES = {"GITBRIDGE_FORGE_APP_ID": APP_ID, "GITBRIDGE_BASE_URL": "https://gitbridge.example.com"}


def interpolate(text: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """``${VAR}`` for the variables the manifest declares, as the Forge CLI does."""
    declared = {v if isinstance(v, str) else v["key"]
                for v in manifest.get("environment", {}).get("variables", [])}
    result: dict[str, Any] = yaml.safe_load(re.sub(
        r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
        lambda m: VARIABLES[m.group(1)] if m.group(1) in declared else m.group(0), text))
    return result


@cache
def manifest() -> dict[str, Any]:
    text = (FORGE / "manifest.yml").read_text()
    return interpolate(text, yaml.safe_load(text))


def built() -> None:
    if not SCHEMA.exists() or not (FORGE / "build").exists():
        pytest.fail("the Forge app is not built: run `make forge-ui` (it installs "
                    "@forge/manifest and builds the Custom UI resources)")


def test_manifest_matches_forges_own_schema() -> None:
    built()
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


def test_the_schema_check_can_fail() -> None:
    built()
    schema = json.loads(SCHEMA.read_text())
    broken = {**manifest(), "remotes": [{"key": "gitbridge", "baseUrl": 1}]}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_remote_tokens_triggers_and_routes() -> None:
    m = manifest()
    (remote,) = m["remotes"]
    assert (remote["key"], remote["baseUrl"]) == ("gitbridge", VARIABLES["GITBRIDGE_BASE_URL"])
    assert remote["auth"] == {"appSystemToken": {"enabled": True},
                              "appUserToken": {"enabled": True}}
    assert "compute" in remote["operations"]  # invokeRemote needs it
    endpoints = {e["key"]: e for e in m["modules"]["endpoint"]}
    assert {e["remote"] for e in endpoints.values()} == {"gitbridge"}
    (trigger,) = m["modules"]["trigger"]
    assert trigger["key"] == routes.LIFECYCLE_MODULE
    assert set(trigger["events"]) == {routes.INSTALLED, routes.UPGRADED, routes.UNINSTALLED}
    (schedule,) = m["modules"]["scheduledTrigger"]
    assert schedule["key"] == routes.SCHEDULE_MODULE
    from app import create_app

    served = {r.rule for r in create_app({"GITBRIDGE_FORGE_APP_ID": VARIABLES[
        "GITBRIDGE_FORGE_APP_ID"]}).url_map.iter_rules()}
    for module in (trigger, schedule):
        path = endpoints[module["endpoint"]]["route"]["path"]
        assert path in served and endpoints[module["endpoint"]]["auth"]["appSystemToken"]


def test_pages_are_the_connect_modules() -> None:
    modules = manifest()["modules"]
    keys = {m["key"] for kind, ms in modules.items() for m in ms if kind.startswith("jira:")}
    connect = {m["key"] for group in connect_descriptor()["modules"].values()
               for m in (group if isinstance(group, list) else [group])}
    assert keys <= connect
    assert {"manage-repositories", "issue-development", "issue-commits",
            "repository-browser"} <= keys
    # General settings and User settings are subpages (one admin, one global page per app)
    routes = {(kind, page["route"]) for kind in ("jira:adminPage", "jira:globalPage")
              for page in modules[kind][0]["pages"]}
    assert routes == {("jira:adminPage", "repositories"), ("jira:adminPage", "settings"),
                      ("jira:globalPage", "repositories"), ("jira:globalPage", "settings")}
    for kind, resource in (("jira:adminPage", "admin-pages"), ("jira:globalPage", "global-pages")):
        assert modules[kind][0]["resource"] == resource
        assert {route for k, route in routes if k == kind} <= set(ui_build.ROUTES[resource])
    assert modules["devops:developmentInfoProvider"][0]["key"] == "gitbridge-devtool"
    endpoints = {e["key"] for e in manifest()["modules"]["endpoint"]}
    for kind, ms in modules.items():
        for module in ms:
            if "resolver" in module:
                assert module["resolver"]["endpoint"] in endpoints, (kind, module["key"])


def test_every_modules_resource_is_built() -> None:
    built()
    resources = {r["key"]: r["path"] for r in manifest()["resources"]}
    assert set(resources) == set(ui_build.RESOURCES)
    used = {m["resource"] for ms in manifest()["modules"].values() for m in ms if "resource" in m}
    assert used == set(resources)
    # AUI ships in the build: nothing is loaded from outside the resource.
    assert "external" not in manifest()["permissions"]
    for key, path in resources.items():
        for name in ui_build.RESOURCES[key]:
            html = (FORGE / path / name).read_text()
            assert "connect-cdn.atl-paas.net" not in html and "forge-transport.js" in html
            for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
                assert (FORGE / path / ref).is_file(), (key, ref)
