# newswire: every target sets up what it needs (virtualenv in .venv, Kafka jars in
# ~/.cache/newswire) on a fresh machine. `make help` lists them.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KAFKA  := $(PYTHON) deploy/kafka/launcher.py
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help venv kafka-jars promtool test unit integration lint format run eval train-ner train-lines gazetteer bench bench-index chaos soak clean

help:
	@echo "make run          start a local Kafka and the worker, send sample stories, show outcomes"
	@echo "make test         lint, then the whole test suite (integration tests on a real broker)"
	@echo "make unit         unit tests only (no broker)"
	@echo "make eval         quality on the labelled corpora (dedupe beside datasketch; entities"
	@echo "                  beside the gazetteer alone; language detection; boilerplate removal"
	@echo "                  and learning; HTML beside trafilatura; stories beside TF-IDF)"
	@echo "make train-ner DATA=../shared/data/ner   retrain the entity models (and their dev sets)"
	@echo "make train-lines  retrain the line model (workers/data/lines.json; reads ../shared/data)"
	@echo "make gazetteer    rebuild workers/data/gazetteer.json from curated.yaml and the data packages"
	@echo "make bench        newswire bench on a local broker: passthrough, 1 and 2 workers, latency, stages"
	@echo "make bench-index  dedupe decision cost as the index grows to 1,000,000 stories"
	@echo "make chaos        fault scenarios on real workers and a local broker: missing/doubled (long)"
	@echo "make soak         1,000,000 stories through one worker, RSS and state on disk sampled (~70 min)"
	@echo "make lint|format  ruff check / ruff format"
	@echo "make kafka-jars   fetch the Apache Kafka jars from Maven Central (once)"
	@echo "make promtool     install promtool (Debian's prometheus package) for the alert-rule tests"
	@echo "make clean        remove .venv and local state"

# The install compiles workers/pipeline/*.pyx: an edit to one needs the install again.
$(STAMP): pyproject.toml setup.py $(wildcard workers/pipeline/*.pyx)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

kafka-jars:
	@$(KAFKA) fetch >/dev/null

# promtool checks and unit-tests the alert rules; Debian ships it in `prometheus`.
promtool:
	@command -v promtool >/dev/null || { \
	  echo "installing promtool (Debian package prometheus)"; \
	  $(SUDO) apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || { \
	    $(SUDO) apt-get update >/dev/null 2>&1 && \
	    $(SUDO) apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1; } || \
	  echo "promtool could not be installed: its tests will be skipped (and fail CI)"; }

test: venv kafka-jars promtool lint
	$(BIN)/pytest

unit: venv
	$(BIN)/pytest tests/unit

integration: venv kafka-jars
	$(BIN)/pytest tests/integration

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: venv kafka-jars
	$(BIN)/python deploy/demo.py

eval: venv
	$(BIN)/python -m workers.evaluation.dedupe
	$(BIN)/python -m workers.evaluation.entities
	$(BIN)/python -m workers.evaluation.language
	$(BIN)/python -m workers.evaluation.cleaning
	$(BIN)/python -m workers.evaluation.outlet_lines
	$(BIN)/python -m workers.evaluation.html_extraction
	$(BIN)/python -m workers.evaluation.html_pages
	$(BIN)/python -m workers.evaluation.stories
	$(BIN)/python -m workers.evaluation.sources

DATA ?= ../shared/data/ner
train-ner: venv
	$(BIN)/python -m workers.training.ner $(DATA)

train-lines: venv
	$(BIN)/python -m workers.training.lines

gazetteer: venv
	$(BIN)/python -m workers.training.gazetteer

bench: venv kafka-jars
	$(BIN)/python deploy/bench.py $(BENCH_ARGS)

bench-index: venv
	$(BIN)/python -m workers.bench.stages

chaos: venv kafka-jars
	$(BIN)/python deploy/chaos.py $(CHAOS_ARGS)

soak: venv kafka-jars
	$(BIN)/python deploy/chaos.py --soak 1000000 $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) .newswire .kafka .pytest_cache .ruff_cache *.egg-info
