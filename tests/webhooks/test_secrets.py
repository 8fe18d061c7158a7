from __future__ import annotations

import hashlib
import hmac

from webhooks.hosts.secrets import (
    basic_auth_password,
    bearer_token,
    hub_signature_matches,
    secret_matches,
)


def test_secret_helpers() -> None:
    assert secret_matches("a", ["b", "a"])
    assert not secret_matches("", [""])
    assert not secret_matches("a", [])
    assert not secret_matches("ä", ["a"])
    body = b"payload"
    good = "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert hub_signature_matches(good, body, ["x", "k"])
    assert hub_signature_matches(good.upper().replace("SHA256=", "sha256="), body, ["k"])
    assert not hub_signature_matches(good, body, [""])
    assert not hub_signature_matches(good.replace("sha256", "sha1"), body, ["k"])
    assert not hub_signature_matches("sha256=", body, ["k"])
    assert not hub_signature_matches("garbage ✓", body, ["k"])
    assert basic_auth_password("Basic dTpwOmFzcw==") == "p:ass"  # "u:p:ass"
    assert basic_auth_password("basic dTo=") == ""
    assert basic_auth_password("Basic %%%") is None
    assert bearer_token("Bearer  tok ") == "tok"
    assert bearer_token("Token tok") is None
