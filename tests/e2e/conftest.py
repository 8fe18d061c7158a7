"""Fixtures for the end-to-end tests: fake git hosts over real HTTP, seeded the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.git_hosts.base import Provider
from tests.support.fake_hosts import FAKES
from tests.support.fake_hosts.scenario import Scenario, seed


@pytest.fixture(autouse=True)
def fast_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No 1 s spacing between mutating calls (the pacing has its own tests)."""
    monkeypatch.setattr(Provider, "mutation_interval", 0.0)


def start_fake(family: str, tmp_path: Path) -> Iterator[Scenario]:
    fake = FAKES[family](tmp_path / f"host-{family}")
    fake.start()
    try:
        yield seed(fake, tmp_path / "work")
    finally:
        fake.stop()


@pytest.fixture
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scenario]:
    """The seeded scenario on the fake of ``request.param`` (parametrize indirectly)."""
    yield from start_fake(request.param, tmp_path)
