# Kinerja Mamuju — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
BABEL := $(VENV)/bin/pybabel
FLASK := $(VENV)/bin/flask
HOST ?= 127.0.0.1
PORT ?= 8080
WORKERS ?= 2
# `make run` is a local development server; production sets APP_ENV and PUBLIC_BASE_URL.
APP_ENV ?= development
export FLASK_APP := app:create_app
export APP_ENV HOST PORT

.PHONY: run test setup lint format db seed translations babel-extract babel-update clean guide-screens

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime translations

## run: set up, migrate, seed demo data and serve on http://$(HOST):$(PORT)
run: setup db
	$(FLASK) seed --demo
	@echo "Kinerja Mamuju: http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - "app:create_app()"

db: $(VENV)/.runtime
	$(FLASK) db upgrade

## test: set up, lint, and run the whole suite (SQLite, or TEST_DATABASE_URL)
test: $(VENV)/.dev translations lint
	$(VENV)/bin/pytest -q

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

FAB_DIR = $(shell $(PY) -c 'import flask_appbuilder,os;print(os.path.dirname(flask_appbuilder.__file__))')
WTFORMS_DIR = $(shell $(PY) -c 'import wtforms,os;print(os.path.dirname(wtforms.__file__))')

translations: $(VENV)/.runtime
	$(BABEL) compile -d translations --statistics 2>&1 | tail -n 2

babel-extract: $(VENV)/.runtime
	$(BABEL) extract -F babel.cfg -k lazy_gettext -k _l -k gettext -k ngettext:1,2 \
	  -k lazy_ngettext:1,2 -k __ -k lazy_formatter_gettext:1 --no-location --sort-output \
	  --project "Kinerja Mamuju" -o translations/messages.pot app forms $(FAB_DIR) $(WTFORMS_DIR)

babel-update: babel-extract
	$(BABEL) update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## guide-screens: take the guide's screenshots from the demo data (needs Debian's chromium)
guide-screens: $(VENV)/.dev translations
	$(FLASK) guide screens
