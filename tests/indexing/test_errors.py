from __future__ import annotations

import pytest

from app.indexing.errors import (
    AuthenticationFailed,
    CertificateError,
    GitError,
    HostKeyMismatch,
    HostNotFound,
    HostUnreachable,
    NotARepository,
    RedirectRefused,
    redact,
)
from app.indexing.gitcli import classify_error


@pytest.mark.parametrize(
    ("stderr", "cls", "permanent"),
    [
        ("fatal: unable to access 'https://h/r.git/': SSL certificate problem: "
         "self-signed certificate", CertificateError, True),
        ("fatal: unable to access 'https://h/r.git/': The requested URL returned error: 502",
         HostUnreachable, False),
        ("fatal: unable to access 'https://h/r.git/': Could not resolve host: h",
         HostNotFound, False),
        ("ssh: Could not resolve hostname gitt.example.com: Name or service not known",
         HostNotFound, False),
        ("fatal: unable to access 'https://h/r.git/': The requested URL returned error: 302",
         RedirectRefused, True),
        ("fatal: unable to access 'https://h/r.git/': The requested URL returned error: 403",
         AuthenticationFailed, True),
        ("remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://h/r.git/'",
         AuthenticationFailed, True),
        ("fatal: could not read Username for 'https://h': terminal prompts disabled",
         AuthenticationFailed, True),
        ("remote: Repository not found.\nfatal: repository 'https://h/r.git/' not found",
         NotARepository, True),
        ("fatal: 'srv/r.git' does not appear to be a git repository", NotARepository, True),
        ("Host key verification failed.\nfatal: Could not read from remote repository.",
         HostKeyMismatch, True),
        ("git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.",
         AuthenticationFailed, True),
        ("ssh: connect to host h port 22: Connection timed out", HostUnreachable, False),
        ("fatal: something nobody expected", GitError, False),
    ],
)
def test_classify_error(stderr: str, cls: type[GitError], permanent: bool) -> None:
    error = classify_error(stderr, 128)
    assert type(error) is cls
    assert error.permanent is permanent
    assert error.message and error.detail


def test_messages_never_contain_secrets() -> None:
    stderr = "fatal: unable to access 'https://bob:hunter2@h/r.git/': Failed to connect to h"
    error = classify_error(stderr + " token=tok-123456", 128, secrets=["tok-123456"])
    assert "hunter2" not in str(error) and "hunter2" not in (error.detail or "")
    assert "tok-123456" not in (error.detail or "")
    assert "https://***@h/r.git/" in (error.detail or "")
    unknown = classify_error("fatal: weird tok-123456", 1, secrets=["tok-123456"])
    assert "tok-123456" not in str(unknown)


def test_redact() -> None:
    assert redact("ssh://git:pw@host/x and https://u@h/", ["pw"]) == (
        "ssh://***@host/x and https://***@h/")
    assert redact("short a value", ["a"]) == "short a value"  # too short to be a secret


def test_a_dns_failure_names_the_host_and_says_what_to_fix() -> None:
    error = classify_error("ssh: Could not resolve hostname gitt.example.com: Name or "
                           "service not known\nfatal: Could not read from remote repository.",
                           128)
    assert error.message == ("The host gitt.example.com could not be resolved (DNS has no "
                             "such name): check the URL for a typo.")
    unreachable = classify_error("fatal: unable to access 'https://h/': Failed to connect to "
                                 "h port 443: Connection refused", 128)
    assert "retried" not in unreachable.message  # the probe saves nothing to retry
