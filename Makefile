# Gitbridge for Jira: the two commands a newcomer needs are `make dev` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/gitbridge_test

AUI := app/static/vendor/aui/VERSION

.PHONY: setup static dev test test-sqlite test-postgres services lint bench forge-ui

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

# Front-end assets: AUI from its npm package (the lockfile's exact version) into
# app/static/vendor/aui, so pages never load it from a CDN at run time.
$(AUI): package.json package-lock.json scripts/build-static.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

static: $(AUI)

setup: $(VENV)/.installed $(AUI)

dev: setup
	bash .ci/services redis
	$(VENV)/bin/gitbridge dev

services:
	bash .ci/services

# Both database passes at once, each over several processes: most of a test's time is
# spent waiting on git, HTTP and Redis, so more processes than cores still pays. The
# browser tests run in the SQLite pass only and each host's whole flow over its fake in
# the PostgreSQL pass only (production's database): they drive pages and host APIs over
# the same JSON API and store that both passes test.
TEST_WORKERS ?= 3
#: The browser tests are the longest: one more process there evens the two passes out.
SQLITE_TEST_WORKERS ?= 4

test: setup services lint forge-ui
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: setup
	GITBRIDGE_TEST_DATABASE_URL=sqlite $(PY) -m pytest -q -n $(SQLITE_TEST_WORKERS) -m "not host_flow"

test-postgres: setup
	GITBRIDGE_TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q -n $(TEST_WORKERS) -m "not browser"

# The Forge app's Custom UI resources (forge/build/), built from the Connect pages' code.
forge-ui: setup
	npm --prefix forge ci --no-audit --no-fund
	npm --prefix forge run bundle
	$(PY) -m app.atlassian.forge.ui_build

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
