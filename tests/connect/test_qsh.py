"""Atlassian's 79 JWT/qsh interoperability vectors."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.connect.qsh import CONTEXT_QSH, canonical_request, hash_canonical, qsh_for_url
from app.connect.tokens import TokenError, verify_symmetric

VECTORS = json.loads(
    (Path(__file__).parent.parent / "fixtures/atlassian_connect/jwt_qsh_vectors.json").read_text()
)
CASES = VECTORS["cases"]


def test_all_vectors_present() -> None:
    assert len(CASES) == 79


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_canonical_request_and_qsh(case: dict) -> None:
    url = urlsplit(case["url_without_jwt"])
    canonical = canonical_request(
        case["method"], url.path, url.query, case["addon_base_path"] or ""
    )
    assert canonical == case["expected_canonical_request"]
    assert hash_canonical(canonical) == case["expected_qsh"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_signed_url_verifies_as_page_token(case: dict) -> None:
    """The vector's token, taken from its signed URL, passes our page-token check."""
    signed = urlsplit(case["signed_url"])
    token = dict(p.split("=", 1) for p in signed.query.split("&") if p.startswith("jwt="))["jwt"]
    expected = qsh_for_url(case["method"], case["signed_url"], case["addon_base_path"] or "")
    claims = verify_symmetric(
        token,
        VECTORS["shared_secret"],
        expected_qsh=expected,
        leeway=0,
        now=case["jwt_claims"]["iat"] + 1,
    )
    assert claims["qsh"] == case["expected_qsh"]


def test_vector_token_refused_with_other_secret_or_request() -> None:
    case = CASES[0]
    token = case["signed_url"].split("jwt=")[1]
    now = case["jwt_claims"]["iat"] + 1
    with pytest.raises(TokenError, match="signature"):
        verify_symmetric(
            token, "not-the-secret", expected_qsh=case["expected_qsh"], leeway=0, now=now
        )
    with pytest.raises(TokenError, match="qsh"):
        verify_symmetric(
            token,
            VECTORS["shared_secret"],
            expected_qsh=qsh_for_url("GET", "/test?param=other"),
            leeway=0,
            now=now,
        )
    with pytest.raises(TokenError, match="expired"):
        verify_symmetric(
            token, VECTORS["shared_secret"], expected_qsh=case["expected_qsh"], leeway=0
        )
    with pytest.raises(TokenError, match="context"):
        verify_symmetric(
            token, VECTORS["shared_secret"], expected_qsh=CONTEXT_QSH, leeway=0, now=now
        )
