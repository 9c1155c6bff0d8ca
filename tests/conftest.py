"""Shared fixtures: real SQLite files in temp folders, real encryption, the real CLI."""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from peerdesk.crypto.kdf import KdfParams
from peerdesk.services import Desk, Vault
from peerdesk.services.desk import sign_in
from peerdesk.store.db import DB_NAME

pytest_plugins = ["tests.helpers.samba"]  # the `samba` fixture: a real smbd on loopback

PASSPHRASE = "a long enough passphrase"
# Key derivation is tested at full strength in its own tests; elsewhere it is not what is
# under test, so accounts made through services use a lighter setting to keep the suite quick.
LIGHT_KDF = KdfParams(salt=b"\0" * 16, memory_kib=8 * 1024, iterations=1, lanes=1)


_FRESH: list[Path] = []


def new_data_folder(folder: Path) -> Path:
    """`folder` as PeerDesk's first open of it leaves it (its schema migrated up to date),
    less the device id that first open gives: the migrations run once a session and are
    copied, rather than run again for every device a test makes (tests of creating and
    upgrading a data folder make their own). A folder that exists is left alone."""
    if not _FRESH:
        base = Path(tempfile.mkdtemp(prefix="peerdesk-fresh-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
        made = base / "data"
        with Vault(made, kdf_params=LIGHT_KDF):
            pass
        conn = sqlite3.connect(made / DB_NAME)
        try:
            with conn:
                conn.execute("DELETE FROM settings WHERE key = 'device_id'")
            assert conn.execute("SELECT count(*) FROM settings").fetchone() == (0,)
        finally:
            conn.close()
        _FRESH.append(made)
    if not folder.exists():
        shutil.copytree(_FRESH[0], folder)
    return folder


QT_FIXTURES = {"qtbot", "qtmodeltester", "qapp"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Anything that needs a QApplication is a GUI test, so `-m "not gui"` never starts Qt.
    for item in items:
        under_gui = "gui" in item.path.relative_to(item.config.rootpath).parts[:2]
        if under_gui or QT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def vault(data_dir: Path) -> Iterator[Vault]:
    with Vault(new_data_folder(data_dir), kdf_params=LIGHT_KDF) as v:
        yield v


@pytest.fixture
def peer(vault: Vault) -> Desk:
    vault.create_account("Amira", "peer", PASSPHRASE)
    return sign_in(vault, "Amira", PASSPHRASE)


@pytest.fixture
def coordinator(vault: Vault, peer: Desk) -> Desk:
    vault.create_account("Grace", "coordinator", PASSPHRASE)
    return sign_in(vault, "Grace", PASSPHRASE)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(data_dir: Path, *args: str, passphrase: str | None = PASSPHRASE,
            stdin: str | None = None, env: dict[str, str] | None = None) -> CliResult:
    """Runs the real console command in a child process, as a script or an admin would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    if passphrase is not None:
        full_env["PEERDESK_PASSPHRASE"] = passphrase
    full_env |= env or {}
    proc = subprocess.run(
        [sys.executable, "-m", "peerdesk.cli", "--data-dir", str(data_dir), *args],
        input=stdin, capture_output=True, text=True, env=full_env, timeout=120,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(data_dir: Path):  # type: ignore[no-untyped-def]
    def call(*args: str, **kwargs: object) -> CliResult:
        return run_cli(data_dir, *args, **kwargs)  # type: ignore[arg-type]
    return call


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def find_marker(root: Path, marker: str) -> list[str]:
    """Every file under root that holds the marker as UTF-8 or UTF-16 bytes."""
    needles = [marker.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]
    return [str(p) for p in files_under(root) if any(n in p.read_bytes() for n in needles)]
