# bkanalysis — run `make help` for the list of targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Local mirror of the commune boundaries (not committed); see data/external/README.md.
GEO_MIRROR ?= ../shared/geo
LANG_ARG ?= vi
FORMATS ?= png

.PHONY: help install boundaries example-data gallery data report brief status targets test test-fast lint format benchmark clean

help: ## List the targets with a one-line description
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "bkanalysis needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with python3 and install bkanalysis with its dev extras

boundaries: $(STAMP) ## Put commune boundaries into data/external/boundaries (from GEO_MIRROR)
	$(BIN)/bkanalysis boundaries --mirror $(GEO_MIRROR)

example-data: $(STAMP) ## Regenerate the example workbooks in data/raw (seeded, deterministic)
	$(BIN)/python scripts/make_example_data.py

data: $(STAMP) ## Build data/processed from data/raw (= bkanalysis build)
	$(BIN)/bkanalysis build

report: $(STAMP) ## Build, execute every notebook, export figures and tables (= bkanalysis report)
	-@$(BIN)/bkanalysis boundaries --mirror $(GEO_MIRROR) --quiet
	$(BIN)/bkanalysis report --lang $(LANG_ARG) --formats $(FORMATS)

brief: $(STAMP) ## Write the Word policy brief reports/brief_<lang>_<year>.docx (after make report)
	$(BIN)/bkanalysis brief --lang $(LANG_ARG)

gallery: $(STAMP) ## Refresh the README gallery (docs/gallery) from reports/vi/figures
	$(BIN)/python scripts/make_gallery.py

status: $(STAMP) ## Print the progress of every target
	$(BIN)/bkanalysis status --lang $(LANG_ARG)

targets: $(STAMP) ## Print the targets registry
	$(BIN)/bkanalysis targets

test: $(STAMP) ## Run the whole test suite (what CI runs)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## Run the tests that are not marked slow
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP) ## Lint the code with ruff
	$(BIN)/ruff check src tests benchmarks scripts notebooks
	$(BIN)/ruff format --check src tests benchmarks scripts

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff check --fix src tests benchmarks scripts notebooks
	$(BIN)/ruff format src tests benchmarks scripts

benchmark: $(STAMP) ## Run the benchmarks and print their figures
	$(BIN)/python benchmarks/run.py

clean: ## Remove processed data and reports (raw data is never touched)
	rm -rf data/processed/* data/processed/.read-cache reports/*
	@touch data/processed/.gitkeep reports/.gitkeep
