# Every target works from a fresh clone with only Python 3.11+ and make:
# the first one that needs the virtualenv builds it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ENV    ?= default
PORT   ?= 4566
RUNTIME := $(VENV)/.runtime-installed
STAMP  := $(VENV)/.installed

.PHONY: install demo demo-attested test test-all lint deploy check local bench web clean

## Everything: the runtime, then the dev tools (SAM CLI, cfn-lint, checkov, Playwright, pytest).
install: $(STAMP)

# The small set demo/local/check need (requirements-runtime.lock), so a first `make demo`
# does not wait for the dev tools.
$(RUNTIME): requirements-runtime.lock pyproject.toml
	@echo "==> creating $(VENV) with the runtime packages (requirements-runtime.lock)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar off -r requirements-runtime.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -c "import guestapi.offline.launch"
	touch $@

$(STAMP): $(RUNTIME) requirements.lock
	@echo "==> adding the dev tools (requirements.lock): SAM CLI, checkov, Playwright, pytest, ruff"
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

## The main job: offline stack from template.yaml + the post-deploy check suite against it.
demo: $(RUNTIME)
	$(PY) scripts/demo.py

## The same with AttestationMode=enforce: only attested installs get in (a throwaway test root CA).
demo-attested: $(RUNTIME)
	$(PY) scripts/demo.py --attestation-mode enforce

# pytest-xdist workers. Four on two cores: the sandbox, timeout and server tests mostly wait.
# --dist loadfile keeps a file's tests on one worker, so its module-wide stack is built once.
WORKERS ?= 4
XDIST   := -n $(WORKERS) --dist loadfile

## The fast loop (under a minute): every test but the slow, real-tool, browser, packaging, load
## and AWS ones (their markers, pyproject.toml), spread over $(WORKERS) workers.
test: $(STAMP)
	$(PY) -m pytest $(XDIST) -m "not (slow or browser or packaging or load or aws)"

## What CI runs: the pre-commit hooks (ruff, cfn-lint, sam validate, mypy, lint-imports), then
## every test but the ones that need a real AWS stack, in parallel.
test-all: $(STAMP) web
	$(VENV)/bin/pre-commit run --all-files
	$(PY) -m pytest $(XDIST)

## The template's linters (scripts/lint.py), then the types and the import contracts
## (pyproject.toml's [tool.mypy] and [tool.importlinter]; pre-commit runs those two as well).
lint: $(STAMP)
	$(PY) scripts/lint.py
	$(VENV)/bin/mypy
	PYTHONPATH=src $(VENV)/bin/lint-imports --no-cache

deploy: $(STAMP)
	$(PY) scripts/deploy.py --config-env $(ENV)

check: $(RUNTIME)
	$(PY) scripts/check.py --config-env $(ENV)

## The offline stack until Ctrl-C; `make local PORT=N` when 4566 is taken.
local: $(RUNTIME)
	$(PY) scripts/local.py --port $(PORT) --outputs-file .guestapi/outputs-local.json

bench: $(STAMP)
	$(PY) bench/run.py

## The browser example's bundle (web/dist/app.js), from package-lock.json.
web: node_modules/.package-lock.json
	npm run --silent build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .guestapi node_modules web/dist
