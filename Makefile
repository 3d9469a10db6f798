# Two commands for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint install prepare ui screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The dbt manifest is prepared ahead so that importing the Dagster definitions never parses dbt.
prepare: install
	$(BIN)/abm prepare

demo: prepare
	$(BIN)/abm demo

# Python style by ruff, the dbt SQL (rendered by sqlfluff's Jinja templater) by sqlfluff; see .sqlfluff.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt/

test: prepare lint
	$(BIN)/python -m pytest

# The slow end-to-end suites (marked `slow`), which CI runs after `make test`.
test-slow: prepare
	$(BIN)/python -m pytest -m slow

# The README's pictures of the tier report and the data-quality report, from the demo's data folder.
screenshots: prepare
	$(BIN)/python docs/screenshots.py

ui: prepare
	$(BIN)/abm ui

clean:
	rm -rf data dbt/target dbt/logs
