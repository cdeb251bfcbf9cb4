# Tradecounter: `make run` serves the demo portal, `make test` sets the machine up and runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run run-packages static test setup-test lint messages install migrate seed serve bench clean

# The suite's database: PostgreSQL 15 on this machine unless DATABASE_URL says otherwise
# (pytest-django creates and drops test_tradecounter beside it).
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/tradecounter)
# pytest-xdist workers, one per core. `--dist load` hands tests out in pytest-django's order
# (plain tests first, then the transactional and browser ones), so no worker runs a plain test
# after a transactional one has flushed its database.
TEST_WORKERS ?= auto

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

# Production's static files (hashed, compressed) for whitenoise, in the ignored staticfiles/.
static: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

# Serve the demo on 127.0.0.1:8000 as production serves it (gunicorn, DEBUG off, whitenoise),
# with the task worker and the scheduler (portal/schedule.py) beside it, without code reloading
# (all stop on Ctrl-C).
# E-mails land in var/mail/.
# The Debian packages the running portal needs (Python 3.11; the CJK fonts its PDFs print Chinese
# with), installed when missing, only checked when present (.ci/setup-test --packages).
RUN_PACKAGES := python3.11 python3.11-venv fonts-noto-cjk

# Card payments: without STRIPE_SECRET_KEY in the environment the demo takes test cards on
# localstripe (billing/localstripe_server.py, a fake Stripe on 127.0.0.1:8420, data in memory),
# which signs its events for the portal's webhook with the demo secret. With real keys in the
# environment (STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET) it talks to Stripe.
LOCALSTRIPE_PORT := 8420
LOCALSTRIPE_WEBHOOK_SECRET := whsec_tradecounter_demo

run: run-packages static seed
	@echo "Serving on http://127.0.0.1:8000/  (back office: http://127.0.0.1:8000/backoffice/; e-mails in var/mail/)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	  if [ -z "$$STRIPE_SECRET_KEY" ]; then \
	    echo "Card payments: localstripe on http://127.0.0.1:$(LOCALSTRIPE_PORT)/ (test cards only)"; \
	    export STRIPE_SECRET_KEY=sk_test_localstripe STRIPE_API_BASE=http://127.0.0.1:$(LOCALSTRIPE_PORT) \
	      STRIPE_WEBHOOK_SECRET=$(LOCALSTRIPE_WEBHOOK_SECRET); \
	    $(PY) -m billing.localstripe_server --port $(LOCALSTRIPE_PORT) \
	      --webhook-url http://127.0.0.1:8000/portal/billing/stripe/webhook/ \
	      --webhook-secret $(LOCALSTRIPE_WEBHOOK_SECRET) & \
	  fi; \
	  $(PY) manage.py db_worker --queue-name '*' --no-reload & \
	  $(PY) manage.py run_scheduler & \
	  DJANGO_SETTINGS_MODULE=portal.settings.dev $(BIN)/gunicorn portal.wsgi --bind 127.0.0.1:8000 \
	    --workers 1 --threads 8 --access-logfile - --no-control-socket

run-packages:
	.ci/setup-test --packages $(RUN_PACKAGES)

# Debian packages (Python, PostgreSQL, Chromium...) and a running PostgreSQL; quick when present.
setup-test:
	DATABASE_URL='$(TEST_DATABASE_URL)' .ci/setup-test

# Set-up first: on a fresh machine it installs the Python that `install` needs.
test: setup-test
	@$(MAKE) --no-print-directory install
	$(BIN)/lint-imports --no-cache
	DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

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
