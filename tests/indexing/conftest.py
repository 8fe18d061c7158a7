"""Fixtures for the indexing tests: real repositories and real servers, no mocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo


@pytest.fixture
def work(tmp_path: Path) -> WorkRepo:
    """An empty non-bare repository on branch ``main``."""
    return WorkRepo(tmp_path / "work")


@pytest.fixture
def served_root(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    root.mkdir()
    return root


@pytest.fixture
def http_server(served_root: Path) -> Iterator[GitHttpServer]:
    """Smart-HTTP server for the bare repos under ``served_root``, no auth."""
    with GitHttpServer(served_root) as server:
        yield server


@pytest.fixture
def auth_http_server(served_root: Path) -> Iterator[GitHttpServer]:
    """Same, behind HTTP Basic auth ``alice`` / ``s3cr3t-t0ken-value``."""
    with GitHttpServer(served_root, username="alice", password="s3cr3t-t0ken-value") as server:
        yield server
