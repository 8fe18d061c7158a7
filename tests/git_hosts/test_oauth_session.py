"""The token endpoint through Authlib, held to the rules of every git host call:
the SSRF guard, no redirects, rate limits and host failures worded as for API calls."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import Provider

CLIENT = ("app-id", "app-secret")
OAUTH = {"access_token": "old", "refresh_token": "r1"}


def gitlab(kind: str = "gitlab", **kwargs: Any) -> Provider:
    """Through the registry, which gives the provider its auth types."""
    options = {"base_url": None, "credentials": OAUTH, "auth_type": "oauth", **kwargs}
    return provider_for(kind)(**options)


def test_a_private_token_endpoint_is_never_contacted(rsps: responses.RequestsMock) -> None:
    provider = gitlab("gitlab_self_managed", base_url="https://internal.example.com")
    with pytest.raises(errors.HostNotAllowed, match="not contacted"):
        provider.refresh(*CLIENT)
    assert len(rsps.calls) == 0


def test_a_redirect_is_not_followed(rsps: responses.RequestsMock) -> None:
    rsps.post("https://gitlab.com/oauth/token", status=302,
              headers={"Location": "http://169.254.169.254/latest"})
    with pytest.raises(errors.TokenRefreshFailed, match="did not answer with JSON"):
        gitlab().refresh(*CLIENT)
    assert [c.request.url for c in rsps.calls] == ["https://gitlab.com/oauth/token"]


def test_rate_limits_and_outages_are_not_refusals(rsps: responses.RequestsMock) -> None:
    rsps.post("https://gitlab.com/oauth/token", status=429, body="slow down",
              headers={"Retry-After": "120"})
    with pytest.raises(errors.RateLimited):
        gitlab().refresh(*CLIENT)
    rsps.replace(responses.POST, "https://gitlab.com/oauth/token", status=503, body="down")
    with pytest.raises(errors.HostUnreachable, match="503"):
        gitlab().refresh(*CLIENT)


def test_a_refusal_names_the_host_s_words(rsps: responses.RequestsMock) -> None:
    rsps.post("https://gitlab.com/oauth/token", status=400,
              json={"error": "invalid_grant",
                    "error_description": "The refresh token was revoked."})
    with pytest.raises(errors.TokenRefreshFailed, match="refresh token was revoked") as info:
        gitlab().refresh(*CLIENT)
    assert "Reconnect the integration" in info.value.message


def test_an_answer_without_an_access_token_is_a_refusal(rsps: responses.RequestsMock) -> None:
    rsps.post("https://gitlab.com/oauth/token", json={"token_type": "bearer"})
    provider = gitlab()
    with pytest.raises(errors.TokenRefreshFailed, match="no access token"):
        provider.refresh(*CLIENT)
    assert provider.credentials == OAUTH  # nothing switched
