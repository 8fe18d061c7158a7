"""SSRF guard for outbound connections to user-supplied hosts.

Administrators type repository URLs into the integration form, and the worker
then connects to them.  Without a check, ``https://169.254.169.254/...`` or
``ssh://127.0.0.1:6379/`` would let anyone with admin rights on one Jira site
probe the service's internal network.  So every host is resolved here and
refused if *any* of its addresses is not a public unicast address, unless the
operator explicitly allows private hosts (GITBRIDGE_ALLOW_PRIVATE_HOSTS=1, for
self-hosted installations that index an internal Git server).

The resolved addresses are returned so the caller can pin the connection to
them (``http.curloptResolve`` / ssh ``HostName``); otherwise a DNS answer that
changes between the check and the connection (DNS rebinding) defeats the check.

Only ``https://``, ``http://``, ``ssh://`` and scp-like ``user@host:path`` URLs
are accepted.  Local paths, ``file://`` and git's ``transport::address`` remote
helper syntax (``ext::sh -c ...`` runs a command!) are refused outright.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "ALLOW_PRIVATE_ENV",
    "BlockedAddress",
    "GitUrl",
    "InvalidUrl",
    "UnresolvableHost",
    "check_url",
    "is_blocked_ip",
    "parse_git_url",
    "resolve_checked",
    "unresolved",
]

ALLOW_PRIVATE_ENV = "GITBRIDGE_ALLOW_PRIVATE_HOSTS"

DEFAULT_PORTS = {"https": 443, "http": 80, "ssh": 22}

# git's "<transport>::<address>" syntax hands the address to git-remote-<transport>.
_REMOTE_HELPER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.-]*::")
_SCP_LIKE = re.compile(
    r"^(?:(?P<user>[^@/:\[\]]+)@)?(?P<host>\[[^\]/]+\]|[^:/\[\]@]+):(?P<path>.*)$"
)
_HOSTNAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(Exception):
    """The host resolves to an address that outbound connections may not reach."""


class InvalidUrl(ValueError):
    """The URL is malformed or uses a scheme that is not supported."""


class UnresolvableHost(OSError):
    """DNS gave no address for the host (typo, or the name does not exist)."""


@dataclass(frozen=True, slots=True)
class GitUrl:
    """A parsed remote URL.  ``scheme`` is ``ssh`` for scp-like URLs too."""

    scheme: str
    host: str
    port: int
    path: str
    username: str | None = None
    scp_like: bool = False


def _check_host(host: str, url: str) -> str:
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidUrl(f"The host name in {url!r} is not valid.") from exc
    if not _HOSTNAME.match(host) or ".." in host:
        raise InvalidUrl(f"The host name in {url!r} is not valid.")
    return host.lower().rstrip(".")


def parse_git_url(url: str) -> GitUrl:
    """Parse a remote URL, accepting only the network schemes we support.

    Raises InvalidUrl with a message suitable for the integration form.
    """
    url = url.strip()
    if not url:
        raise InvalidUrl("The repository URL is empty.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidUrl("The repository URL must not contain spaces or control characters.")
    if url.startswith("-"):
        raise InvalidUrl("The repository URL must not start with '-'.")
    if _REMOTE_HELPER.match(url):
        raise InvalidUrl(
            "Git remote-helper URLs (transport::address) are not supported; "
            "use an https:// or ssh:// URL."
        )
    if "://" in url:
        return _parse_scheme_url(url)
    match = _SCP_LIKE.match(url)
    if match is None:
        raise InvalidUrl(
            "Local paths are not supported; use an https://, http://, ssh:// or user@host:path URL."
        )
    user, host, path = match.group("user"), match.group("host"), match.group("path")
    if not path or path.startswith("-"):
        raise InvalidUrl("The repository URL has no repository path after the ':'.")
    if user is not None and (not user or user.startswith("-")):
        raise InvalidUrl("The user name in the repository URL is not valid.")
    return GitUrl("ssh", _check_host(host, url), 22, path, user, scp_like=True)


def _parse_scheme_url(url: str) -> GitUrl:
    scheme = url.split("://", 1)[0].lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidUrl(
            f"The URL scheme {scheme!r} is not supported; use https://, http:// or ssh://."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl("The repository URL is malformed (check the host and port).") from exc
    if parts.password is not None:
        raise InvalidUrl(
            "Do not put a password or token in the repository URL; "
            "enter it in the credentials fields instead."
        )
    netloc_host = parts.netloc.rsplit("@", 1)[-1]
    if netloc_host.startswith("["):
        raw_host = netloc_host[: netloc_host.find("]") + 1]
    else:
        raw_host = netloc_host.rsplit(":", 1)[0] if ":" in netloc_host else netloc_host
    if not raw_host or "%" in raw_host:
        raise InvalidUrl("The repository URL has no valid host.")
    user = parts.username
    if user is not None and (not user or user.startswith("-")):
        raise InvalidUrl("The user name in the repository URL is not valid.")
    if port == 0:
        raise InvalidUrl("The port in the repository URL is not valid.")
    return GitUrl(
        scheme,
        _check_host(raw_host, url),
        port or DEFAULT_PORTS[scheme],
        parts.path or "/",
        user,
    )


def is_blocked_ip(address: str) -> bool:
    """True for anything but a public unicast address.

    IPv4-mapped, 6to4 and NAT64 IPv6 addresses are judged by the IPv4 address
    they embed, since that is where the packets end up.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_blocked_ip(str(embedded))
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def unresolved(host: str) -> str:
    """What to tell an admin whose host name DNS does not know: most often a typo, so
    theirs to fix (the API answers 4xx), said the same for git and for host APIs."""
    return (f"The host {host} could not be resolved (DNS has no such name): check the URL "
            "for a typo.")


def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing non-public ones.

    All addresses must be public: a name with one public and one private
    address would otherwise let the connection pick the private one.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(unresolved(host)) from exc
    addresses: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in addresses:
            addresses.append(addr)
    if not addresses:
        raise UnresolvableHost(unresolved(host))
    if not allow_private:
        for addr in addresses:
            if is_blocked_ip(addr):
                raise BlockedAddress(
                    f"The host {host!r} resolves to {addr}, a private, loopback, link-local, "
                    "reserved or multicast address; connections to such addresses are refused. "
                    f"To allow repositories on internal hosts, set {ALLOW_PRIVATE_ENV}=1."
                )
    return addresses


def check_url(url: str, *, allow_private: bool) -> tuple[str, int, list[str]]:
    """Parse a repository URL and resolve-and-check its host.

    Returns ``(host, port, addresses)``.  Raises InvalidUrl, BlockedAddress or
    UnresolvableHost.
    """
    parsed = parse_git_url(url)
    return (
        parsed.host,
        parsed.port,
        resolve_checked(parsed.host, parsed.port, allow_private=allow_private),
    )
