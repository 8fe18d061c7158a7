"""HostClient, SSRF guard, origins and TLS."""

from __future__ import annotations

import pytest
import requests
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.client import BearerAuth, HostBlocked, HostClient
from app.git_hosts.github import GitHubEnterpriseProvider
from tests.git_hosts.client_shapes import (
    API,
    TOKEN,
    USER,
    github,
)
from tests.git_hosts.support import verify_of

# --- SSRF guard, origins, TLS ------------------------------------------------------------------


def test_private_host_is_refused_without_allow_private(rsps: responses.RequestsMock) -> None:
    provider = GitHubEnterpriseProvider(
        base_url="https://internal.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.HostNotAllowed) as info:
        provider.check_credentials()
    assert (
        "10.20.30.40" in info.value.message
        and "GITBRIDGE_ALLOW_PRIVATE_HOSTS" in info.value.message
    )
    assert len(rsps.calls) == 0


def test_loopback_literal_is_refused(rsps: responses.RequestsMock) -> None:
    provider = provider_for("gitlab_self_managed")(
        base_url="https://127.0.0.1:8443", credentials={"token": "t"}, auth_type="pat"
    )
    with pytest.raises(errors.HostNotAllowed):
        provider.check_credentials()
    assert len(rsps.calls) == 0


def test_private_host_is_allowed_when_configured(rsps: responses.RequestsMock) -> None:
    rsps.get("https://internal.example.com/api/v3/user", json=USER)
    provider = GitHubEnterpriseProvider(
        base_url="https://internal.example.com",
        credentials={"token": TOKEN},
        auth_type="pat",
        allow_private=True,
    )
    assert provider.check_credentials().login == "octocat"


def test_unresolvable_host(rsps: responses.RequestsMock) -> None:
    provider = GitHubEnterpriseProvider(
        base_url="https://nxdomain.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.HostUnreachable, match="could not be resolved"):
        provider.check_credentials()


def test_credentials_are_never_sent_to_another_origin(rsps: responses.RequestsMock) -> None:
    client = HostClient(API, auth=BearerAuth(TOKEN))
    with pytest.raises(HostBlocked):
        client.request("GET", "https://evil.example.net/steal")
    with pytest.raises(HostBlocked):
        client.request("GET", "http://api.github.com/user")  # scheme is part of the origin
    assert len(rsps.calls) == 0


def test_tls_verify_flag_is_passed(rsps: responses.RequestsMock) -> None:
    rsps.get("https://ghe.example.com/api/v3/user", json=USER)
    rsps.get("https://ghe.example.com/api/v3/user", json=USER)
    GitHubEnterpriseProvider(
        base_url="https://ghe.example.com", credentials={"token": TOKEN}, auth_type="pat"
    ).check_credentials()
    GitHubEnterpriseProvider(
        base_url="https://ghe.example.com",
        credentials={"token": TOKEN},
        auth_type="pat",
        ssl_verify=False,
    ).check_credentials()
    assert [verify_of(c) for c in rsps.calls] == [True, False]


def test_self_signed_certificate(rsps: responses.RequestsMock) -> None:
    rsps.get(
        "https://ghe.example.com/api/v3/user",
        body=requests.exceptions.SSLError(
            "HTTPSConnectionPool(host='ghe.example.com', port=443): Max retries exceeded "
            "with url: /api/v3/user (Caused by SSLError(SSLCertVerificationError(1, "
            "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
            "certificate (_ssl.c:1006)')))"
        ),
    )
    provider = GitHubEnterpriseProvider(
        base_url="https://ghe.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.SelfSignedCertificate) as info:
        provider.check_credentials()
    assert "ssl_verify" in info.value.message and "self-signed certificate" in info.value.message


def test_connection_refused(rsps: responses.RequestsMock) -> None:
    rsps.get(
        "https://ghe.example.com/api/v3/user", body=requests.exceptions.ConnectionError("refused")
    )
    provider = GitHubEnterpriseProvider(
        base_url="https://ghe.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.HostUnreachable) as info:
        provider.check_credentials()
    assert not info.value.permanent


def test_timeout(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(errors.HostTimeout, match="did not answer within 30 seconds"):
        github().check_credentials()


def test_server_error(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=502, body="<html>Bad gateway</html>")
    with pytest.raises(errors.HostUnreachable, match="502"):
        github().check_credentials()
