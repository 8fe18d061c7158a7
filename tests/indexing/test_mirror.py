from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.indexing.credentials import (
    GitCredentials,
    git_auth,
    host_key_fingerprints,
    ssh_public_key,
)
from app.indexing.errors import (
    AddressBlocked,
    AuthenticationFailed,
    HostKeyMismatch,
    HostUnreachable,
    InvalidRepositoryUrl,
    NotARepository,
    RedirectRefused,
)
from app.indexing.mirror import Mirror
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, fast_import_history, git, publish
from tests.support.sshd import SshServer, ensure_sshd, free_port, make_keypair

SECRET = "s3cr3t-t0ken-value"


@pytest.fixture
def remote(work: WorkRepo, served_root: Path) -> Path:
    """A served bare repo with two branches, two tags and a refs/pull ref."""
    work.commit("Initial ABC-1", {"README": "hello\n"})
    work.checkout("feature/abc-2", create=True)
    work.commit("Feature ABC-2", {"f.txt": "f\n"})
    work.checkout("main")
    work.tag("v1.0", message="Release 1.0")
    work.tag("light")
    bare = served_root / "repo.git"
    publish(work.path, bare, head="main")
    git("--git-dir", str(bare), "update-ref", "refs/pull/1/head", work.rev("feature/abc-2"))
    return bare


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Route tempfile into a directory we can inspect for leftovers."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.fixture
def git_argv_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a recording ``git`` wrapper first on PATH; returns the argv log file."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    logfile = tmp_path / "git-argv.log"
    wrapper = bindir / "git"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {logfile}\nexec /usr/bin/git "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    return logfile


def all_files_bytes(root: Path) -> Iterator[tuple[Path, bytes]]:
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if path.is_file():
                yield path, path.read_bytes()


# -- HTTP -----------------------------------------------------------------------------


def test_http_fetch_without_auth(remote: Path, http_server: GitHttpServer, tmp_path: Path,
                                 work: WorkRepo) -> None:
    mirror = Mirror(tmp_path / "mirrors" / "m1")
    url = http_server.url("repo.git")
    report = mirror.fetch(url, None, allow_private=True)
    assert report["changed"] is True
    assert report["default_branch"] == "main"
    assert set(mirror.refs()) == {"refs/heads/main", "refs/heads/feature/abc-2",
                                  "refs/tags/v1.0", "refs/tags/light"}
    assert mirror.refs()["refs/heads/main"] == work.rev("main")
    assert mirror.default_branch() == "main"
    assert "refs/pull" not in mirror.git("for-each-ref")
    # nothing changed: no fetch request is made
    before = len(http_server.requests)
    assert mirror.fetch(url, None, allow_private=True)["changed"] is False
    # only ls-remote's single ls-refs POST, no fetch negotiation
    assert [r.method for r in http_server.requests[before:]] == ["GET", "POST"]
    # new commit, deleted branch and tag, new default branch -> all mirrored
    work.commit("More", {"README": "more\n"})
    work.delete_branch("feature/abc-2")
    work.delete_tag("light")
    work.checkout("develop", create=True)
    publish(work.path, remote, head="develop")  # pushes with --prune
    report = mirror.fetch(url, None, allow_private=True)
    assert report["changed"] is True
    assert set(mirror.refs()) == {"refs/heads/main", "refs/heads/develop", "refs/tags/v1.0"}
    assert mirror.default_branch() == "develop"
    config = (mirror.path / "config").read_text()
    assert "127.0.0.1" not in config and "[remote" not in config
    assert not (mirror.path / "FETCH_HEAD").exists()
    mirror.remove()
    assert not mirror.path.exists()


def test_http_basic_auth_secret_never_leaks(remote: Path, auth_http_server: GitHttpServer,
                                            tmp_path: Path, private_tmp: Path,
                                            git_argv_log: Path) -> None:
    mirror = Mirror(tmp_path / "m")
    creds = GitCredentials(username="alice", password=SECRET)
    url = auth_http_server.url("repo.git")
    probe = mirror.probe(url, creds, allow_private=True)
    assert probe["default_branch"] == "main" and "refs/heads/main" in probe["refs"]
    mirror.fetch(url, creds, allow_private=True)
    assert "refs/tags/v1.0" in mirror.refs()
    assert SECRET not in repr(creds)
    # not in the mirror, not in argv, not in any URL sent, no temp files left behind
    for path, data in all_files_bytes(mirror.path):
        assert SECRET.encode() not in data, path
    argv = git_argv_log.read_text()
    assert "ls-remote" in argv and "fetch" in argv
    assert SECRET not in argv
    assert all(SECRET not in r.path for r in auth_http_server.requests)
    assert any(r.headers.get("Authorization", "").startswith("Basic ")
               for r in auth_http_server.requests)
    assert list(private_tmp.iterdir()) == []


