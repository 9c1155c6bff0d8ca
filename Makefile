# Two commands on a fresh machine: `make run` (the app on a demo) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO := .demo

.PHONY: run test lint bench screenshots package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,smb]"
	rm -f $(VENV)/.installed-* && touch $@

$(DEMO)/demo.json: | $(STAMP)
	$(BIN)/peerdesk --data-dir $(DEMO) demo

run: $(STAMP) $(DEMO)/demo.json
	scripts/system-packages.sh
	$(BIN)/python main.py --data-dir $(DEMO)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP)
	scripts/system-packages.sh samba
	$(MAKE) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP) $(DEMO)/demo.json
	scripts/system-packages.sh xvfb
	$(BIN)/python -m ui.screenshots --data-dir $(DEMO) --out docs/screenshots

clean:
	rm -rf $(VENV) $(DEMO) build dist .pytest_cache .mypy_cache .ruff_cache
