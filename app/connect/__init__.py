"""Atlassian Connect: query-string hashes, token verification and the Flask guards."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.connect.install_keys import InstallKeyStore

    app.extensions["install_keys"] = InstallKeyStore(app.config["INSTALL_KEYS_URL"])
