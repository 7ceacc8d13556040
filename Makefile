# Podwright: two commands. `make demo` sets everything up and serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install migrate seed serve lint bench clean chromium

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

# The browser tests drive Debian's Chromium. Install it when apt can (root, or passwordless sudo);
# otherwise stop at once with the one command to run.
CHROMIUM ?= $(or $(CHROMIUM_PATH),/usr/bin/chromium)
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt-get install chromium)…"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then \
	    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing for the browser tests. Run: sudo apt-get install -y chromium"; \
	    echo "(or point CHROMIUM_PATH at a Chromium binary)"; exit 1; \
	  fi; \
	fi

test: install chromium
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: install
	$(PY) bench/formation.py --quick

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts .demo-logins
