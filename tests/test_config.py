"""Configuration from the environment; production refuses to start without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app import create_app
from app.config import ConfigError, load_config

KEY = Fernet.generate_key().decode()


def test_defaults_match_the_contract(tmp_path: Path) -> None:
    config = load_config({}, str(tmp_path))
    assert config["BASE_URL"] == "http://localhost:5000"
    assert config["APP_KEY"] == "gitbridge-for-jira"
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'gitbridge.db'}"
    assert config["INSTALL_KEYS_URL"] == "https://connect-install-keys.atlassian.com"
    assert config["ALLOWED_JIRA_HOSTS"] == ["atlassian.net", "jira.com", "jira-dev.com"]
    assert config["ALLOW_PRIVATE_HOSTS"] is True
    assert config["DATA_DIR"] == str(tmp_path / "repos")


def test_development_keeps_generated_secrets(tmp_path: Path) -> None:
    first = load_config({}, str(tmp_path))
    second = load_config({}, str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["ENCRYPTION_KEYS"] == second["ENCRYPTION_KEYS"]
    assert (tmp_path / "encryption_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("missing", ["GITBRIDGE_SECRET_KEY", "GITBRIDGE_ENCRYPTION_KEYS"])
def test_production_names_the_missing_secret(tmp_path: Path, missing: str) -> None:
    env = {
        "GITBRIDGE_ENV": "production",
        "GITBRIDGE_BASE_URL": "https://gb.example.com",
        "GITBRIDGE_SECRET_KEY": "k",
        "GITBRIDGE_ENCRYPTION_KEYS": KEY,
    }
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        create_app(env)
    assert not (tmp_path / "secret_key").exists()


def test_production_defaults(tmp_path: Path) -> None:
    env = {
        "GITBRIDGE_ENV": "production",
        "GITBRIDGE_BASE_URL": "https://gb.example.com/",
        "GITBRIDGE_SECRET_KEY": "k",
        "GITBRIDGE_ENCRYPTION_KEYS": f"{KEY}, {KEY}",
    }
    config = load_config(env, str(tmp_path))
    assert config["ALLOW_PRIVATE_HOSTS"] is False
    assert config["BASE_URL"] == "https://gb.example.com"
    assert len(config["ENCRYPTION_KEYS"]) == 2


def test_bad_values_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GITBRIDGE_ENCRYPTION_KEYS"):
        load_config({"GITBRIDGE_ENCRYPTION_KEYS": "not-a-key"}, str(tmp_path))
    with pytest.raises(ConfigError, match="https"):
        load_config(
            {
                "GITBRIDGE_ENV": "production",
                "GITBRIDGE_SECRET_KEY": "k",
                "GITBRIDGE_ENCRYPTION_KEYS": KEY,
            },
            str(tmp_path),
        )
    with pytest.raises(ConfigError, match="GITBRIDGE_ENV"):
        load_config({"GITBRIDGE_ENV": "staging"}, str(tmp_path))


def test_host_checks_and_body_limits(tmp_path: Path) -> None:
    config = load_config({}, str(tmp_path))
    assert config["HOST_CHECK_TIMEOUT"] == 15.0
    assert config["API_MAX_BYTES"] == 1024 * 1024
    assert config["WEBHOOK_MAX_BYTES"] == 25 * 1024 * 1024  # GitHub's and GitLab's cap
    faster = load_config({"GITBRIDGE_HOST_CHECK_TIMEOUT": "4.5"}, str(tmp_path))
    assert faster["HOST_CHECK_TIMEOUT"] == 4.5


def test_the_sandbox_is_on_in_development_unless_turned_off(tmp_path: Path,
                                                            migrated: dict[str, str]) -> None:
    assert load_config({}, str(tmp_path))["SANDBOX"] is True
    assert load_config({"GITBRIDGE_SANDBOX": "off"}, str(tmp_path))["SANDBOX"] is False
    production = {"GITBRIDGE_ENV": "production", "GITBRIDGE_BASE_URL": "https://gb.example.com",
                  "GITBRIDGE_SECRET_KEY": "k", "GITBRIDGE_ENCRYPTION_KEYS": KEY,
                  "GITBRIDGE_SANDBOX": "on"}
    assert load_config(production, str(tmp_path))["SANDBOX"] is False
    for setting, present in (("on", True), ("off", False)):
        app = create_app({**migrated, "GITBRIDGE_SANDBOX": setting})
        routes = {rule.rule for rule in app.url_map.iter_rules()}
        assert ("/dev/" in routes) is present, setting
        assert (app.test_client().get("/dev/").status_code == 404) is not present
