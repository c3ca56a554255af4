# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wardsite
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres vendor vendor-check translations bench bench-history clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "wardsite needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Serve the site with demo data on http://127.0.0.1:5000, and the worker sending its messages to the log
run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) demo
	@cat instance/demo-logins.txt 2>/dev/null || true
	@# The site and the worker that sends its messages (to the log here), stopped together.
	$(FLASK) notify worker --log-only & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

## Run the whole suite on SQLite (browser journeys included), then on PostgreSQL
test: $(STAMP) build/vnu/vnu.jar
	bash scripts/require-system-packages.sh
	bash scripts/vendor.sh --check
	VENDOR_LOCK=scripts/tools.lock bash scripts/vendor.sh --check
	bash scripts/run-tests.sh

## The Nu HTML Checker for the markup test, pinned in scripts/tools.lock
build/vnu/vnu.jar: scripts/tools.lock
	VENDOR_LOCK=scripts/tools.lock bash scripts/vendor.sh

test-sqlite: $(STAMP)
	$(BIN)/pytest

## Refetch the pinned third-party files from the npm registry and check them
vendor:
	bash scripts/vendor.sh

## Load benchmark of the public pages against bare Flask, cached, rendered and during a working day (wrk, loopback only, under 10 minutes)
bench: $(STAMP)
	@command -v wrk >/dev/null || (test "$$(id -u)" = 0 && apt-get update -qq && apt-get install -y -qq wrk) || (echo "install the Debian package 'wrk'" && exit 1)
	$(BIN)/python benchmarks/load.py

## The cached and rendered pages on the scaled data and on ten times its history (about 8 minutes)
bench-history: $(STAMP)
	@command -v wrk >/dev/null || (test "$$(id -u)" = 0 && apt-get update -qq && apt-get install -y -qq wrk) || (echo "install the Debian package 'wrk'" && exit 1)
	$(BIN)/python benchmarks/load.py --history 10

## Add new messages to the translation catalogues (then translate them)
translations: $(STAMP)
	$(BIN)/python -m wardsite.i18n_tools update

clean:
	rm -rf $(VENV) .pytest_cache
