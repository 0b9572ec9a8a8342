# Presidio — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/presidio_test
REDIS_URL_TEST ?= redis://127.0.0.1:6379/0
export TEST_DATABASE_URL

.PHONY: run test test-fast bench install assets i18n lint typecheck services check-services system clean

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed-dev

app/static/vendor/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	rm -rf app/static/vendor/bootstrap-italia
	mkdir -p app/static/vendor/bootstrap-italia
	cp -r node_modules/bootstrap-italia/dist/css node_modules/bootstrap-italia/dist/js \
	      node_modules/bootstrap-italia/dist/svg node_modules/bootstrap-italia/dist/fonts \
	      app/static/vendor/bootstrap-italia/
	rm -rf app/static/vendor/chart.js
	mkdir -p app/static/vendor/chart.js
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md app/static/vendor/chart.js/
	touch $@

assets: app/static/vendor/.built

i18n: install
	$(PY) scripts/i18n.py compile

run: install assets i18n
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty
	PRESIDIO_INLINE_SCHEDULER=1 $(FLASK) run --host 127.0.0.1 --port 5000

# What .ci/run installs with apt (chromium, dovecot, PostgreSQL, Redis, Node, fonts) when missing.
system:
	@bash scripts/install-system.sh

services: system
	@bash scripts/ensure-services.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_publiccode.py

test: system install assets i18n services lint
	REDIS_URL=$${REDIS_URL:-$(REDIS_URL_TEST)} $(VENV)/bin/pytest -q $(PYTEST_ARGS)

# The developer's lane: no browser, no server of the test's own (the `browser` and `slow` markers).
test-fast: system install i18n services
	REDIS_URL=$${REDIS_URL:-$(REDIS_URL_TEST)} $(VENV)/bin/pytest -q -m "not browser and not slow" $(PYTEST_ARGS)

bench: install assets i18n services
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules app/static/vendor instance .pytest_cache