def test_http_auth_failures(remote: Path, auth_http_server: GitHttpServer,
                            tmp_path: Path) -> None:
    url = auth_http_server.url("repo.git")
    mirror = Mirror(tmp_path / "m")
    with pytest.raises(AuthenticationFailed) as info:
        mirror.probe(url, GitCredentials(username="alice", password="wrong-password"),
                     allow_private=True)
    assert info.value.permanent
    assert "wrong-password" not in str(info.value) and "wrong-password" not in (
        info.value.detail or "")
    with pytest.raises(AuthenticationFailed):
        mirror.probe(url, None, allow_private=True)
    with pytest.raises(AuthenticationFailed):
        mirror.fetch(url, GitCredentials(username="bob", password=SECRET), allow_private=True)


def test_http_error_kinds(remote: Path, http_server: GitHttpServer, tmp_path: Path) -> None:
    mirror = Mirror(tmp_path / "m")
    with pytest.raises(NotARepository) as not_repo:
        mirror.probe(http_server.url("missing.git"), None, allow_private=True)
    assert not_repo.value.permanent
    with pytest.raises(HostUnreachable) as unreachable:
        mirror.probe(f"http://127.0.0.1:{free_port()}/repo.git", None, allow_private=True)
    assert not unreachable.value.permanent
    with pytest.raises(HostUnreachable):
        mirror.probe("https://no-such-host.invalid/repo.git", None, allow_private=True)
    for bad in ("file:///etc", str(remote), "ext::sh -c id", "ftp://h/r",
                "https://u:p@example.com/r.git"):
        with pytest.raises(InvalidRepositoryUrl) as invalid:
            mirror.probe(bad, None, allow_private=True)
        assert invalid.value.permanent
    assert not mirror.path.exists()


def test_ssrf_guard(remote: Path, http_server: GitHttpServer, tmp_path: Path) -> None:
    mirror = Mirror(tmp_path / "m")
    for url in (http_server.url("repo.git"),
                f"http://localhost:{http_server.port}/repo.git"):
        with pytest.raises(AddressBlocked) as info:
            mirror.fetch(url, None, allow_private=False)
        assert "GITBRIDGE_ALLOW_PRIVATE_HOSTS=1" in str(info.value)
        assert isinstance(info.value, InvalidRepositoryUrl)
    assert http_server.requests == []
    # a host name is pinned to the address that was checked
    with git_auth(f"http://localhost:{http_server.port}/repo.git", None,
                  allow_private=True) as auth:
        assert f"http.curloptResolve=localhost:{http_server.port}:127.0.0.1" in auth.config
        assert "http.followRedirects=false" in auth.config
        assert "http.sslVerify=false" not in auth.config
    assert mirror.fetch(f"http://localhost:{http_server.port}/repo.git", None,
                        allow_private=True)["refs"]
    with git_auth("https://127.0.0.1/r.git", GitCredentials(ssl_verify=False),
                  allow_private=True) as auth:
        assert "http.sslVerify=false" in auth.config


def test_redirect_is_refused(remote: Path, http_server: GitHttpServer, tmp_path: Path) -> None:
    http_server.redirects["/old-name.git"] = "/repo.git"
    with pytest.raises(RedirectRefused) as info:
        Mirror(tmp_path / "m").probe(http_server.url("old-name.git"), None, allow_private=True)
    assert "redirect" in str(info.value) and "301" in str(info.value)
    assert info.value.permanent


def test_empty_repository(served_root: Path, http_server: GitHttpServer,
                          tmp_path: Path) -> None:
    git("init", "--bare", "--quiet", str(served_root / "empty.git"))
    mirror = Mirror(tmp_path / "m")
    assert mirror.probe(http_server.url("empty.git"), None, allow_private=True)["refs"] == {}
    report = mirror.fetch(http_server.url("empty.git"), None, allow_private=True)
    assert report["refs"] == {} and mirror.default_branch() is None


