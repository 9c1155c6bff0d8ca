# Two commands on a fresh machine: `make run` (the app on a demo) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO := .demo
# A desktop session for the real-desktop lane (tests/desktop): X server, window manager, session
# bus, the accessibility bus and its client, a Secret Service, and hands and eyes for the tests.
DESKTOP := xvfb openbox x11-utils xdotool imagemagick dbus at-spi2-core python3-pyatspi gnome-keyring

.PHONY: venv run test lint bench screenshots package package-linux clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,smb]"
	rm -f $(VENV)/.installed-* && touch $@

# The README's command-line example starts here: .venv/bin/peerdesk, nothing else.
venv: $(STAMP)

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
	scripts/system-packages.sh samba binutils poppler-utils $(DESKTOP)
	$(MAKE) lint
	$(MAKE) package
	PEERDESK_DESKTOP_LANE=required QT_QPA_PLATFORM=offscreen $(BIN)/pytest
	scripts/frozen-smoke.sh --no-build

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP) $(DEMO)/demo.json
	scripts/system-packages.sh xvfb poppler-utils
	$(BIN)/python -m ui.screenshots --data-dir $(DEMO) --out docs/screenshots
	$(BIN)/python scripts/document-pages.py --out docs/screenshots
	scripts/system-packages.sh $(DESKTOP)
	PEERDESK_SCREENSHOTS=docs/screenshots/ward $(BIN)/pytest -q tests/desktop/test_ward_screen.py \
		'tests/desktop/test_start.py::test_python_main_opens_and_is_used'

# PyInstaller's known-harmless warnings are filtered in the spec, which says how many in one line.
package: $(STAMP)
	scripts/system-packages.sh binutils
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build installers/peerdesk.spec
	@du -sh dist/PeerDesk

package-linux: package
	scripts/package-linux.sh --no-build

clean:
	rm -rf $(VENV) $(DEMO) build dist .pytest_cache .mypy_cache .ruff_cache
