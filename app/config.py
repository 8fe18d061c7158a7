"""Configuration, read from the environment by the application factory.

Nothing here runs at import time: ``load_config`` is called by ``create_app`` with the
environment it should use, so tests can pass a plain mapping and production reads
``os.environ``. The variable names are part of the external contract.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which variable and why."""


DEFAULTS: dict[str, str] = {
    "GITBRIDGE_ENV": "development",
    "GITBRIDGE_BASE_URL": "http://localhost:5000",
    "GITBRIDGE_APP_KEY": "gitbridge-for-jira",
    "GITBRIDGE_REDIS_URL": "redis://127.0.0.1:6379/0",
    "GITBRIDGE_INSTALL_KEYS_URL": "https://connect-install-keys.atlassian.com",
    "GITBRIDGE_ALLOWED_JIRA_HOSTS": "atlassian.net,jira.com,jira-dev.com",
    "GITBRIDGE_FORGE_JWKS_URL": "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json",
    "GITBRIDGE_FORGE_API_HOSTS": "api.atlassian.com",
}

#: What a Forge app id looks like (``app.id`` in the manifest, the FIT's ``aud``).
FORGE_APP_ID = re.compile(r"^ari:cloud:ecosystem::app/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")

#: Secrets production must be given explicitly; development generates and keeps them.
REQUIRED_IN_PRODUCTION = ("GITBRIDGE_SECRET_KEY", "GITBRIDGE_ENCRYPTION_KEYS")


#: What a queue prefix may look like: it starts RQ queue names and Redis keys.
QUEUE_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")


def default_queue_prefix(app_key: str) -> str:
    """``gb-`` and a short hash of the app key: two deployments with different app keys
    never share queues or locks on one Redis, without anyone choosing a name."""
    return "gb-" + hashlib.sha256(app_key.encode()).hexdigest()[:10]


def _queue_prefix(env: Mapping[str, str]) -> str:
    prefix = env.get("GITBRIDGE_QUEUE_PREFIX", "").strip() or default_queue_prefix(
        env["GITBRIDGE_APP_KEY"])
    if not QUEUE_PREFIX.match(prefix):
        raise ConfigError(
            "GITBRIDGE_QUEUE_PREFIX must be 1-48 letters, digits, '.', '_' or '-' "
            f"(starting with a letter or digit), not {prefix!r}"
        )
    return prefix


def _metrics(env: Mapping[str, str], environ: Mapping[str, str], instance: Path
             ) -> dict[str, Any]:
    """Where prometheus-client's multiprocess files go (every process of one deployment
    on a machine must share it), and the scrape token."""
    return {
        "METRICS_DIR": environ.get("PROMETHEUS_MULTIPROC_DIR") or str(instance / "metrics"),
        "METRICS_TOKEN": env.get("GITBRIDGE_METRICS_TOKEN", "").strip() or None,
    }


def parse_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def parse_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _instance_secret(instance: Path, name: str, make: Any) -> str:
    """Return a development secret kept in the instance folder, creating it once.

    Development must survive restarts without the developer inventing keys, and the
    data encrypted with the key must stay readable, so the key is written to disk with
    owner-only permissions the first time.
    """
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = str(make())
    path.touch(mode=0o600)
    path.write_text(value)
    return value


def _check_fernet_keys(keys: list[str]) -> None:
    for index, key in enumerate(keys):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"GITBRIDGE_ENCRYPTION_KEYS: key #{index + 1} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes); make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`"
            ) from exc


