# A bare checkout needs only python3 (3.11+): every target builds what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo check bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

## check: lint and type-check
check: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m mypy --strict src

## test: everything CI runs: lint, types, all tests, benchmarks at a small size
test: check
	$(PY) -m pytest -q
	$(PY) bench/engine.py --events 20000
	$(PY) bench/service.py --small
	$(PY) bench/sim.py --small

## demo: the service with a simulated contact center, live in the terminal (Ctrl-C stops)
PORT ?= 8000
demo: $(STAMP)
	$(PY) -m wallboard.cli demo --port $(PORT)

## bench: the full-size benchmarks (figures in docs/performance.md)
bench: $(STAMP)
	$(PY) bench/engine.py --repeat 5
	$(PY) bench/service.py
	$(PY) bench/sim.py

lock: $(STAMP)
	$(PY) -m pip freeze --all --exclude-editable | grep -v "^pip==" | sort -f

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
