"""Handing credentials to one git run without leaking them.

Where secrets may NOT go:

* the URL (it ends up in ``config``, reflogs, error messages, ``ps``),
* the command line (``ps`` shows argv to every local user),
* any file that outlives the run (the mirror's ``config``, a credential store).

So for HTTPS we point ``GIT_ASKPASS`` at a tiny script in a private 0700
temporary directory.  The script contains no secret: it prints the value of
an environment variable that only the git child (and its helpers) receives.
For SSH the private key is written, mode 0600, into the same directory and
passed with ``-i``; a passphrase reaches ssh through the same askpass script
via ``SSH_ASKPASS`` + ``SSH_ASKPASS_REQUIRE=force``.  The directory is always
removed when the context manager exits.

Host keys: a pinned ``known_hosts`` makes ssh check strictly; without one we
use ``accept-new`` and afterwards expose the learnt entry
(:meth:`GitAuth.known_hosts`) so the caller can pin it (trust on first use)
and show its fingerprint (:func:`host_key_fingerprints`) to the admin.

SSRF: the URL is checked by :mod:`app.netguard` right before the run and the
connection is pinned to the checked addresses (``http.curloptResolve`` for
HTTP, ssh ``HostName`` + ``HostKeyAlias``), and HTTP redirects are not
followed, so neither DNS rebinding nor a redirect can reach another host.
We also keep the operator's own identity out: ``HOME`` points at the temp dir
(no ``~/.netrc`` for curl), the ssh agent is not used, and ssh gets
``-F /dev/null`` and ``IdentityFile=none`` when no key is configured.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app import netguard
from app.indexing.errors import (
    AddressBlocked,
    AuthenticationFailed,
    HostNotFound,
    InvalidRepositoryUrl,
)

__all__ = ["GitAuth", "GitCredentials", "git_auth", "host_key_fingerprints", "ssh_public_key"]

ASKPASS_SCRIPT = """#!/bin/sh
# Prints a value git or ssh asks for; values come from this process's
# environment, never from this file.
case "$1" in
  Username*|username*) v="$GITBRIDGE_ASKPASS_USERNAME" ;;
  Password*|password*) v="$GITBRIDGE_ASKPASS_PASSWORD" ;;
  "Enter passphrase"*) v="$GITBRIDGE_ASKPASS_PASSPHRASE" ;;
  *) exit 1 ;;
