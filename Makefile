# The course's commands. Each sets up .venv on first use (Python 3.11 + pinned requirements).
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup book test lint outputs lab bench mutate clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open file://$(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check xorlib tests tools benchmarks chapters _ext conftest.py

test: lint book
	$(BIN)/python -m pytest -p no:cacheprovider --nbval tests chapters

outputs: $(STAMP)
	$(BIN)/python tools/refresh_outputs.py

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Mutation testing of the core modules against the unit tests ([tool.mutmut] in pyproject.toml).
# A fresh run every time (about 20 min on 2 cores): a cached survivor is not retried when tests
# change. Fails when fewer than 90% of the non-equivalent mutants are killed.
$(VENV)/.mutate-installed: $(STAMP) requirements-mutate.txt
	$(BIN)/python -m pip install -q -r requirements-mutate.txt
	touch $@

mutate: $(VENV)/.mutate-installed
	rm -rf mutants
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children 2
	$(BIN)/python tools/mutation_summary.py --min-rate 0.9

clean:
	rm -rf _build mutants
