# Every target works from a fresh clone with only Python 3.11+ and make:
# the first one that needs the virtualenv builds it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ENV    ?= default
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint deploy check local bench web clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## The main job: offline stack from template.yaml + the post-deploy check suite against it.
demo: $(STAMP)
	$(PY) scripts/demo.py

## All tests but the ones that need a real AWS stack.
test: $(STAMP) web
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) scripts/lint.py

deploy: $(STAMP)
	$(PY) scripts/deploy.py --config-env $(ENV)

check: $(STAMP)
	$(PY) scripts/check.py --config-env $(ENV)

local: $(STAMP)
	$(PY) scripts/local.py --outputs-file .guestapi/outputs-local.json

bench: $(STAMP)
	$(PY) bench/run.py

## The browser example's bundle (web/dist/app.js), from package-lock.json.
web: node_modules/.package-lock.json
	npm run --silent build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .guestapi node_modules web/dist
