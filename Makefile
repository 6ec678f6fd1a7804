# LiveQA build, run and test entry points.  GNU make; recipes run in bash.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Rebuilt whenever pyproject.toml is newer, so a dependency change reinstalls.
VENV_STAMP := $(VENV)/.liveqa-installed

VENDOR := static/vendor
ASSETS_STAMP := $(VENDOR)/.liveqa-assets
LOCKFILE := $(wildcard package-lock.json)
SOCKETIO_DIST := node_modules/socket.io-client/dist
VAZIRMATN := node_modules/vazirmatn

TRANSLATIONS := liveqa/translations
POT := $(TRANSLATIONS)/messages.pot
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

MIGRATIONS := liveqa/migrations
# Commands do not serve, so they need no eventlet (and none of its import-time notices).
FLASK := LIVEQA_ASYNC_MODE=threading $(BIN)/flask --app liveqa.app
PYTEST_ARGS ?=
# Tests run in parallel, one worker a CPU; a test file stays on one worker, so its
# module-scoped servers and seeds are made once. `make test XDIST=` runs them in one process.
XDIST ?= -n auto --dist loadfile

.PHONY: venv assets translations extract run test browser lint clean bench bench-node

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

assets: $(ASSETS_STAMP)

# Node is needed only to fetch the packages; the copy below is plain cp.
$(ASSETS_STAMP): package.json $(LOCKFILE)
	if [ -f package-lock.json ]; then \
	  npm ci --ignore-scripts --no-audit --no-fund; \
	else \
	  npm install --ignore-scripts --no-audit --no-fund; \
	fi
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/vazirmatn
	cp $(SOCKETIO_DIST)/socket.io.min.js $(VENDOR)/
	if [ -f $(SOCKETIO_DIST)/socket.io.min.js.map ]; then \
	  cp $(SOCKETIO_DIST)/socket.io.min.js.map $(VENDOR)/; \
	fi
# The variable font holds every weight in one file, smaller than three static weights;
# renamed because brackets in its name need escaping in URLs and shells.
	cp '$(VAZIRMATN)/fonts/webfonts/Vazirmatn[wght].woff2' $(VENDOR)/vazirmatn/Vazirmatn-Variable.woff2
	cp $(VAZIRMATN)/OFL.txt $(VENDOR)/vazirmatn/OFL.txt
	touch $@

translations: $(MO_FILES)

$(TRANSLATIONS)/%.mo: $(TRANSLATIONS)/%.po | $(VENV_STAMP)
	$(BIN)/pybabel compile -f -D messages -i $< -o $@

extract: $(VENV_STAMP)
	mkdir -p $(TRANSLATIONS)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	  -k lazy_pgettext:1c,2 --project=LiveQA -o $(POT) .
# No fuzzy matching: compile uses fuzzy entries, and a guessed match would ship
# a wrong translation.
	if compgen -G '$(TRANSLATIONS)/*/LC_MESSAGES/messages.po' >/dev/null; then \
	  $(BIN)/pybabel update -i $(POT) -d $(TRANSLATIONS) --no-fuzzy-matching; \
	else \
	  echo "no catalogs yet: $(BIN)/pybabel init -i $(POT) -d $(TRANSLATIONS) -l fa"; \
	fi

run: $(VENV_STAMP) $(ASSETS_STAMP) translations
	mkdir -p instance
	$(FLASK) db upgrade -d $(MIGRATIONS)
	$(FLASK) seed-demo --if-empty
	$(BIN)/python -m liveqa.server

test: $(VENV_STAMP) $(ASSETS_STAMP) translations browser
	$(BIN)/python -m pytest -q $(XDIST) $(PYTEST_ARGS)

# Debian's Chromium drives the browser tests; Playwright's own browser download
# cannot reach its host from here, so never `playwright install`.
browser:
	if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# lint-imports checks the import contracts in pyproject.toml ([tool.importlinter]).
lint: $(VENV_STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

# Leaves .venv and instance/ (the local database) alone.
clean:
	rm -rf node_modules $(VENDOR) .pytest_cache .ruff_cache .import_linter_cache test-results build *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find $(TRANSLATIONS) -name '*.mo' -delete 2>/dev/null || true

# Load benchmark of the live session (not a test): 1,500 sockets on a local server.
BENCH_ARGS ?= --clients 1500 --changes 20 --supports 300
bench: $(VENV_STAMP)
	$(BIN)/python -c 'import aiohttp' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/fanout.py $(BENCH_ARGS)

# LiveQA against a Node socket.io reference server under one load generator (bench/node/):
# side-by-side tables with LiveQA/Node ratios, on SQLite, PostgreSQL and two processes
# sharing Redis. See bench/README.md; e.g. `make bench-node BENCH_NODE_ARGS='--citizens 5000'`.
BENCH_NODE_ARGS ?= --citizens 1000
BENCH_NODE_STAMP := bench/node/node_modules/.liveqa-installed
bench-node: $(VENV_STAMP) $(BENCH_NODE_STAMP) translations
	$(BIN)/python bench/compare.py $(BENCH_NODE_ARGS)

$(BENCH_NODE_STAMP): bench/node/package.json bench/node/package-lock.json
	cd bench/node && npm ci --ignore-scripts --no-audit --no-fund
	touch $@
