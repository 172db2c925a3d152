# Two entry points for a fresh machine; each builds .venv from the pinned requirements first.
#   make colorize   colorize the bundled sample photo into examples/colorized/
#   make test       lint and run the test suite (what CI runs)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: colorize test lint bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip uninstall --quiet --yes opencv-python-headless  # an older venv's; the contrib build replaces it
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

colorize: $(STAMP)
	$(PY) -m ddcolor colorize examples/cameraman.jpg --output examples/colorized --model-size $(or $(MODEL),large)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/model_speed.py
