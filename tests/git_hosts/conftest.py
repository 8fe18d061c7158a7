"""Fixtures for the git host contract tests: ``responses`` as the hosts, a fake DNS.

The SSRF guard really resolves host names; here ``getaddrinfo`` answers from a table so
the tests run offline and can give a host a private address on purpose.

``app.hosts`` is imported as the app does at start: it gives each provider class its
kind's auth types, so a module run on its own sees them too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import responses

import app.hosts  # noqa: F401  (binds the providers' auth types, see above)
from app import netguard
from app.git_hosts.base import Provider

PUBLIC = "93.184.216.34"
ADDRESSES = {
    "api.github.com": "140.82.112.6",
    "github.com": "140.82.112.4",
    "gitlab.com": "172.65.251.78",
    "api.bitbucket.org": "104.192.141.2",
    "bitbucket.org": "104.192.141.1",
    "ghe.example.com": PUBLIC,
    "git.example.com": PUBLIC,
    "bitbucket.example.com": PUBLIC,
    "internal.example.com": "10.20.30.40",
    "dev.azure.com": "13.107.42.20",
    "app.vssps.visualstudio.com": "13.107.6.175",
    "tfs.example.com": PUBLIC,
    "review.example.com": PUBLIC,
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            if host not in ADDRESSES:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            address = ADDRESSES[host]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 443)))]

    monkeypatch.setattr(netguard.socket, "getaddrinfo", getaddrinfo)
    return ADDRESSES


@pytest.fixture(autouse=True)
def fast_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No 1 s spacing between mutating calls, except in the tests that measure it."""
    monkeypatch.setattr(Provider, "mutation_interval", 0.0)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
