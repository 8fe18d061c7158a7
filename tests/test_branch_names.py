"""Branch names from the admin's template."""

from __future__ import annotations

from app.branch_names import MAX_LENGTH, suggest


def test_default_template_keeps_the_key_and_slugs_the_summary() -> None:
    assert suggest(None, "ABC-12", "Fix the login page: crashes on Safari!") == (
        "ABC-12-fix-the-login-page-crashes-on-safari")


def test_custom_template_and_accents() -> None:
    assert suggest("feature/${issuekey}_${summary}", "ABC-12", "Ünïcode  summary") == (
        "feature/ABC-12_unicode-summary")


def test_length_is_capped_by_cutting_the_summary_never_the_key() -> None:
    name = suggest("${summary}-${issuekey}", "LONGKEY-12345", "word " * 100)
    assert len(name) <= MAX_LENGTH and name.endswith("-LONGKEY-12345")


def test_empty_summary() -> None:
    assert suggest(None, "ABC-1", "   ") == "ABC-1"
