"""The unlock step of the scale table, for two checkouts side by side: the same data folders,
runs taking turns (before, after, before, …), each run a fresh process of its own checkout.

    python -m bench.side_by_side BEFORE_CHECKOUT [DATA_DIR]

The data folders (one team share and Amira's ward PC per size, built as ``bench/scale.py``
builds them) are kept in DATA_DIR (default: ``.bench-data`` here) and built only when
missing: a 100,000-record build takes many minutes. Each run unlocks a copy, so every run
starts from the same folder. Sizes: PEERDESK_BENCH_SIZES (as bench/scale.py); runs per
checkout and size: PEERDESK_BENCH_RUNS (3).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import scale

ATTEMPTS = 3
Figure = tuple[str, Callable[[dict[str, float]], float], str, int]
FIGURES: list[Figure] = [
    ("click -> desk, beyond the key derivation (target <= 1 s)",
     lambda r: r["unlock_s"] - r["kdf_s"], "s", 2),
    ("the key derivation, in that unlock", lambda r: r["kdf_s"], "s", 2),
    ("click -> every list and Today complete", lambda r: r["all_read_s"], "s", 2),
    ("longest UI stall, click -> everything read (target <= 100 ms)",
     lambda r: r["reading_stall_ms"], "ms", 0),
    ("RSS, desk open, every record read (target <= 300 MB)",
     lambda r: r["rss_unlocked_mib"], "MB", 0),
    ("RSS, search index made too", lambda r: r["rss_indexed_mib"], "MB", 0),
    ("RSS after the lock (window closed)", lambda r: r["rss_locked_mib"], "MB", 0),
    ("longest UI stall, lock (target <= 100 ms)", lambda r: r["lock_stall_ms"], "ms", 0),
    ("search as you type: longest UI stall", lambda r: r["search_stall_ms"], "ms", 0),
    ("a sync brought one record: records decrypted", lambda r: r["sync_one_read"], "", 0),
    ("a sync brought one record: its rows changed after", lambda r: r["sync_one_ms"], "ms", 0),
    ("a sync brought one record: longest UI stall", lambda r: r["sync_one_stall_ms"], "ms", 0),
    ("a save that moves a row (the oldest diary to the top): the desk's part, on the UI thread",
     lambda r: r["save_moved_ms"], "ms", 1),
    ("a save that moves a row: longest UI stall", lambda r: r["save_stall_ms"], "ms", 0),
    ("every record read again (as after every such sync before): records decrypted",
     lambda r: r["read_all_read"], "", 0),
    ("every record read again: done after", lambda r: r["read_all_s"], "s", 2),
    ("every record read again: longest UI stall", lambda r: r["read_all_stall_ms"], "ms", 0),
]


def build(data: Path, count: int) -> Path:
    """The size's folder, built once (as bench/scale.py builds it) and kept."""
    root = data / f"team-{count}"
    if (root / "ward-pc").exists():
        return root
    base = data / "base"
    if not base.exists():
        tmp = data / "base.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        scale._run("team", tmp)
        tmp.rename(base)
    partial = data / f"team-{count}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(base, partial, symlinks=True)
    scale._run("ward", partial, str(count))
    partial.rename(root)
    return root


def run_ui(checkout: Path, root: Path) -> dict[str, float] | str:
    """One unlock in a fresh process of ``checkout``, on a copy of ``root`` whose ward PC
    syncs with the copy's own share."""
    with tempfile.TemporaryDirectory(prefix="peerdesk-side-") as tmp:
        copy = Path(tmp) / "team"
        shutil.copytree(root, copy, symlinks=True)
        _point_at_share(copy)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("PEERDESK_POLICY", None)
        proc = subprocess.run([sys.executable, "-m", "bench.scale", "--step", "ui",
                               str(copy)], capture_output=True, text=True, cwd=checkout,
                              env=env, timeout=3600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        said = [line for line in proc.stderr.splitlines() if "propagateSizeHints" not in line]
        return f"exit {proc.returncode}: {' '.join(said)[-200:]}"
    out: dict[str, float] = json.loads(lines[-1])
    return out


def _point_at_share(root: Path) -> None:
    import sqlite3
    with sqlite3.connect(root / "ward-pc" / "peerdesk.sqlite3") as conn:
        conn.execute("UPDATE settings SET value=? WHERE key='share_location'",
                     (str(root / "share"),))


def _attempts(tree: Path, root: Path, what: str, failed: list[str]) -> dict[str, float] | None:
    """A run that failed is said, and run again (ATTEMPTS in all)."""
    for _ in range(ATTEMPTS):
        result = run_ui(tree, root)
        if not isinstance(result, str):
            return result
        failed.append(f"{what}: {result}")
    return None


def _spread(values: list[float], unit: str, digits: int) -> str:
    if not values:
        return "—"
    mid = statistics.median(values)
    return f"{mid:.{digits}f} {unit} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main_side_by_side(argv: list[str]) -> None:
    before = Path(argv[0]).resolve()
    data = Path(argv[1]).resolve() if len(argv) > 1 else scale.ROOT / ".bench-data"
    data.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in os.environ.get("PEERDESK_BENCH_SIZES", "").split(",") if s] \
        or list(scale.SIZES)
    runs = int(os.environ.get("PEERDESK_BENCH_RUNS", "3"))
    trees = {"before": before, "after": scale.ROOT}
    got: dict[tuple[str, int], list[dict[str, float]]] = {}
    failed: list[str] = []
    for count in sizes:
        root = build(data, count)
        for n in range(runs):
            for name, tree in (trees.items() if n % 2 == 0 else reversed(trees.items())):
                result = _attempts(tree, root, f"{name} {count:,}", failed)
                if result is not None:
                    got.setdefault((name, count), []).append(result)
                print(f"  {name} {count:,} run {n + 1}: "
                      f"{'failed' if result is None else 'done'}", flush=True)
    print(f"\nside by side: before = {before}, after = {scale.ROOT}; median (range), "
          f"{runs} runs each, taking turns")
    for label, figure, unit, digits in FIGURES:
        print(f"\n  {label}")
        for count in sizes:
            cells = []
            for name in trees:
                values = [figure(r) for r in got.get((name, count), []) if _has(r, figure)]
                cells.append(f"{name} {_spread(values, unit, digits):<26}")
            print(f"    {count:>7,}: " + "  ".join(cells))
    for line in failed:
        print(f"  failed: {line}")


def _has(result: dict[str, Any], figure: Callable[[dict[str, float]], float]) -> bool:
    try:
        figure(result)
    except KeyError:  # an older checkout does not measure it
        return False
    return True


if __name__ == "__main__":
    main_side_by_side(sys.argv[1:])
