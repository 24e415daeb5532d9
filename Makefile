# The course's commands. Each sets up .venv on first use (Python 3.11 + the locked requirements).
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The R appendix's kernel, registered by set-up where R is on PATH (tools/register_r_kernel.py);
# without R the recipe only says how to get it, and the appendix's tests skip.
R_KERNEL := $(VENV)/share/jupyter/kernels/ir/kernel.json
# Optional: a package index for torch alone, e.g. PyTorch's CPU-only wheels on Linux (see README).
TORCH_INDEX ?=
# The locks: every package an environment gets, pinned with its hashes, compiled by `make lock` (uv)
# from the direct dependencies in requirements/*.in, which say why each is there. They are resolved for
# CPython 3.11 on Linux x86-64. main.txt is .venv; compat.txt the same pins with torch 2.14.1 and its
# NVIDIA wheels (make compat); mutate.txt main.txt's pins plus mutmut (make mutate).
LOCK := requirements/main.txt
COMPAT_LOCK := requirements/compat.txt
MUTATE_LOCK := requirements/mutate.txt
MAIN_IN := $(addprefix requirements/,runtime.in torch.in docs.in test.in lint.in lab.in tools.in)
COMPAT_IN := $(subst torch.in,torch-compat.in,$(MAIN_IN))
# Installs a lock exactly: hashes checked, nothing from outside it, then pip's own consistency check.
INSTALL_LOCK := -m pip install -q --require-hashes --no-deps -r

.PHONY: setup book test test-portable test-units lint outputs rmarkdown lab lab-copy lab-reset bench peak compat \
	mutate lock clean

setup: $(STAMP) $(R_KERNEL)

