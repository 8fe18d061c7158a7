"""What the sandbox Jira keeps of its own, in ``SANDBOX_DIR`` (owner-only files): the
RSA key it signs installs with, and the shared secret of its installation; for its
Forge installation, the RSA key it signs Forge invocation tokens with (published as its
JWKS) and the secret of the OAuth tokens it hands the app (system and user tokens).

A real Jira keeps these on Atlassian's side; the app never reads them from here. The
key id is derived from the public key, so a new key gets a new id (ids name immutable
keys, which the app caches for a day).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

#: Key ids the app asks the sandbox (not Atlassian's CDN) for, in development only.
KID_PREFIX = "sandbox-"
_lock = threading.Lock()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(text)


class SandboxState:
    def __init__(self, directory: str) -> None:
        self.dir = Path(directory)

    def private_key(self, name: str = "install-key") -> rsa.RSAPrivateKey:
        path = self.dir / f"{name}.pem"
        with _lock:
            if not path.exists():
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                _write_private(path, key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption()).decode())
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        return loaded

    def public_pem(self, name: str = "install-key") -> str:
        return self.private_key(name).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def kid(self, name: str = "install-key") -> str:
        prefix = KID_PREFIX if name == "install-key" else f"{KID_PREFIX}{name}-"
        return prefix + hashlib.sha256(self.public_pem(name).encode()).hexdigest()[:32]

    def oauth_secret(self) -> str:
        """The key of the Forge OAuth tokens (system, user) the sandbox issues."""
        path = self.dir / "forge-oauth-secret"
        with _lock:
            if not path.exists():
                _write_private(path, secrets.token_urlsafe(48))
            return path.read_text().strip()

    def shared_secret(self) -> str | None:
        path = self.dir / "shared-secret"
        return path.read_text().strip() or None if path.exists() else None

    def save_shared_secret(self, secret: str) -> None:
        _write_private(self.dir / "shared-secret", secret)

    @property
    def repos_dir(self) -> Path:
        return self.dir / "repos"
