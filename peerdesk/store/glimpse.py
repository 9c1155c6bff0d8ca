"""What the first window shows before the vault is open: the names of the accounts on this
computer and the team's name, read straight from the database file with the standard
library's sqlite3, so the sign-in window does not wait for the ORM, the migrations or the
crypto. The tables read are ``models.Account`` ("accounts") and ``models.Setting``
("settings"); nothing here imports them, which is the point.

Only a glimpse: the vault (``services.Vault``) opens the database right after, on
the database lane. Anything unexpected here (no file yet, a file from another version, a
locked or damaged file) gives None, and the caller waits for the vault.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple

from peerdesk.paths import DB_NAME


class FirstGlimpse(NamedTuple):
    names: list[str]  # in the order the vault lists them (by name)
    team: str | None


def glimpse(data_dir: Path) -> FirstGlimpse | None:
    path = data_dir / DB_NAME
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, timeout=1.0)
        try:
            names = [str(n) for (n,) in conn.execute("SELECT name FROM accounts ORDER BY name")]
            team = conn.execute("SELECT value FROM settings WHERE key = 'team'").fetchone()
        finally:
            conn.close()
    except (sqlite3.Error, ValueError):
        return None
    if not names:
        return None
    return FirstGlimpse(names, str(team[0]) if team and team[0] is not None else None)