# -- SSH ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ssh_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if ensure_sshd() is None:
        pytest.skip("sshd (openssh-server) is not installed and cannot be installed")
    base = tmp_path_factory.mktemp("ssh")
    keys = {
        "ed25519": make_keypair(base, "id_ed25519"),
        "rsa_pem": make_keypair(base, "id_rsa_pem", "rsa", pem=True),
        "passphrase": make_keypair(base, "id_pass", passphrase="open sesame"),
        "unauthorised": make_keypair(base, "id_other"),
    }
    work = WorkRepo(base / "work")
    work.commit("Over ssh ABC-9", {"a": "a\n"})
    publish(work.path, base / "repo.git", head="main")
    server = SshServer(base / "sshd", [keys[k][1] for k in ("ed25519", "rsa_pem", "passphrase")])
    with server:
        yield {"server": server, "keys": keys, "repo": base / "repo.git", "work": work}


@pytest.mark.parametrize("key", ["ed25519", "rsa_pem"])
def test_ssh_fetch_with_key(ssh_env: dict, key: str, tmp_path: Path, private_tmp: Path) -> None:
    server: SshServer = ssh_env["server"]
    private = ssh_env["keys"][key][0]
    mirror = Mirror(tmp_path / "m")
    report = mirror.fetch(server.url(ssh_env["repo"]), GitCredentials(ssh_private_key=private),
                          allow_private=True)
    assert mirror.refs()["refs/heads/main"] == ssh_env["work"].rev("main")
    assert report["known_hosts"] == server.known_hosts_line()
    assert report["host_key_fingerprints"][0].startswith("256 SHA256:")
    for _, data in all_files_bytes(mirror.path):
        assert private.encode() not in data
    assert list(private_tmp.iterdir()) == []  # key file removed with the temp dir


def test_ssh_key_with_passphrase(ssh_env: dict, tmp_path: Path) -> None:
    server: SshServer = ssh_env["server"]
    private = ssh_env["keys"]["passphrase"][0]
    url = server.url(ssh_env["repo"])
    creds = GitCredentials(ssh_private_key=private, ssh_passphrase="open sesame")
    assert Mirror(tmp_path / "m").probe(url, creds, allow_private=True)["refs"]
    with pytest.raises(AuthenticationFailed) as info:
        Mirror(tmp_path / "m").probe(
            url, GitCredentials(ssh_private_key=private, ssh_passphrase="wrong-phrase"),
            allow_private=True)
    assert "passphrase" in str(info.value) and "wrong-phrase" not in str(info.value)
    with pytest.raises(AuthenticationFailed) as info:
        Mirror(tmp_path / "m").probe(url, GitCredentials(ssh_private_key=private),
                                     allow_private=True)
    assert "passphrase" in str(info.value)
    public = ssh_env["keys"]["passphrase"][1]
    assert ssh_public_key(private, "open sesame").split()[:2] == public.split()[:2]


def test_ssh_failures(ssh_env: dict, tmp_path: Path) -> None:
    server: SshServer = ssh_env["server"]
    mirror = Mirror(tmp_path / "m")
    with pytest.raises(AuthenticationFailed):
        mirror.probe(server.url(ssh_env["repo"]),
                     GitCredentials(ssh_private_key=ssh_env["keys"]["unauthorised"][0]),
                     allow_private=True)
    with pytest.raises(AuthenticationFailed):  # no key: never falls back to ~/.ssh or an agent
        mirror.probe(server.url(ssh_env["repo"]), None, allow_private=True)
    good = GitCredentials(ssh_private_key=ssh_env["keys"]["ed25519"][0])
    with pytest.raises(NotARepository):
        mirror.probe(server.url(tmp_path / "nope.git"), good, allow_private=True)
    with pytest.raises(HostUnreachable):
        mirror.probe(f"ssh://git@127.0.0.1:{free_port()}/r.git", good, allow_private=True)
    with pytest.raises(AddressBlocked):
        mirror.probe(server.url(ssh_env["repo"]), good, allow_private=False)
    with pytest.raises(AuthenticationFailed) as info:
        mirror.probe(server.url(ssh_env["repo"]),
                     GitCredentials(ssh_private_key="not a key"), allow_private=True)
    assert "could not be read" in str(info.value)


