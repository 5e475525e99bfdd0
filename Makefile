# Everything runs through the project's own venv, bootstrapped from a bare python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint format typecheck

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock libs/*/pyproject.toml services/*/pyproject.toml
	$(BIN)/uv sync --locked --python $(BIN)/python
	touch $@

install: $(VENV)/.synced

run: install
	$(BIN)/unicron up

# The suite also holds the code to its lint and type rules: a change that breaks them does not land.
test: lint typecheck
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy
