"""An installed site with issues and a served repository (see tests.support.jira_site)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.connect import ConnectActions
from tests.support.jira_site import JiraSite, install


@pytest.fixture
def jira(connect: ConnectActions, redis_conn: redis.Redis, tmp_path: Path) -> Iterator[JiraSite]:
    yield from install(connect, redis_conn, tmp_path)