def test_ssh_git_ssh_command_has_no_secret(ssh_env: dict) -> None:
    creds = GitCredentials(ssh_private_key=ssh_env["keys"]["passphrase"][0],
                           ssh_passphrase="open sesame")
    with git_auth(ssh_env["server"].url(ssh_env["repo"]), creds, allow_private=True) as auth:
        command = auth.env["GIT_SSH_COMMAND"]
        assert "open sesame" not in command and "PRIVATE KEY" not in command
        assert "StrictHostKeyChecking=accept-new" in command
        assert "IdentitiesOnly=yes" in command and "PasswordAuthentication=no" in command
        assert all("open sesame" not in arg for arg in auth.config)
        key_file = Path(command.split(" -i ")[1].split()[0])
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert key_file.parent.stat().st_mode & 0o777 == 0o700
    assert not key_file.exists()


def test_ssh_host_key_pinning(tmp_path: Path) -> None:
    if ensure_sshd() is None:
        pytest.skip("sshd (openssh-server) is not installed")
    private, public = make_keypair(tmp_path, "id")
    work = WorkRepo(tmp_path / "work")
    work.commit("pin")
    publish(work.path, tmp_path / "repo.git", head="main")
    with SshServer(tmp_path / "sshd", [public]) as server:
        url = server.url(tmp_path / "repo.git")
        mirror = Mirror(tmp_path / "m")
        # trust on first use: the learnt entry is handed back for pinning
        learnt = mirror.fetch(url, GitCredentials(ssh_private_key=private),
                              allow_private=True)["known_hosts"]
        assert learnt == server.known_hosts_line()
        fingerprint = host_key_fingerprints(learnt)[0].split()[1]
        assert fingerprint.startswith("SHA256:")
        pinned = GitCredentials(ssh_private_key=private, known_hosts=learnt)
        assert mirror.fetch(url, pinned, allow_private=True)["known_hosts"] == learnt
        # an ssh-keyscan style line pins as well
        keyscan = GitCredentials(ssh_private_key=private, known_hosts=server.known_hosts_line())
        assert mirror.probe(url, keyscan, allow_private=True)["refs"]
        # the server's key changes: strict checking refuses
        server.restart(new_host_key=True)
        with pytest.raises(HostKeyMismatch) as info:
            mirror.fetch(url, pinned, allow_private=True)
        assert info.value.permanent
        assert "changed" in str(info.value)
        assert "SHA256:" in str(info.value)
        # a pin for a different key on another host name is also a mismatch
        other = GitCredentials(ssh_private_key=private,
                               known_hosts=learnt.replace("[127.0.0.1]", "[other.example]"))
        with pytest.raises(HostKeyMismatch):
            mirror.probe(url, other, allow_private=True)


def test_test_server_handles_gzip_and_chunked_bodies(served_root: Path,
                                                      http_server: GitHttpServer,
                                                      tmp_path: Path) -> None:
    """The helper must cope with request bodies exactly as git sends them."""
    bare = fast_import_history(served_root / "many.git", 150, 0)
    shas = git("--git-dir", str(bare), "rev-list", "main").split()
    updates = "".join(f"create refs/heads/b{i:04d} {sha}\n" for i, sha in enumerate(shas))
    git("--git-dir", str(bare), "update-ref", "--stdin", input=updates.encode())
    # protocol v0 sends all wants in one POST: > 1 KiB is gzipped, and larger
    # than http.postBuffer it is streamed with chunked transfer encoding
    for n, post_buffer in enumerate(("1048576", "2048")):
        git("-c", f"http.postBuffer={post_buffer}", "-c", "protocol.version=0", "clone",
            "--quiet", "--mirror", http_server.url("many.git"), str(tmp_path / f"c{n}.git"))
        refs = git("--git-dir", str(tmp_path / f"c{n}.git"), "for-each-ref").splitlines()
        assert len(refs) == len(shas) + 1  # b*, main
    posts = [r for r in http_server.requests if r.method == "POST"]
    assert any(r.headers.get("Content-Encoding") == "gzip" for r in posts)
    assert any("chunked" in r.headers.get("Transfer-Encoding", "") for r in posts)
    assert all(r.status == 200 for r in http_server.requests)