def _oauth_clients(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``{kind: (client_id, client_secret)}`` for every OAuth app configured; a kind
    without one is not offered OAuth. Which apps exist (their variable prefixes and the
    kinds each serves) is the host registry's ``oauth_apps()``."""
    from app.hosts import oauth_apps

    clients: dict[str, tuple[str, str]] = {}
    for prefix, kinds in oauth_apps().items():
        client_id = env.get(f"{prefix}_CLIENT_ID", "").strip()
        secret = env.get(f"{prefix}_CLIENT_SECRET", "").strip()
        if bool(client_id) != bool(secret):
            raise ConfigError(
                f"{prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET must be set together"
            )
        if client_id:
            clients.update({kind: (client_id, secret) for kind in kinds})
    return clients


def _forge(env: Mapping[str, str], production: bool) -> dict[str, Any]:
    """The Forge Remote settings; no app id means no Forge surface at all."""
    app_id = env.get("GITBRIDGE_FORGE_APP_ID", "").strip()
    if app_id and not FORGE_APP_ID.match(app_id):
        raise ConfigError(
            "GITBRIDGE_FORGE_APP_ID must be the Forge app's id as `forge register` prints it "
            "and manifest.yml's app.id holds it: ari:cloud:ecosystem::app/<uuid>"
        )
    jwks_url = env["GITBRIDGE_FORGE_JWKS_URL"].strip()
    if not jwks_url.startswith(("https://", "http://")) or (
        production and not jwks_url.startswith("https://")
    ):
        raise ConfigError("GITBRIDGE_FORGE_JWKS_URL must be an absolute https URL")
    return {
        "FORGE_APP_ID": app_id or None,
        "FORGE_JWKS_URL": jwks_url,
        "FORGE_API_HOSTS": [h.lower() for h in parse_list(env["GITBRIDGE_FORGE_API_HOSTS"])],
        # Seconds between JWKS fetches for unknown key ids, so random kids cannot make
        # the app hammer Atlassian's CDN.
        "FORGE_JWKS_REFRESH_FLOOR": 30.0,
        # A stored system token this close to its expiry is no longer handed out.
        "FORGE_TOKEN_MARGIN": 60,
    }


def load_config(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Build the Flask config mapping from ``environ``.

    Raises:
        ConfigError: production is missing a secret, or a value is malformed.
    """
    env = {**DEFAULTS, **{k: v for k, v in environ.items() if k.startswith("GITBRIDGE_")}}
    instance = Path(instance_path)
    mode = env["GITBRIDGE_ENV"]
    if mode not in {"development", "production"}:
        raise ConfigError("GITBRIDGE_ENV must be 'development' or 'production'")
    production = mode == "production"

    if production:
        for name in REQUIRED_IN_PRODUCTION:
            if not env.get(name, "").strip():
                raise ConfigError(f"{name} is required when GITBRIDGE_ENV=production")
    secret_key = env.get("GITBRIDGE_SECRET_KEY") or _instance_secret(
        instance, "secret_key", lambda: secrets.token_urlsafe(48)
    )
    keys = parse_list(
        env.get("GITBRIDGE_ENCRYPTION_KEYS")
        or _instance_secret(instance, "encryption_key", lambda: Fernet.generate_key().decode())
    )
    _check_fernet_keys(keys)

    base_url = env["GITBRIDGE_BASE_URL"].rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError("GITBRIDGE_BASE_URL must be an absolute http(s) URL")
    if production and not base_url.startswith("https://"):
        raise ConfigError("GITBRIDGE_BASE_URL must use https in production (Jira requires it)")

    database_url = env.get("GITBRIDGE_DATABASE_URL") or f"sqlite:///{instance / 'gitbridge.db'}"
    allow_private = env.get("GITBRIDGE_ALLOW_PRIVATE_HOSTS")
    return {
        "ENV_NAME": mode,
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": keys,
        "BASE_URL": base_url,
        "APP_KEY": env["GITBRIDGE_APP_KEY"],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env["GITBRIDGE_REDIS_URL"],
        "QUEUE_PREFIX": _queue_prefix(env),
        **_metrics(env, environ, instance),
        "INSTALL_KEYS_URL": env["GITBRIDGE_INSTALL_KEYS_URL"].rstrip("/"),
        "ALLOWED_JIRA_HOSTS": [
            h.lower().lstrip(".") for h in parse_list(env["GITBRIDGE_ALLOWED_JIRA_HOSTS"])
        ],
        "ALLOW_PRIVATE_HOSTS": parse_bool(allow_private)
        if allow_private is not None
        else not production,
        "DATA_DIR": env.get("GITBRIDGE_DATA_DIR") or str(instance / "repos"),
        # The development sandbox (never in production): on unless GITBRIDGE_SANDBOX=off,
        # for a developer whose app is installed on a real Jira site through a tunnel.
        "SANDBOX": not production and parse_bool(env.get("GITBRIDGE_SANDBOX") or "on"),
        # The development sandbox's own state (its signing key, its example repositories).
        "SANDBOX_DIR": env.get("GITBRIDGE_SANDBOX_DIR") or str(instance / "sandbox"),
        # Seconds a dead worker's repository lock outlives it (heartbeat every third).
        "INDEX_LOCK_TTL": float(env.get("GITBRIDGE_INDEX_LOCK_TTL") or 30),
        # Webhooks: per-integration rate, body size limit, how long deliveries are kept.
        "WEBHOOK_RATE_PER_MINUTE": int(env.get("GITBRIDGE_WEBHOOK_RATE_PER_MINUTE") or 1200),
        # GitHub and GitLab send deliveries of up to 25 MB (and drop larger ones).
        "WEBHOOK_MAX_BYTES": 25 * 1024 * 1024,
        # The JSON API's bodies (settings, credentials, an SSH key) are small; anything
        # larger is refused with 413 before it is read.
        "API_MAX_BYTES": 1024 * 1024,
        # Seconds a check a person waits on (the wizard's test of a host: API calls,
        # git ls-remote) may take before it fails with advice instead of hanging.
        "HOST_CHECK_TIMEOUT": float(env.get("GITBRIDGE_HOST_CHECK_TIMEOUT") or 15),
        "WEBHOOK_RETENTION_DAYS": 7,
        # Connect tokens: seconds of clock skew tolerated on exp/iat.
        "JWT_LEEWAY": 30,
        # Jira permission answers are cached this many seconds per user and scope.
        "PERMISSION_CACHE_SECONDS": 60,
        # OAuth apps per host kind: {kind: (client_id, client_secret)}.
        "OAUTH_CLIENTS": _oauth_clients(env),
        **_forge(env, production),
    }
