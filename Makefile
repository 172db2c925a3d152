# Two entry points for a fresh machine; each builds .venv from the pinned requirements first.
#   make colorize   colorize the bundled sample photo into examples/colorized/
#   make test       lint and run the test suite (what CI runs)
# And `make serve` (PREDICTOR=predict_video.py:VideoPredictor for video): the Cog HTTP API on
# 127.0.0.1:5000 without Docker, with the input schema `cog build` would write, so bad inputs get 422.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: colorize test lint bench serve

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

PREDICTOR ?= predict.py:Predictor
serve: $(STAMP)
	PYTHONPATH=tests $(PY) -c 'import json, pathlib, sys, cog_schema; \
		module, name = sys.argv[1].split(":"); module = module.removesuffix(".py"); \
		path = pathlib.Path(".cog/openapi_schema.json"); path.parent.mkdir(exist_ok=True); \
		path.write_text(json.dumps(cog_schema.build_openapi_schema(module, name)))' '$(PREDICTOR)'
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" COG_PREDICT_TYPE_STUB='$(PREDICTOR)' $(PY) -m cog.server.http --host 127.0.0.1
