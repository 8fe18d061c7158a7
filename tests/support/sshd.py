"""A real OpenSSH server for git-over-ssh tests.

Runs ``/usr/sbin/sshd -D -e -f <config>`` on a spare 127.0.0.1 port as the
current user (root is fine), with a host key and an ``authorized_keys`` made
in the test's temporary directory, ``UsePAM no`` and ``StrictModes no`` so it
needs nothing from the system configuration.  Repositories are addressed by
absolute path: ``ssh://USER@127.0.0.1:PORT/abs/path/repo.git``.

:meth:`SshServer.restart` can swap the host key on the same port, which is how
tests simulate a server whose identity changed (or a man in the middle).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SSHD", "SshServer", "ensure_sshd", "free_port", "make_keypair"]

SSHD = "/usr/sbin/sshd"


def ensure_sshd() -> str | None:
    """Path of sshd, installing Debian's openssh-server if we are root and may.

    Returns None when sshd is not available; callers then skip their tests.
    """
    if os.path.exists(SSHD):
        return SSHD
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-q", "openssh-server"], env=env,
                       capture_output=True, check=False, timeout=600)
    return SSHD if os.path.exists(SSHD) else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_keypair(directory: Path, name: str, key_type: str = "ed25519", *,
                 passphrase: str = "", pem: bool = False) -> tuple[str, str]:
    """Generate a key with ssh-keygen; returns (private key text, public key line)."""
    path = directory / name
    args = ["ssh-keygen", "-q", "-t", key_type, "-N", passphrase, "-C", name, "-f", str(path)]
    if key_type == "rsa":
        args[4:4] = ["-b", "2048"]
    if pem:
        args += ["-m", "PEM"]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    return path.read_text(), (directory / f"{name}.pub").read_text().strip()


@dataclass
class SshServer:
    workdir: Path
    authorized_keys: list[str] = field(default_factory=list)
    port: int = 0
    user: str = field(default_factory=getpass.getuser)
    _proc: subprocess.Popen[bytes] | None = None
    _key_generation: int = 0

    @property
    def host_key_path(self) -> Path:
        return self.workdir / f"host_ed25519_{self._key_generation}"

    def url(self, repo: Path) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{repo.resolve()}"

    def host_public_key(self) -> str:
        """``ssh-ed25519 AAAA...`` of the current host key."""
        return " ".join(Path(f"{self.host_key_path}.pub").read_text().split()[:2])

    def known_hosts_line(self) -> str:
        """What ``ssh-keyscan -p PORT 127.0.0.1`` would print for the current key."""
        return f"[127.0.0.1]:{self.port} {self.host_public_key()}\n"

    def _write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.host_key_path.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(self.host_key_path)], check=True, capture_output=True)
        (self.workdir / "authorized_keys").write_text("\n".join(self.authorized_keys) + "\n")
        config = self.workdir / "sshd_config"
        config.write_text(
            "\n".join([
                f"Port {self.port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {self.host_key_path}",
                f"PidFile {self.workdir / 'sshd.pid'}",
                f"AuthorizedKeysFile {self.workdir / 'authorized_keys'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding no",
                "X11Forwarding no",
                "PrintMotd no",
                "MaxStartups 50",
                "LogLevel VERBOSE",
            ]) + "\n"
        )
        return config

    def start(self) -> SshServer:
        sshd = ensure_sshd()
        if sshd is None:
            raise RuntimeError("sshd is not installed (apt-get install openssh-server)")
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        if not self.port:
            self.port = free_port()
        config = self._write_config()
        log = open(self.workdir / "sshd.log", "ab")  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)],
                                      stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.workdir / 'sshd.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"SSH-"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("sshd did not start listening in time")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def restart(self, *, new_host_key: bool = False) -> None:
        """Restart on the same port, optionally with a freshly generated host key."""
        self.stop()
        if new_host_key:
            self._key_generation += 1
        self.start()

    def log_text(self) -> str:
        path = self.workdir / "sshd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> SshServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
