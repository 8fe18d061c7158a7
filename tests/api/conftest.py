"""Fixtures of the browsing API tests (Repository Browser, Compare, Roll Up, project commits)."""

from tests.api.browsing_fixtures import repo, site  # noqa: F401
