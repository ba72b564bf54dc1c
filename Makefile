# PurSight: `make run` sets up and serves; `make test` runs the tests.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo serve worker beat lint format bench clean engine-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo --url http://$(HOST):$(PORT)/admin/

serve: install
	$(BIN)/python manage.py collectstatic --noinput >/dev/null
	$(BIN)/daphne -b $(HOST) -p $(PORT) pursight.asgi:application

run: demo serve

test: install
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A pursight worker -Q default,scans -l info --concurrency 2

beat: install
	$(BIN)/celery -A pursight beat -l info

bench: install
	$(BIN)/python bench/scan.py

engine-data: install
	$(BIN)/python -m governance.classifications.engine.build_data

clean:
	rm -rf $(VENV) staticfiles
