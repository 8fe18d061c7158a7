from __future__ import annotations

import pytest

from app.netguard import (
    BlockedAddress,
    InvalidUrl,
    UnresolvableHost,
    check_url,
    is_blocked_ip,
    parse_git_url,
    resolve_checked,
)


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port", "user", "path"),
    [
        ("https://github.com/org/repo.git", "https", "github.com", 443, None, "/org/repo.git"),
        ("http://Example.COM:8080/r", "http", "example.com", 8080, None, "/r"),
        ("https://bob@example.com/r.git", "https", "example.com", 443, "bob", "/r.git"),
        ("ssh://git@example.com:2222/srv/r.git", "ssh", "example.com", 2222, "git", "/srv/r.git"),
        ("ssh://[::1]:22/r", "ssh", "::1", 22, None, "/r"),
        ("git@github.com:org/repo.git", "ssh", "github.com", 22, "git", "org/repo.git"),
        ("example.com:repo.git", "ssh", "example.com", 22, None, "repo.git"),
        ("git@[2001:db8::1]:r.git", "ssh", "2001:db8::1", 22, "git", "r.git"),
    ],
)
def test_parse_accepts(url: str, scheme: str, host: str, port: int, user: str | None,
                       path: str) -> None:
    parsed = parse_git_url(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.username, parsed.path) == (
        scheme, host, port, user, path)


@pytest.mark.parametrize(
    "url",
    [
        "", "   ", "/srv/git/repo.git", "./repo", "../repo", "~/repo", "repo.git",
        "file:///etc/passwd", "ext::sh -c touch% /tmp/pwned", "fd::17", "git://example.com/r",
        "ftp://example.com/r", "https://user:secret@example.com/r.git", "ssh://-oProxyCommand=x/r",
        "-uhttps://x", "https://exa mple.com/r", "https://example.com:99999/r",
        "https:///nohost", "git@host:", "-host:path", "https://exa%6dple.com/r",
        "ssh://-user@host/r", "https://example.com/\nr",
    ],
)
def test_parse_refuses(url: str) -> None:
    with pytest.raises(InvalidUrl):
        parse_git_url(url)


def test_password_in_url_message_does_not_echo_it() -> None:
    with pytest.raises(InvalidUrl) as info:
        parse_git_url("https://user:hunter2@example.com/r.git")
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("ip", "blocked"),
    [
        ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
        ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
        ("240.0.0.1", True), ("255.255.255.255", True), ("::1", True), ("fe80::1", True),
        ("fc00::1", True), ("::ffff:127.0.0.1", True), ("::ffff:10.0.0.1", True),
        ("64:ff9b::a00:1", True), ("2002:a00:1::", True), ("ff02::1", True), ("::", True),
        ("8.8.8.8", False), ("140.82.112.3", False), ("2606:4700::1111", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_is_blocked_ip(ip: str, blocked: bool) -> None:
    assert is_blocked_ip(ip) is blocked


def test_resolve_checked_blocks_loopback_unless_allowed() -> None:
    with pytest.raises(BlockedAddress) as info:
        resolve_checked("localhost", 443, allow_private=False)
    message = str(info.value)
    assert "'localhost'" in message and "GITBRIDGE_ALLOW_PRIVATE_HOSTS=1" in message
    assert "private" in message and "loopback" in message and "link-local" in message
    assert "127.0.0.1" in resolve_checked("127.0.0.1", 443, allow_private=True)


def test_check_url() -> None:
    assert check_url("https://127.0.0.1:8443/r.git", allow_private=True) == (
        "127.0.0.1", 8443, ["127.0.0.1"])
    with pytest.raises(BlockedAddress):
        check_url("git@127.0.0.1:r.git", allow_private=False)
    with pytest.raises(BlockedAddress):
        check_url("http://[::ffff:169.254.169.254]/latest", allow_private=False)
    with pytest.raises(InvalidUrl):
        check_url("file:///tmp/x", allow_private=True)
    with pytest.raises(UnresolvableHost):
        check_url("https://does-not-exist.invalid/r.git", allow_private=True)
