# Two entry points: `make run` (set up and start the dashboard) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DB := build/pbsa.duckdb
DATA_FILES := $(shell find data -type f -name '*.csv') $(wildcard pbsa_analytics/store/*.py pbsa_analytics/store/sql/*.sql)

.PHONY: run test build lint clean bench

run: $(DB)
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

build: $(DB)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

$(DB): $(VENV)/.run-installed $(DATA_FILES)
	$(BIN)/python -m pbsa_analytics build

clean:
	rm -rf build .pytest_cache .ruff_cache test-artifacts

bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.bench_evidence_search
	$(BIN)/python -m benchmarks.bench_scale
