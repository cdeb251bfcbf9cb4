# Tradecounter: `make run` serves the demo portal, `make test` sets the machine up and runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test setup-test lint messages install migrate seed serve bench clean

# The suite's database: PostgreSQL 15 on this machine unless DATABASE_URL says otherwise
# (pytest-django creates and drops test_tradecounter beside it).
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/tradecounter)

$(STAMP): requirements/base.txt requirements/dev.txt requirements/constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (python3.11 not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt -c requirements/constraints.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Serve the demo on 127.0.0.1:8000 with the task worker beside it (both stop on Ctrl-C).
run: seed
	@echo "Serving on http://127.0.0.1:8000/  (back office: http://127.0.0.1:8000/backoffice/)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py db_worker --queue-name '*' & \
	  $(PY) manage.py runserver 127.0.0.1:8000

# Debian packages (Python, PostgreSQL, Chromium...) and a running PostgreSQL; quick when present.
setup-test:
	DATABASE_URL='$(TEST_DATABASE_URL)' .ci/setup-test

# Set-up first: on a fresh machine it installs the Python that `install` needs.
test: setup-test
	@$(MAKE) --no-print-directory install
	$(BIN)/lint-imports --no-cache
	DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Update the catalogs from the code, then compile them (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'bench/*' --ignore 'tests/*' --ignore 'staticfiles/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

# Load benchmarks against PostgreSQL (docs/performance.md). SCALE=small|medium|large (default large).
BENCH_ENV := DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=$(or $(BENCH_DATABASE_URL),postgres://postgres@127.0.0.1:5432/tradecounter_bench)
bench: install
	$(BENCH_ENV) $(PY) bench/generate.py --scale $(or $(SCALE),large)
	$(BENCH_ENV) $(PY) bench/run.py --scale $(or $(SCALE),large)

clean:
	rm -rf $(VENV) var staticfiles
