"""The scale table: what a vault of 1,000, 10,000 and 100,000 records costs, side by side.

For each size, one team share on this disk: an office PC (the administrator), 49 small
devices of another peer (one record each), and Amira's ward PC, whose records are built
through the services (the mix of bench/ui_responsiveness.py) and whose account has the real
default Argon2id parameters. Every step runs in a fresh process of its own, so each memory
figure is that step's alone:

- build: saving the records (setup; synchronous=OFF while building), database size;
- first push: the ward PC's first sync, sending everything (and folding it into a snapshot);
- no-op sync at 50 device folders, then at 10 (40 folders and their heads moved off the
  share, as when old PCs are removed): file operations, wall time, median and range of runs;
- compaction: one new record, then a sync told to fold everything again (as after an
  erasure): wall, CPU and the peak memory above what the process held before the sync;
- first sync: a fresh device of Amira's receiving everything: records per CPU-second;
- unlock: click -> desk usable in the real window (offscreen), the key derivation included
  and also timed alone within that same unlock; click -> every list and Today complete (a
  large vault reads most records after the desk shows); the longest UI stall, resident
  memory after, and search as you type;
- check: ``Desk.check()`` over the whole vault.

    python -m bench scale                       (sizes: PEERDESK_BENCH_SIZES=1000,10000)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
SMALL_DEVICES = 49
NOOP_RUNS = 9
UI_RUNS = 3
CHECK_RUNS = 3
PASSPHRASE = "benchmark passphrase long"  # as bench/ui_responsiveness.py


# -- steps, each run in a process of its own ---------------------------------------------------

def _rss_kib(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Peak:
    """The most memory the process held while the block ran, above what it held before:
    sampled every 5 ms on a thread (the kernel's own peak also counts key derivation)."""

    def __enter__(self) -> Peak:
        self.before = self.top = _rss_kib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.top = max(self.top, _rss_kib())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.top = max(self.top, _rss_kib())

    @property
    def mib(self) -> float:
        return (self.top - self.before) / 1024


def _light() -> Any:
    from peerdesk.crypto.kdf import KdfParams
    return KdfParams(salt=b"\0" * 16, memory_kib=8 * 1024, iterations=1, lanes=1)


def team_share(root: Path, *peers: str) -> Path:
    """``root/share`` made the team's by Ida at the office, with these peers' accounts too
    (light key derivation) and any account the office already has, each approved by her."""
    from peerdesk.services import Vault, membership, sync
    from peerdesk.services.desk import sign_in

    share = root / "share"
    share.mkdir()
    with Vault(root / "office", kdf_params=_light()) as office:
        office.create_account("Ida", "admin", PASSPHRASE)
        for name in peers:
            office.create_account(name, "peer", PASSPHRASE)
        ida = sign_in(office, "Ida", PASSPHRASE)
        for account in office.accounts():
            if account.name != "Ida":  # added at the office: the administrator approves them
                membership.approve(ida, account.name)
        sync.init_share(ida, str(share))
    return share


def _big(root: Path) -> Any:
    from peerdesk.services import Vault
    from peerdesk.services.desk import sign_in
    vault = Vault(root / "ward-pc")
    return sign_in(vault, "Amira", PASSPHRASE)


def step_team(root: Path) -> dict[str, float]:
    """The share, the office and the other devices: the same for every size (copied)."""
    from peerdesk.domain import Kind
    from peerdesk.services import Vault, sync

    office = Vault(root / "office")  # Amira's account: the real default key derivation
    office.create_account("Amira", "peer", PASSPHRASE)
    office.close()
    share = team_share(root, "Bo")
    for i in range(SMALL_DEVICES):
        with Vault(root / f"small{i}", kdf_params=_light()) as vault:
            desk, _ = sync.enrol(vault, str(share), "Bo", PASSPHRASE)
            desk.add(Kind.DIARY, {"when": "2026-03-02T10:30", "what_happened": f"from {i}"})
            sync.run_sync(desk)
    return {}


def step_ward(root: Path, count: int) -> dict[str, float]:
    from bench.ui_responsiveness import fill
    from peerdesk.services import Vault, sync

    share = root / "share"
    vault = Vault(root / "ward-pc")
    desk, _ = sync.enrol(vault, str(share), "Amira", PASSPHRASE)
    start = time.perf_counter()
    fill(desk, count)
    built = time.perf_counter() - start
    with Peak() as peak:
        wall, cpu = time.perf_counter(), time.process_time()
        pushed = sync.run_sync(desk).pushed
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sync.run_sync(desk)
    db = root / "ward-pc" / "peerdesk.sqlite3"
    size = sum(p.stat().st_size for p in db.parent.glob("peerdesk.sqlite3*"))
    share_bytes = sum(p.stat().st_size for p in (share / "devices" / vault.device_id).iterdir())
    vault.close()
    return {"build_s": built, "db_bytes": size, "push_s": wall, "push_cpu_s": cpu,
            "pushed": pushed, "push_peak_mib": peak.mib, "share_bytes": share_bytes}


def step_noop(root: Path) -> dict[str, Any]:
    from peerdesk.services import sync
    from peerdesk.sync.share import FolderShare

    desk = _big(root)
    sync.run_sync(desk)  # whatever is left to take in, first
    times, ops = [], set()
    for _ in range(NOOP_RUNS):
        share = FolderShare(root / "share")
        start = time.perf_counter()
        report = sync.run_sync(desk, share=share)
        times.append((time.perf_counter() - start) * 1000)
        ops.add(share.ops)
        assert report.pulled == report.pushed == 0, "not a sync with nothing new"
    devices = len(list((root / "share" / "devices").iterdir()))
    desk.vault.close()
    return {"ms": times, "ops": sorted(ops), "devices": devices}


def step_compact(root: Path) -> dict[str, float]:
    """A sync that folds everything again, as one does at once after an erasure."""
    from peerdesk.domain import Kind
    from peerdesk.lanes import INLINE
    from peerdesk.services import sync
    from peerdesk.sync.share import FolderShare

    desk = _big(root)
    desk.add(Kind.DIARY, {"when": "2026-03-02T10:30", "what_happened": "one more"})
    run = sync._engine(desk, FolderShare(root / "share"), INLINE)
    run.compact_now = True
    with Peak() as peak:
        wall, cpu = time.perf_counter(), time.process_time()
        run.run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    parts = len(list((root / "share" / "devices" / desk.vault.device_id).glob("*.part.pdk")))
    desk.vault.close()
    return {"s": wall, "cpu_s": cpu, "peak_mib": peak.mib, "parts": parts}


def step_first(root: Path) -> dict[str, float]:
    from peerdesk.services import Vault, sync
    from peerdesk.services.desk import sign_in

    fresh = root / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    vault = Vault(fresh)
    sync.join_share(vault, str(root / "share"))
    desk = sign_in(vault, "Amira", PASSPHRASE)
    with Peak() as peak:
        wall, cpu = time.perf_counter(), time.process_time()
        pulled = sync.run_sync(desk).pulled
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    vault.close()
    return {"pulled": pulled, "s": wall, "cpu_s": cpu, "peak_mib": peak.mib}


def step_ui(root: Path) -> dict[str, float]:
    from bench import ui_responsiveness as ui

    out = ui.measure(root / "ward-pc", name="Amira")
    out["rss_locked_mib"] = _rss_kib() / 1024  # after the lock, and the window closed
    return out


def step_check(root: Path) -> dict[str, Any]:
    desk = _big(root)
    times = []
    for _ in range(CHECK_RUNS):
        start = time.perf_counter()
        problems = desk.check()
        times.append(time.perf_counter() - start)
    desk.vault.close()
    return {"s": times, "problems": len(problems)}


STEPS: dict[str, Callable[..., Any]] = {
    "team": step_team, "ward": step_ward, "noop": step_noop, "compact": step_compact, "first": step_first,
    "ui": step_ui, "check": step_check}


def _run(step: str, root: Path, *args: str) -> Any:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PEERDESK_POLICY", None)
    proc = subprocess.run([sys.executable, "-m", "bench.scale", "--step", step, str(root),
                           *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=3600)
    if proc.returncode != 0:
        said = "\n".join(line for line in proc.stderr.splitlines()
                         if "propagateSizeHints" not in line)
        raise RuntimeError(f"bench step {step} failed: {said.strip()[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _move_aside(root: Path, keep: int) -> None:
    """All but ``keep`` of the other devices' folders, with their heads, off the share (as an
    administrator removes old PCs' folders); the ward PC's own stays."""
    side = root / "removed"
    side.mkdir(exist_ok=True)
    share = root / "share"
    ward = _ward_id(root)
    others = sorted(p for p in (share / "devices").iterdir() if p.name != ward)
    for folder in others[keep:]:
        shutil.move(folder, side / folder.name)
        for head in (share / "heads").glob(f"{folder.name}.*"):
            shutil.move(head, side / head.name)


def _ward_id(root: Path) -> str:
    import sqlite3
    with sqlite3.connect(root / "ward-pc" / "peerdesk.sqlite3") as conn:
        (device,) = conn.execute("SELECT value FROM settings WHERE key='device_id'").fetchone()
    return str(device)


def _spread(values: Sequence[float], unit: str, scale: float = 1.0, digits: int = 0) -> str:
    v = [x * scale for x in values]
    if len(v) == 1:
        return f"{v[0]:.{digits}f} {unit} (1 run)"
    return (f"{statistics.median(v):.{digits}f} {unit} (range {min(v):.{digits}f}–"
            f"{max(v):.{digits}f}, {len(v)} runs)")


def measure_size(base: Path, count: int) -> dict[str, str]:
    rows: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix=f"peerdesk-scale-{count}-") as tmp:
        root = Path(tmp) / "team"
        shutil.copytree(base, root, symlinks=True)
        team = _run("ward", root, str(count))
        rows["build (setup)"] = f"{team['build_s']:.1f} s"
        rows["database size"] = f"{team['db_bytes'] / 2**20:.1f} MB"
        rows["first push"] = (f"{team['pushed']:,} changes in {team['push_s']:.1f} s wall, "
                              f"{team['push_cpu_s']:.1f} s CPU, peak +"
                              f"{team['push_peak_mib']:.0f} MB; on the share "
                              f"{team['share_bytes'] / 2**20:.0f} MB")
        n50 = _run("noop", root)
        _move_aside(root, keep=9)
        n10 = _run("noop", root)
        for n in (n10, n50):
            ops = "/".join(str(o) for o in n["ops"])
            target = "met" if max(n["ops"]) <= 20 and statistics.median(n["ms"]) <= 50 \
                else "MISSED"
            rows[f"no-op sync, {n['devices']} devices"] = (
                f"{_spread(n['ms'], 'ms', digits=1)}, {ops} file ops (<= 50 ms, <= 20 ops: "
                f"{target})")
        comp = _run("compact", root)
        rows["compaction (all again)"] = (f"{comp['s']:.1f} s wall, {comp['cpu_s']:.1f} s CPU, "
                                          f"peak +{comp['peak_mib']:.0f} MB, "
                                          f"{comp['parts']} parts")
        first = _run("first", root)
        rate = first["pulled"] / first["cpu_s"] if first["cpu_s"] else 0.0
        rows["first sync (fresh device)"] = (
            f"{first['pulled']:,} in {first['s']:.1f} s wall, {first['cpu_s']:.1f} s CPU: "
            f"{rate:,.0f} records/CPU-s (>= 10,000: {'met' if rate >= 10_000 else 'MISSED'}); "
            f"peak +{first['peak_mib']:.0f} MB")
        uis, failed = [], []
        for _ in range(UI_RUNS):
            try:
                uis.append(_run("ui", root))
            except RuntimeError as exc:  # said in the table; the other figures still count
                failed.append(str(exc).splitlines()[-1][:200])
        if failed:
            rows["unlock runs that failed"] = "; ".join(failed)
        if not uis:
            return rows
        rows["unlock: click -> desk (KDF incl.)"] = (
            _spread([u["unlock_s"] for u in uis], "s", digits=2) + " (target <= 1 s)")
        rows["unlock: the key derivation alone, in that unlock"] = _spread(
            [u["kdf_s"] for u in uis], "s", digits=2)
        rows["unlock: click -> desk, beyond the key derivation"] = (
            _spread([u["unlock_s"] - u["kdf_s"] for u in uis], "s", digits=2)
            + " (target <= 1 s)")
        rows["unlock: click -> every list and Today complete"] = _spread(
            [u["all_read_s"] for u in uis], "s", digits=2)
        rows["longest UI stall, unlock"] = (
            _spread([u["unlock_stall_ms"] for u in uis], "ms") + " (target <= 100 ms)")
        rows["longest UI stall, click -> everything read"] = (
            _spread([u["reading_stall_ms"] for u in uis], "ms") + " (target <= 100 ms)")
        rows["RSS after unlock (every record read, desk open)"] = (
            _spread([u["rss_unlocked_mib"] for u in uis], "MB") + " (target <= 300 MB)")
        rows["RSS after the lock (window closed)"] = _spread(
            [u["rss_locked_mib"] for u in uis], "MB")
        if "sync_one_read" in uis[0]:
            rows["a sync brought one record: read again, rows changed"] = (
                f"{_spread([u['sync_one_read'] for u in uis], 'records')}, "
                f"{_spread([u['sync_one_ms'] for u in uis], 'ms')}, longest UI stall "
                f"{_spread([u['sync_one_stall_ms'] for u in uis], 'ms')}")
            rows["every record read again (a sync that does not say what changed)"] = (
                f"{_spread([u['read_all_read'] for u in uis], 'records')}, "
                f"{_spread([u['read_all_s'] for u in uis], 's', digits=2)}, longest UI "
                f"stall {_spread([u['read_all_stall_ms'] for u in uis], 'ms')}")
        if "save_moved_ms" in uis[0]:
            rows["a save that moves a row: the desk's part (UI thread), longest UI stall"] = (
                f"{_spread([u['save_moved_ms'] for u in uis], 'ms', digits=1)}, "
                f"{_spread([u['save_stall_ms'] for u in uis], 'ms')}")
        rows["longest UI stall, lock"] = (
            _spread([u["lock_stall_ms"] for u in uis], "ms") + " (target <= 100 ms)")
        rows["search index: everything read -> made (a search reads every row until then)"] = (
            _spread([u["index_s"] for u in uis], "s", digits=2))
        rows["RSS with the search index made"] = _spread(
            [u["rss_indexed_mib"] for u in uis], "MB")
        rows["search as you type: longest UI stall"] = (
            _spread([u["search_stall_ms"] for u in uis], "ms") + " (target <= 50 ms a key)")
        rows["search as you type: key -> its results shown, longest"] = (
            _spread([u["search_key_ms"] for u in uis], "ms")
            + f" ({'/'.join(str(int(u['search_keys_answered'])) for u in uis)} of 13 keys "
            "answered before the next; target <= 50 ms)")
        rows["search as you type: last key -> results shown"] = _spread(
            [u["search_last_key_ms"] for u in uis], "ms")
        rows["one search, asked -> results shown"] = _spread(
            [u["one_search_ms"] for u in uis], "ms", digits=1)
        rows["one search: longest UI stall"] = _spread(
            [u["one_search_stall_ms"] for u in uis], "ms")
        check = _run("check", root)
        rows["check"] = _spread(check["s"], "s", digits=2) + f", {check['problems']} problems"
    return rows


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--step"]:
        step, root, *rest = args[1:]
        print(json.dumps(STEPS[step](Path(root), *[int(r) for r in rest])))
        return
    sizes = [int(s) for s in os.environ.get("PEERDESK_BENCH_SIZES", "").split(",") if s] \
        or list(SIZES)
    print(f"scale table: {', '.join(f'{s:,}' for s in sizes)} records; a team share with "
          f"{SMALL_DEVICES} other devices; each step a fresh process. CPU counts every thread.")
    table = {}
    with tempfile.TemporaryDirectory(prefix="peerdesk-scale-team-") as tmp:
        base = Path(tmp) / "team"
        base.mkdir()
        _run("team", base)
        for count in sizes:
            start = time.perf_counter()
            table[count] = measure_size(base, count)
            print(f"  ({count:,} records measured in {time.perf_counter() - start:.0f} s)",
                  flush=True)
    names = list(dict.fromkeys(name for count in sizes for name in table[count]))
    for name in names:
        print(f"\n  {name}")
        for count in sizes:
            print(f"    {count:>7,}: {table[count].get(name, 'not measured')}")


if __name__ == "__main__":
    main()
