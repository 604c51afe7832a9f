# The two commands a new machine needs: `make demo` and `make test`.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the official schemas live beside the repository (../shared/standards), never inside it
ifneq ($(wildcard ../shared/standards),)
export GATEWAY_STANDARDS_DIR ?= $(abspath ../shared/standards)
endif

.PHONY: demo test lint typecheck bench schemas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gateway demo

test: $(STAMP)
	$(BIN)/ruff check gateway simulators contract_tests tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check gateway simulators contract_tests tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

schemas: $(STAMP)
	$(BIN)/python -m gateway.events.schema_files --write schemas/
	$(BIN)/python -m gateway.api.intake_openapi --write schemas/

clean:
	rm -rf $(VENV) .demo reports
