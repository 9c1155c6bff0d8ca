"""Start-up to the sign-in window: the frozen build vs `python main.py` vs a bare PySide6 window.

Each is started as a fresh process on a data folder with one account, and prints a wall-clock
mark when its first usable window is on screen (``--quit-after-show``); the time from launch
to that mark is start-up. The bare window is the floor: Python plus Qt, nothing of PeerDesk.
Runs on Qt's offscreen platform unless QT_QPA_PLATFORM says otherwise.

    python -m bench startup            (or: python -m bench.startup [--runs N])
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / "dist" / "PeerDesk" / ("PeerDesk.exe" if os.name == "nt" else "PeerDesk")
READY_MARK = "peerdesk-ready"  # printed by ui.selftest.quit_after_show
RUNS = 7

BARE = f"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
window = QLabel("PeerDesk")
window.resize(1280, 860)
window.show()
timer = QTimer(interval=10)
def poll():
    if window.isVisible():
        timer.stop()
        print("{READY_MARK} %.6f" % time.time(), flush=True)
        app.quit()
timer.timeout.connect(poll)
timer.start()
app.exec()
"""


def prepare(root: Path) -> tuple[Path, dict[str, str]]:
    """A data folder with one account (so the sign-in page shows) and an empty policy."""
    from peerdesk.config import Policy
    from peerdesk.crypto.kdf import KdfParams
    from peerdesk.services import Vault

    data = root / "data"
    light = KdfParams(salt=bytes(16), memory_kib=8 * 1024, iterations=1, lanes=1)
    with Vault(data, kdf_params=light, policy=Policy()) as vault:
        vault.create_account("Amira", "peer", "a benchmark passphrase")
    policy = root / "policy.json"
    policy.write_text("{}", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PEERDESK_POLICY"] = str(policy)
    return data, env


def time_to_ready(command: list[str], env: dict[str, str]) -> float:
    started = time.time()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          cwd=tempfile.gettempdir())
    for line in proc.stdout.splitlines():
        if line.startswith(READY_MARK):
            return float(line.split()[1]) - started
    raise RuntimeError(f"{command[0]} never showed its window (exit {proc.returncode}): "
                       f"{(proc.stderr or proc.stdout).strip()[-300:]}")


def measure(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """(first run, median of the runs after it): the first pays for a cold file cache."""
    times = [time_to_ready(command, env) for _ in range(runs)]
    return times[0], statistics.median(times[1:] or times)


def bundle_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else RUNS
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="peerdesk-bench-") as tmp:
        data, env = prepare(Path(tmp))
        app_args = ["--data-dir", str(data), "--quit-after-show"]
        commands = {"bare PySide6 window (floor)": [sys.executable, "-c", BARE],
                    "python main.py": [sys.executable, str(ROOT / "main.py"), *app_args]}
        if FROZEN.exists():
            commands["frozen build"] = [str(FROZEN), *app_args]
        print(f"start-up to the first window, {runs} runs each, platform "
              f"{env['QT_QPA_PLATFORM']} (first run; median of the rest):")
        for name, command in commands.items():
            first, median = measure(command, env, runs)
            results[name] = median
            print(f"  {name:<28} {first * 1000:7.0f} ms; {median * 1000:7.0f} ms")
    floor, source = results["bare PySide6 window (floor)"], results["python main.py"]
    print(f"  python main.py / floor       {source / floor:7.2f}x")
    if "frozen build" in results:
        frozen = results["frozen build"]
        print(f"  frozen / floor               {frozen / floor:7.2f}x")
        print(f"  frozen / python main.py      {frozen / source:7.2f}x")
        size = bundle_size(FROZEN.parent)
        results["bundle_bytes"] = size
        print(f"  bundle {FROZEN.parent}: {size / 2**20:.0f} MB in "
              f"{sum(1 for _ in FROZEN.parent.rglob('*'))} files")
    else:
        print(f"  no frozen build at {FROZEN}: run `make package` to measure it too")
    if "--json" in args:
        print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
