# Podwright: two commands. `make demo` sets everything up and serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install migrate seed serve lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

demo: migrate
	@$(PY) manage.py seed_demo | tee .demo-logins
	@echo ""
	@echo "Podwright is starting on http://$(HOST):$(PORT)/  — log in with one of the accounts above."
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: install
	$(PY) bench/formation.py --quick

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts .demo-logins
