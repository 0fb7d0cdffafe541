# A bare checkout needs only python3 (3.11+): every target builds what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo cluster-demo check bench lock clean frontend figures

# The dashboard: built from frontend/ with the machine's Node.js (20+) into the package.
NODE_STAMP := frontend/node_modules/.installed
STATIC := src/wallboard/web/static/index.html
FRONTEND_SOURCES := $(shell find frontend/src -type f) frontend/index.html frontend/apidocs.html \
	frontend/vite.config.ts frontend/tsconfig.json

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(NODE_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(STATIC): $(NODE_STAMP) $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build

## frontend: build the dashboard
frontend: $(STATIC)

## figures: write the dashboard's copy of the registry of figures (src/wallboard/figures.py)
figures: $(STAMP)
	$(PY) -m wallboard.figures > frontend/src/generated/figures.ts

## check: lint and type-check
check: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m mypy --strict src

## test: everything CI runs: lint, types, all tests, benchmarks at a small size
test: check $(STATIC)
	cd frontend && npm test --silent
	$(PY) -m pytest -q
	$(PY) bench/engine.py --events 20000 --whole-process 20000
	$(PY) bench/service.py --small
	$(PY) bench/sim.py --small
	$(PY) bench/staffing_model.py --hours 2 --seeds 1
	$(PY) bench/surge_quality.py --runs 2
	$(PY) bench/drilldown.py --events 20000
	$(PY) bench/alerts.py --trials 3 --hold 1 --load 100
	$(PY) bench/cluster.py --small
	$(PY) bench/chatwoot.py --hours 1

## demo: the service with a simulated contact center, live in the terminal (Ctrl-C stops)
PORT ?= 8000
demo: $(STAMP) $(STATIC)
	$(PY) -m wallboard.cli demo --port $(PORT)

## cluster-demo: the same on a local cluster (3 NATS nodes, PostgreSQL, two engine workers,
## an ingest and an api role; needs Debian's postgresql)
cluster-demo: $(STAMP) $(STATIC)
	$(PY) -m wallboard.cli cluster-demo --port $(PORT)

## bench: the full-size benchmarks (figures in docs/performance.md)
bench: $(STAMP)
	$(PY) bench/engine.py --repeat 5 --whole-process 2700000
	$(PY) bench/service.py
	$(PY) bench/sim.py
	$(PY) bench/staffing_model.py
	$(PY) bench/surge_quality.py
	$(PY) bench/drilldown.py
	$(PY) bench/alerts.py
	$(PY) bench/cluster.py
	$(PY) bench/chatwoot.py

lock: $(STAMP)
	$(PY) -m pip freeze --all --exclude-editable | grep -v "^pip==" | sort -f

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache frontend/node_modules src/wallboard/web/static
