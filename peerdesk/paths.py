"""Where things live: bundled resources and the default data folder."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "PeerDesk"
DB_NAME = "peerdesk.sqlite3"  # the vault, in the data folder
DEMO_FILE = "demo.json"  # the demo's accounts and passphrases, beside a demo vault


def resource_dir() -> Path:
    """The read-only ``resources/`` folder, in a checkout or a frozen build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def default_data_dir() -> Path:
    # Roaming off: the vault belongs to this machine, and sync goes through the share.
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))
