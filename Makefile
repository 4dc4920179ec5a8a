# StretchAPI — the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is what those two are made of.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres lint schema check clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Serve the API on http://127.0.0.1:8000 (embedded SQLite database, catalog loaded).
run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_SETTINGS_MODULE=stretchapi.settings.local scripts/start.sh

## The whole suite on SQLite, then on a throwaway PostgreSQL server.
test: test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Regenerate the committed OpenAPI schema after an API change.
schema: install
	DJANGO_SETTINGS_MODULE=stretchapi.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file schema/openapi.yaml

## The quick checks: migrations, schema, deploy settings.
check: install
	DJANGO_SETTINGS_MODULE=stretchapi.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=stretchapi.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_SETTINGS_MODULE=stretchapi.settings.production SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .hypothesis
