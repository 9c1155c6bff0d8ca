"""The one CSV writer. Every CSV PeerDesk writes goes through it, so no cell can run as a
spreadsheet formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from peerdesk.exports.files import write_atomic

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): =1+1,
# +cmd, -2+3, @SUM, and a tab or carriage return can hide one after them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def cell(value: object) -> str:
    """The text of one cell, with a leading apostrophe when a spreadsheet would otherwise run
    it as a formula (the apostrophe is how spreadsheets mark "this is text")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text (RFC 4180 quoting, CRLF line ends), every cell guarded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def write_csv(path: Path, rows: Iterable[Iterable[object]]) -> Path:
    """The rows to ``path``, atomically and owner-only, as UTF-8 with a byte-order mark so
    Excel on Windows reads accents and other scripts correctly."""
    return write_atomic(path, "\ufeff" + csv_text(rows))


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows (by header) of a CSV someone gives PeerDesk; a leading
    byte-order mark is ignored. The apostrophe this module adds is taken off again, so a
    round trip keeps the text."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    rows = [{k: _unguard(v or "") for k, v in row.items() if k is not None} for row in reader]
    return list(reader.fieldnames or ()), rows


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text