$(STAMP): $(LOCK) pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: no $(PYTHON) on PATH; the course needs Python 3.11 \
	(or run: make PYTHON=/path/to/python3.11 ...)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "make: the course needs \
	Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1). Run: make PYTHON=python3.11 ..." >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "make: $(PYTHON) cannot create a virtual \
	environment (no venv/ensurepip). On Debian or Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@# With TORCH_INDEX, the lock's torch build comes from there first (no hash: that index's files
	@# are not in the lock), and the lock's install below keeps it.
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install -q --no-deps --index-url $(TORCH_INDEX) \
		"$$(grep -o '^torch==[^ ]*' $(LOCK))")
	$(BIN)/python $(INSTALL_LOCK) $(LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	mkdir -p $(LAB_SETTINGS) && cp tools/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	touch $(STAMP)

$(R_KERNEL): $(STAMP) tools/register_r_kernel.py
	$(BIN)/python tools/register_r_kernel.py

book: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/wheel
	$(BIN)/jupyter-book build . -W -n --keep-going
	# xorlib's wheel beside the pages, for chapters opened alone (tools/install_cell.py)
	rm -rf build  # setuptools' staging folder: a module deleted or renamed since would stay in the wheel
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w _build/wheel .
	cp _build/wheel/xorlib-*.whl _build/html/_static/
	@echo "Open file://$(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check xorlib tests tools benchmarks chapters _ext conftest.py

# `make test` runs every chapter once per kernel set; the checks that read a chapter's run (the refresh
# check, the prose claims) run in the same pytest session (tests/nbval_record.py). First the native
# kernels, with both cores; then, side by side, the chapters under a second kernel set (one thread) and
# the rest of the tests. The second kernel set is what another processor computes: torch's scalar
# kernels (no vector unit), MKL's and oneDNN's oldest instruction sets, one thread; the same stored
# outputs must hold.
PORTABLE_KERNELS := ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=SSE4_2 ONEDNN_MAX_CPU_ISA=SSE41 \
	OMP_NUM_THREADS=1
RUN_CHECKS := tests/test_notebooks.py tests/test_claims.py tests/test_exercise_design.py
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

test: lint book $(R_KERNEL)
	$(PYTEST) --nbval chapters $(RUN_CHECKS)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-portable test-units

test-portable: $(STAMP)
	$(PORTABLE_KERNELS) $(PYTEST) --basetemp=_build/pytest-portable --nbval chapters $(RUN_CHECKS)

test-units: $(STAMP)
	$(PYTEST) --basetemp=_build/pytest-units tests $(addprefix --ignore=,$(RUN_CHECKS))

outputs: $(STAMP) $(R_KERNEL)
	$(BIN)/python tools/refresh_outputs.py
	@if Rscript -e 'quit(status = !requireNamespace("rmarkdown", quietly = TRUE))' >/dev/null 2>&1 \
	    && command -v pandoc >/dev/null; then $(MAKE) --no-print-directory rmarkdown; \
	else echo "make outputs: the R Markdown page was not knitted (needs R with rmarkdown, and pandoc)"; fi

# The R Markdown twin of the R appendix, knitted as RStudio knits it, with the course's Python.
rmarkdown: $(STAMP)
	cd chapters && RETICULATE_PYTHON=$(abspath $(BIN)/python) Rscript -e \
	    'rmarkdown::render("appendix_rmarkdown.Rmd", quiet = TRUE)'

# JupyterLab on a working copy of the chapters (_build/lab/), so running them leaves the
# committed chapters as they are; a chapter already copied is kept. Start over: make lab-reset.
LAB_DIR ?= _build/lab

lab: lab-copy $(R_KERNEL)  # as root (e.g. in a container) Lab starts only with --allow-root
	$(BIN)/jupyter lab $(LAB_DIR) $(if $(filter 0,$(shell id -u)),--allow-root)

# Lab saves the panel's widget state with the notebook (tools/jupyterlab-overrides.json, installed by
# set-up and again here), so a chapter reopened after its kernel stopped shows the last panel drawn,
# not "Error displaying widget: model not found".
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

lab-copy: $(STAMP)
	mkdir -p $(LAB_DIR) $(LAB_SETTINGS)
	cp tools/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	for nb in chapters/*.ipynb; do [ -e "$(LAB_DIR)/$${nb#chapters/}" ] || cp "$$nb" $(LAB_DIR)/; done

lab-reset:
	rm -rf $(LAB_DIR)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

peak:  # the clock and FMA rate behind chapter 13's peak estimate (needs a C compiler)
	mkdir -p _build
	cc -O3 -march=native -o _build/cpu_peak benchmarks/cpu_peak.c
	_build/cpu_peak

# Every chapter re-run under the newest torch the index allows (requirements/torch-compat.in), in its own
# environment from its own lock, against the same stored outputs; the torch version string is the one
# extra exemption (tests/sanitize-compat.cfg). Then the unit tests under that torch, less those that
# test what torch does not change and the main environment builds: the website and a chapter run alone
# (both serve the site `make book` built), and the checks that read the chapters' run (RUN_CHECKS: the
# refresh check compares the provenance line, torch's version included, byte for byte).
COMPAT := .venv-compat
COMPAT_BIN := $(COMPAT)/bin
COMPAT_STAMP := $(COMPAT)/.installed

$(COMPAT_STAMP): $(COMPAT_LOCK) pyproject.toml
	rm -rf $(COMPAT)
	$(PYTHON) -m venv $(COMPAT)
	$(COMPAT_BIN)/python $(INSTALL_LOCK) $(COMPAT_LOCK)
	$(COMPAT_BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(COMPAT_BIN)/python -m pip check
	touch $(COMPAT_STAMP)

compat: $(COMPAT_STAMP)
	$(COMPAT_BIN)/python tools/register_r_kernel.py  # the R appendix reaches the new torch too
	mkdir -p _build
	cat tests/sanitize.cfg <(echo) tests/sanitize-compat.cfg > _build/sanitize-compat.cfg
	$(COMPAT_BIN)/python -m pytest -p no:cacheprovider --nbval chapters \
		--nbval-sanitize-with _build/sanitize-compat.cfg
	$(COMPAT_BIN)/python -m pytest -p no:cacheprovider --basetemp=_build/pytest-compat tests \
		$(addprefix --ignore=,$(RUN_CHECKS) tests/test_website.py tests/test_standalone.py)

# Mutation testing of the core modules against the unit tests ([tool.mutmut] in pyproject.toml).
# A fresh run every time (about 20 min on 2 cores): a cached survivor is not retried when tests
# change. Fails when fewer than 90% of the non-equivalent mutants are killed.
$(VENV)/.mutate-installed: $(STAMP) $(MUTATE_LOCK)
	$(BIN)/python $(INSTALL_LOCK) $(MUTATE_LOCK)
	$(BIN)/python -m pip check
	touch $@

mutate: $(VENV)/.mutate-installed
	rm -rf mutants
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children 2
	$(BIN)/python tools/mutation_summary.py --min-rate 0.9

# Recompile the locks after a change to requirements/*.in or to pyproject.toml's dependencies. uv keeps
# every pin it can and takes the newest release only for what changed; `make lock UPGRADE=1` re-picks
# them all. torch's CPU build is found through TORCH_INDEX or pip's PIP_FIND_LINKS folders. compat.txt
# and mutate.txt are held to main.txt's pins (compat's torch and what it brings aside).
UV_COMPILE = $(BIN)/uv pip compile -q --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	--generate-hashes --no-emit-package xorlib --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) \
	$(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX) --index-strategy unsafe-best-match) \
	$(foreach dir,$(PIP_FIND_LINKS),--find-links $(dir))

lock: $(STAMP)
	$(UV_COMPILE) -o $(LOCK) $(MAIN_IN)
	mkdir -p _build
	grep -o '^[A-Za-z0-9._-]*==[^ ]*' $(LOCK) > _build/lock-main-pins.txt
	grep -v '^torch==' _build/lock-main-pins.txt > _build/lock-compat-pins.txt
	$(UV_COMPILE) -c _build/lock-compat-pins.txt -o $(COMPAT_LOCK) $(COMPAT_IN)
	$(UV_COMPILE) -c _build/lock-main-pins.txt -o $(MUTATE_LOCK) $(MAIN_IN) requirements/mutate.in

clean:
	rm -rf _build mutants
