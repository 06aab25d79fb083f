# The README's commands. Everything a fresh machine needs is installed here.
#
# PYTHON is the interpreter to install into and run with: `python3` is the active virtual
# environment's when one is active; or point at one: `make test PYTHON=.venv/bin/python`.
# Every command runs as `$(PYTHON) -m ...`, so no script has to be on PATH.
PYTHON ?= python3
VENV ?= .venv

.PHONY: venv run test setup setup-test lint

# Create a virtual environment (Python >= 3.10) in $(VENV); then `. $(VENV)/bin/activate`.
venv:
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.10 needed, found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	@echo "created $(VENV); activate it with: . $(VENV)/bin/activate  (or pass PYTHON=$(VENV)/bin/python to make)"

setup:
	$(PYTHON) -m pip install -q -e .

# The package with the test and Label Studio extras, the Label Studio server in its own venv
# ($${CARTEL_FTO_LS_VENV:-.venv-labelstudio}), Debian's chromium (root, or passwordless sudo).
setup-test:
	$(PYTHON) -m pip install -q -c constraints.txt -e '.[dev,labelstudio]'
	@for s in scripts/setup_*.sh; do [ -f "$$s" ] && PYTHON="$(PYTHON)" bash "$$s" || exit 1; done

run: setup
	$(PYTHON) -m cartel_fto_corpus validate --summary

test: setup-test
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
