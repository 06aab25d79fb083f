# The two entry points of the README. Everything a fresh machine needs is installed here.
PYTHON ?= python3

.PHONY: run test setup setup-test lint

setup:
	$(PYTHON) -m pip install -q -e .

setup-test:
	$(PYTHON) -m pip install -q -c constraints.txt -e '.[dev,labelstudio]'
	@for s in scripts/setup_*.sh; do [ -f "$$s" ] && bash "$$s" || exit 1; done

run: setup
	cartel-fto validate --summary

test: setup-test
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
