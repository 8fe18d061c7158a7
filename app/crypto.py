"""Secrets at rest: every secret the app stores goes through this module.

Fernet with rotation: the first key in ``GITBRIDGE_ENCRYPTION_KEYS`` encrypts, every key
decrypts, and ``gitbridge rotate-keys`` re-encrypts stored values with the newest key so
old keys can then be retired. Models declare secret columns as ``Encrypted`` and never
see ciphertext; raw values never leave this module in logs or errors.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class SecretError(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


class SecretBox:
    """Encrypts with the newest key, decrypts with any."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            # Say what is wrong without echoing the token.
            raise SecretError(
                "a stored secret could not be decrypted with any key in "
                "GITBRIDGE_ENCRYPTION_KEYS (was a key removed before `gitbridge rotate-keys`?)"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretError("a stored secret could not be decrypted for rotation") from exc


def init_app(app: Flask) -> None:
    app.extensions["secret_box"] = SecretBox(app.config["ENCRYPTION_KEYS"])


def box() -> SecretBox:
    box_: SecretBox = current_app.extensions["secret_box"]
    return box_


class Encrypted(TypeDecorator[str]):
    """A text column holding a Fernet token; Python code sees the plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else box().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else box().decrypt(value)
