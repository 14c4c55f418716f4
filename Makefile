PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test run bench clean migration

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/partnerbot demo

test: $(STAMP)
	$(BIN)/pytest -q

run: $(STAMP)
	$(BIN)/partnerbot serve

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

# Regenerate the schema migration from models/ (pre-release: one migration owns the schema).
migration: $(STAMP)
	$(BIN)/python -m models.autogen

clean:
	rm -rf $(VENV) partnerbot.db *.egg-info
