# Everything runs through the project's own venv, bootstrapped from a bare python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint format typecheck chaos

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

# The scheduler under failure (bench/chaos.py): about 6 minutes, stops itself, exits 1 on a breach.
chaos: install
	timeout 600 $(BIN)/python bench/chaos.py

# The API's contract, openapi.json, and the Python client generated from it (never edited by hand);
# tests/client fails when either differs from what this target would write.
OPENAPI := openapi.json
CLIENT_DIR := clients/python
client: install
	$(BIN)/python -m unicron_api.contract $(OPENAPI)
	rm -rf $(CLIENT_DIR)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/openapi-python-client generate --path $(OPENAPI) \
		--config clients/config.yaml --custom-template-path clients/templates --meta uv \
		--output-path $(CLIENT_DIR) --fail-on-warning

# Schemathesis against a live `unicron api`: every operation, with and without a key, 500 examples
# each (`make test` runs a few per operation).
FUZZ_EXAMPLES := 500
fuzz: install
	UNICRON_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/fuzz -p no:cacheprovider --timeout 3600
