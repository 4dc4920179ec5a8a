# StretchAPI — the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is what those two are made of.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: install run test test-sqlite test-postgres test-faults lint schema clients check bench bench-export clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Serve the API on http://127.0.0.1:8000 (embedded SQLite database, catalog loaded) with the
## background worker beside gunicorn (alert emails printed on the console); Ctrl-C stops both.
run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_SETTINGS_MODULE=stretchapi.settings.local scripts/start.sh

## The whole suite on SQLite and on a throwaway PostgreSQL server, both at once (each mostly keeps one core
## busy): each suite's output is printed whole when it ends, and this fails when either fails. The generated
## clients are built once for both (tests/clients/conftest.py); screenshots and reports go to
## test-artifacts/sqlite/ and test-artifacts/postgresql/.
test: install
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/pytest $(PYTEST_ARGS)

## Fault tests against real servers (gunicorn + PostgreSQL): retry storm, database outage.
test-faults: install
	$(BIN)/pytest -m faults tests/faults $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Regenerate the committed OpenAPI schema after an API change.
schema: install
	DJANGO_SETTINGS_MODULE=stretchapi.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file schema/openapi.yaml

## Generate both API clients from the committed schema/openapi.yaml (needs Node.js and npm for TypeScript):
## clients/typescript/generated/schema.ts (openapi-typescript; use it with openapi-fetch) and
## clients/python/generated/stretchapi_client/ (openapi-python-client).
clients: install
	cd clients/typescript && npm ci --no-audit --no-fund && npm run --silent generate
	$(BIN)/openapi-python-client generate --path schema/openapi.yaml --meta none --overwrite \
		--config clients/python/config.yaml --output-path clients/python/generated/stretchapi_client

## The quick checks: migrations, schema, deploy settings.
check: install
	DJANGO_SETTINGS_MODULE=stretchapi.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=stretchapi.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_SETTINGS_MODULE=stretchapi.settings.production SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

## Load benchmark on a throwaway PostgreSQL: generated data, gunicorn, the code before and after issue 16, the
## ceiling; wrk (apt-get install wrk; installed when missing and run as root) alone, locust mixed (about 20 minutes).
## Sizes and load: make bench BENCH_ARGS="--clients 3000 --holds 300000 --users 8 --duration 60"
bench: install
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python bench/run_load.py $(BENCH_ARGS)

## Export benchmark on a throwaway PostgreSQL: holds export (COPY CSV, iterator NDJSON; command and HTTP)
## against a raw COPY, at 100 k then 1 M holds; rows/s and peak memory (about 6 minutes, bench/results/export.txt).
## Other sizes or formats: make bench-export EXPORT_BENCH_ARGS="--sizes 50000,500000 --formats csv,ndjson,fhir"
EXPORT_BENCH_ARGS ?=
bench-export: install
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python bench/run_export.py $(EXPORT_BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .hypothesis
