# Two entry points: `make run` (set up and start the dashboard) and `make test` (the whole suite).
# Installs come from the hashed locks (requirements.lock, requirements-dev.lock); `make lock` regenerates
# them from the human-edited requirements*.txt, `make audit` scans them for known vulnerabilities.
PYTHON ?= python3
PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DB := build/pbsa.duckdb
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes
LOCK := $(BIN)/uv pip compile --quiet --generate-hashes --python-version $(PYTHON_VERSION) --no-header \
	--custom-compile-command "make lock"
DATA_FILES := $(shell find data -type f -name '*.csv') $(wildcard pbsa_analytics/store/*.py pbsa_analytics/store/sql/*.sql)

.PHONY: run test build lint clean bench lock audit demo presenter-link run-cluster
ADDRESS ?= 127.0.0.1

run: $(DB)
	@$(BIN)/python -m pbsa_analytics.services.presenter_link $(ADDRESS) $(PORT)
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

# The presenter link carries the local-mode presenter secret; ADDRESS=0.0.0.0 also lists LAN addresses.
presenter-link: $(VENV)/.run-installed
	$(BIN)/python -m pbsa_analytics.services.presenter_link $(ADDRESS) $(PORT)

# Several Streamlit processes behind nginx (Debian's nginx-light), e.g. `make run-cluster N=4`.
N ?= 2
run-cluster: $(DB) $(NGINX)
	$(BIN)/python -m pbsa_analytics.cluster --workers $(N) --port $(PORT)

test: $(VENV)/.dev-installed $(CHROMIUM) $(NGINX)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

build: $(DB)

# The interpreter must be the pinned version (.python-version, requires-python in pyproject.toml).
CHECK_PYTHON = -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(PYTHON_VERSION)" else \
	f"Python {v} found; this project needs Python $(PYTHON_VERSION): make PYTHON=python$(PYTHON_VERSION) ...")'

$(BIN)/python:
	@$(PYTHON) $(CHECK_PYTHON)
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.lock | $(BIN)/python
	@$(BIN)/python $(CHECK_PYTHON)
	$(PIP_INSTALL) -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements.lock requirements-dev.lock | $(BIN)/python
	@$(BIN)/python $(CHECK_PYTHON)
	$(PIP_INSTALL) -r requirements-dev.lock
	touch $@ $(VENV)/.run-installed

# Browser tests drive Debian's Chromium: install it when we can (root), otherwise stop at once and say how.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "$(CHROMIUM) is missing; run: sudo apt-get install -y chromium" >&2; exit 1; \
	fi

# The cluster test and `make run-cluster` put nginx in front of several Streamlit processes.
$(NGINX):
	@if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's nginx-light for the cluster test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	else \
		echo "$(NGINX) is missing; run: sudo apt-get install -y nginx-light" >&2; exit 1; \
	fi

# Regenerate both locks from requirements*.txt; versions already locked are kept (idempotent).
lock: $(VENV)/.dev-installed
	$(LOCK) requirements.txt -o requirements.lock
	$(LOCK) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

# Known vulnerabilities in every locked package. Needs PyPI's JSON API (the vulnerability data); --strict fails
# rather than passing when a package could not be checked. Not part of `make test`.
audit: $(VENV)/.dev-installed
	$(BIN)/pip-audit --strict --disable-pip --require-hashes --progress-spinner off -r requirements.lock -r requirements-dev.lock

$(DB): $(VENV)/.run-installed $(DATA_FILES)
	$(BIN)/python -m pbsa_analytics build

# Synthetic quarterly returns in their own store (var/demo-store), then the app on it; data/ and var/store untouched.
DEMO_STORE := var/demo-store
demo: $(DB)
	rm -rf $(DEMO_STORE)
	$(BIN)/python -m pbsa_analytics demo --store-dir $(DEMO_STORE)
	PBSA_STORE_DIR=$(DEMO_STORE) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

clean:
	rm -rf build .pytest_cache .ruff_cache test-artifacts

bench: $(VENV)/.dev-installed
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python -m benchmarks.bench_pages
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python -m benchmarks.bench_scale
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python -m benchmarks.bench_evidence_search
	$(BIN)/python -m benchmarks.bench_imports
	$(BIN)/python -m benchmarks.bench_bombs
	STREAMLIT_LOGGER_LEVEL=error $(BIN)/python -m benchmarks.bench_crowd