esac
[ -n "$v" ] || exit 1
printf '%s\\n' "$v"
"""


@dataclass(frozen=True, slots=True)
class GitCredentials:
    """Credentials of one integration; secrets are hidden from ``repr``."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssh_private_key: str | None = field(default=None, repr=False)
    ssh_passphrase: str | None = field(default=None, repr=False)
    known_hosts: str | None = None
    ssl_verify: bool = True

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in messages or files."""
        return tuple(s for s in (self.password, self.ssh_private_key, self.ssh_passphrase) if s)


@dataclass(slots=True)
class GitAuth:
    """What one git run needs: ``-c`` options, extra env and secrets to scrub."""

    url: str
    scheme: str
    config: list[str]
    env: dict[str, str]
    secrets: tuple[str, ...]
    known_hosts_path: Path | None = None

    def known_hosts(self) -> str | None:
        """Current known_hosts text (learnt on first use), or None for HTTP(S)."""
        if self.known_hosts_path is None or not self.known_hosts_path.exists():
            return None
        text = self.known_hosts_path.read_text("utf-8", "replace")
        return text if text.strip() else None


def _write_private(path: Path, content: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)


def _normalise_block(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text + "\n"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@contextmanager
def git_auth(
    url: str,
    creds: GitCredentials | None,
    *,
    allow_private: bool,
    connect_timeout: int = 20,
) -> Iterator[GitAuth]:
    """Check ``url`` and prepare config/env for a single network git command.

    Raises InvalidRepositoryUrl (bad URL), AddressBlocked (SSRF guard) or
    HostNotFound (DNS) before anything is written to disk.
    """
    creds = creds or GitCredentials()
    try:
        parsed = netguard.parse_git_url(url)
        addresses = netguard.resolve_checked(
            parsed.host, parsed.port, allow_private=allow_private
        )
    except netguard.InvalidUrl as exc:
        raise InvalidRepositoryUrl(str(exc)) from None
    except netguard.BlockedAddress as exc:
        raise AddressBlocked(str(exc)) from None
    except netguard.UnresolvableHost:
        raise HostNotFound.named(parsed.host) from None

    tmp = Path(tempfile.mkdtemp(prefix="gitbridge-git-"))
    try:
        os.chmod(tmp, 0o700)
        askpass = tmp / "askpass.sh"
        _write_private(askpass, ASKPASS_SCRIPT, 0o700)
        config = [
            "-c", "credential.helper=",
            "-c", "protocol.allow=never",
            "-c", f"protocol.{parsed.scheme}.allow=always",
        ]
        env = {
            "HOME": str(tmp),
            "GIT_ASKPASS": str(askpass),
            "GITBRIDGE_ASKPASS_USERNAME": creds.username or "",
            "GITBRIDGE_ASKPASS_PASSWORD": creds.password or "",
        }
        known_hosts_path: Path | None = None
        if parsed.scheme in ("http", "https"):
            config += [
                "-c", "http.followRedirects=false",
                "-c", "http.lowSpeedLimit=1000",
                "-c", "http.lowSpeedTime=60",
            ]
            if not _is_ip(parsed.host):
                pinned = ",".join(f"[{a}]" if ":" in a else a for a in addresses)
                config += ["-c", f"http.curloptResolve={parsed.host}:{parsed.port}:{pinned}"]
            if not creds.ssl_verify:
                config += ["-c", "http.sslVerify=false"]
        else:
            known_hosts_path = tmp / "known_hosts"
            _write_private(
                known_hosts_path,
                _normalise_block(creds.known_hosts) if creds.known_hosts else "",
                0o600,
            )
            alias = parsed.host if parsed.port == 22 else f"[{parsed.host}]:{parsed.port}"
            ssh = [
                "ssh", "-F", "/dev/null",
                "-o", "IdentitiesOnly=yes",
                "-o", "IdentityAgent=none",
                "-o", f"BatchMode={'no' if creds.ssh_passphrase else 'yes'}",
                "-o", f"UserKnownHostsFile={known_hosts_path}",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", f"StrictHostKeyChecking={'yes' if creds.known_hosts else 'accept-new'}",
                "-o", "PasswordAuthentication=no",
                "-o", "KbdInteractiveAuthentication=no",
                "-o", "CheckHostIP=no",
                "-o", f"ConnectTimeout={int(connect_timeout)}",
                "-o", "ServerAliveInterval=15",
                "-o", "ServerAliveCountMax=4",
                "-o", "LogLevel=ERROR",
                "-o", f"HostKeyAlias={alias}",
            ]
            if not _is_ip(parsed.host):
                ssh += ["-o", f"HostName={addresses[0]}"]
            if parsed.username is None and creds.username:
                ssh += ["-o", f"User={creds.username}"]
            if creds.ssh_private_key:
                key_path = tmp / "id_key"
                _write_private(key_path, _normalise_block(creds.ssh_private_key), 0o600)
                _load_key(key_path, askpass, creds.ssh_passphrase)
                ssh += ["-i", str(key_path)]
            else:
                ssh += ["-o", "IdentityFile=none"]
            env.update(
                {
                    "GIT_SSH_COMMAND": shlex.join(ssh),
                    "GIT_SSH_VARIANT": "ssh",
                    "SSH_ASKPASS": str(askpass),
                    "SSH_ASKPASS_REQUIRE": "force",
                    "DISPLAY": ":0",
                    "GITBRIDGE_ASKPASS_PASSPHRASE": creds.ssh_passphrase or "",
                }
            )
        yield GitAuth(url, parsed.scheme, config, env, creds.secrets(), known_hosts_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def host_key_fingerprints(known_hosts: str) -> list[str]:
    """``ssh-keygen -lf`` lines (e.g. ``256 SHA256:abc [host]:22 (ED25519)``).

    Shown to the admin so they can compare with the server's real fingerprint
    before trusting a key that was learnt on first use.
    """
    tmp = Path(tempfile.mkdtemp(prefix="gitbridge-kh-"))
    try:
        path = tmp / "known_hosts"
        _write_private(path, _normalise_block(known_hosts), 0o600)
        proc = subprocess.run(
            ["ssh-keygen", "-l", "-f", str(path)],
            capture_output=True, text=True, timeout=30, check=False,
        )
        return [line for line in proc.stdout.splitlines() if line.strip()]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load_key(key_path: Path, askpass: Path, passphrase: str | None) -> str:
    """Return the public key of ``key_path`` or raise a precise AuthenticationFailed.

    ssh itself reports a bad key or a wrong passphrase only as "Permission
    denied (publickey)", which would send the admin looking at the server.
    ``ssh-keygen -y`` reads the key exactly as ssh does (OpenSSH and PEM
    formats) and gets the passphrase through the same askpass script.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C",
        "SSH_ASKPASS": str(askpass),
        "SSH_ASKPASS_REQUIRE": "force",
        "DISPLAY": ":0",
        "GITBRIDGE_ASKPASS_PASSPHRASE": passphrase or "",
    }
    proc = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(key_path)], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=30, check=False, start_new_session=True,
    )
    if proc.returncode == 0 and proc.stdout.strip():
        return proc.stdout.strip()
    if "passphrase" in proc.stderr:
        raise AuthenticationFailed(
            "The SSH private key is protected by a passphrase, and the passphrase is "
            "missing or wrong."
        )
    raise AuthenticationFailed(
        "The SSH private key could not be read. Paste the whole private key "
        "(OpenSSH or PEM format, including the BEGIN/END lines)."
    )


def ssh_public_key(private_key: str, passphrase: str | None = None) -> str:
    """The public key line for a private key, e.g. to show as the deploy key to add.

    Raises AuthenticationFailed when the key cannot be read or the passphrase is wrong.
    """
    tmp = Path(tempfile.mkdtemp(prefix="gitbridge-key-"))
    try:
        askpass = tmp / "askpass.sh"
        _write_private(askpass, ASKPASS_SCRIPT, 0o700)
        key_path = tmp / "id_key"
        _write_private(key_path, _normalise_block(private_key), 0o600)
        return _load_key(key_path, askpass, passphrase)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
