# The README's two set-up commands: `make run` and `make test`. Everything a fresh machine needs is
# installed here.
#
# Which Python: with a virtual environment active, its `python3`; with none, the project's own
# $(VENV) (default .venv), created on first use from $(BASE_PYTHON) (>= 3.10); or any interpreter
# given as `make test PYTHON=/path/to/python`. Every command runs as `$(PYTHON) -m ...`, so no
# script has to be on PATH.
VENV ?= .venv
BASE_PYTHON ?= python3

ifeq ($(origin PYTHON),undefined)
  ifdef VIRTUAL_ENV
    PYTHON := python3
  else
    PYTHON := $(VENV)/bin/python
    NEEDS_VENV := $(VENV)/bin/python
  endif
endif

.PHONY: venv run test setup setup-test lint mutation

# The project venv, made once. `make venv` makes it explicitly; run/test make it when needed.
$(VENV)/bin/python:
	@$(BASE_PYTHON) -c 'import sys; sys.exit("Python >= 3.10 needed, found " + sys.version.split()[0] + " ($(BASE_PYTHON)); set BASE_PYTHON=") if sys.version_info < (3, 10) else None'
	$(BASE_PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	@echo "created $(VENV) (activate it with . $(VENV)/bin/activate to call cartel-fto directly)"

venv: $(VENV)/bin/python

setup: $(NEEDS_VENV)
	$(PYTHON) -m pip install -q -e .

# The package with the test and Label Studio extras, the Label Studio server in its own venv
# ($${CARTEL_FTO_LS_VENV:-.venv-labelstudio}), Debian's chromium (root, or passwordless sudo).
# The scripts/setup_*.sh run beside the pip install (they share nothing with it; the Label Studio
# venv alone downloads ~1 GB), each into its own log, printed when all have ended; any failure fails.
setup-test: $(NEEDS_VENV)
	@logs=$$(mktemp -d); jobs=; \
	for s in scripts/setup_*.sh; do \
	  [ -f "$$s" ] || continue; \
	  PYTHON="$(PYTHON)" bash "$$s" >"$$logs/$${s##*/}.log" 2>&1 & jobs="$$jobs $$!:$$s"; \
	done; \
	echo "$(PYTHON) -m pip install -q -c constraints.txt -e '.[dev,labelstudio]' (scripts/setup_*.sh beside it)"; \
	$(PYTHON) -m pip install -q -c constraints.txt -e '.[dev,labelstudio]'; rc=$$?; \
	for j in $$jobs; do wait "$${j%%:*}" || { echo "$${j#*:} failed:" >&2; rc=1; }; cat "$$logs/$$(basename "$${j#*:}").log"; done; \
	rm -rf "$$logs"; exit $$rc

# pytest-xdist: the Label Studio tests in one worker beside all the others in another (the groups
# are set in tests/conftest.py; TEST_WORKERS=0 runs everything in this one process); the 30 slowest
# tests are listed (where CI's time goes).
TEST_WORKERS ?= 2

run: setup
	$(PYTHON) -m cartel_fto_corpus validate --summary

test: setup-test
	$(PYTHON) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=30

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

# Mutation testing of truth/ and checks/ (mutmut 3, [tool.mutmut] in pyproject.toml); slow, never
# in CI. `make mutation MUTANTS='cartel_fto_corpus.truth.offsets*'` for some modules; then
# `scripts/mutation.sh --summary` (kill rate per module) and `mutmut results`.
mutation:
	PYTHON="$(PYTHON)" scripts/mutation.sh $(MUTANTS)
