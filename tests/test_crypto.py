"""Secrets at rest: newest key encrypts, all keys decrypt, rotate-keys re-encrypts."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from app import create_app
from app.crypto import SecretBox, SecretError
from app.extensions import db
from app.models import Tenant
from app.rotation import encrypted_columns


def test_box_round_trip_and_rotation() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = SecretBox([old]).encrypt("s3cret")
    assert "s3cret" not in token
    rotated_box = SecretBox([new, old])
    assert rotated_box.decrypt(token) == "s3cret"
    fresh = rotated_box.rotate(token)
    assert SecretBox([new]).decrypt(fresh) == "s3cret"
    with pytest.raises(SecretError) as info:
        SecretBox([new]).decrypt(token)
    assert token not in str(info.value)


def test_every_secret_column_is_encrypted() -> None:
    names = {f"{t.name}.{c.name}" for t, c in encrypted_columns()}
    assert "tenants.shared_secret" in names


def test_rotate_keys_command(app: Flask, migrated: dict[str, str]) -> None:
    db.session.add(Tenant(client_key="c1", shared_secret="first-secret", base_url="https://a"))
    db.session.add(Tenant(client_key="c2", shared_secret="second-secret", base_url="https://b"))
    db.session.commit()
    old_key = migrated["GITBRIDGE_ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    rotated = create_app({**migrated, "GITBRIDGE_ENCRYPTION_KEYS": f"{new_key},{old_key}"})
    with rotated.app_context():
        result = rotated.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 2" in result.output
    # The old key can now be retired.
    only_new = create_app({**migrated, "GITBRIDGE_ENCRYPTION_KEYS": new_key})
    with only_new.app_context():
        secrets = sorted(t.shared_secret for t in db.session.execute(db.select(Tenant)).scalars())
        assert secrets == ["first-secret", "second-secret"]
        db.session.remove()
        db.engine.dispose()
    with rotated.app_context():
        db.engine.dispose()
