PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo lint test test-all run bench clean migration screenshots

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/partnerbot demo

# ruff (pyflakes, pycodestyle, complexity) and the layers contract (handlers -> bot -> models).
lint: $(STAMP)
	$(BIN)/ruff check partnerbot bot handlers models tests benchmarks
	$(BIN)/lint-imports

# The fast run (about 2 minutes): everything but the tests marked slow (subprocesses, replicas,
# 2-second Slack answers) and the PostgreSQL variants.
test: lint
	$(BIN)/pytest -q -m "not slow and not postgres"

# Everything (what CI runs), the full Slack fault matrix too; PostgreSQL when TEST_DATABASE_URL is set.
test-all: lint
	PROMISES_FULL_MATRIX=1 $(BIN)/pytest -q

run: $(STAMP)
	$(BIN)/partnerbot serve

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

# Regenerate the schema migration from models/ (pre-release: one migration owns the schema).
migration: $(STAMP)
	$(BIN)/python -m models.autogen

# PNGs of every message, modal and Home view (tools/render), for docs/screens. Not part of `make test`:
# it needs Debian's chromium (installed here when missing) and emoji/Lato fonts.
# Every surface goes to build/screens; the key ones (KEY_SCREENS) are copied to docs/screens for the README.
KEY_SCREENS := findpartner-results findpartner-requested approval-request approval-decided introduction introduction-dm not-a-fit-modal followup nudge digest digest-empty home-partner home-manager
screenshots: $(STAMP)
	command -v chromium >/dev/null || { $$(command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo) apt-get install -y chromium fonts-noto-color-emoji fonts-lato; }
	$(BIN)/python -m tools.render --out build/screens
	mkdir -p docs/screens && for s in $(KEY_SCREENS); do cp build/screens/$$s.png docs/screens/; done

clean:
	rm -rf $(VENV) partnerbot.db *.egg-info
