# Two commands do all setup on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check bench lock clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the service and the ACS emulator together on the embedded defaults (no Azure account).
run: $(STAMP)
	$(BIN)/callwright dev

## Install everything into .venv and run the whole test suite.
test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

## Pin the runtime dependencies the container installs (commit the result).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --quiet --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--annotation-style line --custom-compile-command 'make lock' -o requirements.lock

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

## Benchmarks: print tables of the framework's per-event cost and the emulator's capacity.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache
