"""Start-up to the sign-in window: `python main.py` (and the frozen build, if built) against a
bare PySide6 window, on X.

Each is started as a fresh process on a data folder with one account, and prints a mark when
its first usable screen starts being painted (PEERDESK_QUIT_AFTER_SHOW; the bare window marks its
own first paint the same way): the time from launch to that mark is start-up, and the CPU time
the process had used by then is printed beside it (steadier than wall time on a busy
machine). The bare window is the floor: Python plus Qt, nothing of PeerDesk. Runs on an X
server of its own (Xvfb at 1366x768, as a ward screen), or on DISPLAY if the caller set one;
the commands take turns run by run, so machine noise hits each alike. Compiled bytecode is
kept for the runs (in the temporary folder, PYTHONDONTWRITEBYTECODE ignored), as an installed
Python keeps it: the first round, which compiles it, is shown apart. Then one run under
``-X importtime`` says what PeerDesk loaded before its window was painted.

    python -m bench startup            (or: python -m bench.startup [--runs N] [--before DIR])

``--before DIR`` adds ``python main.py`` from another checkout (say, main before a change;
it must print the same mark, as every commit since this bench's first-paint mark does), and
its frozen build if it has one in dist/, to the same rounds, so a change is measured before
and after side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / "dist" / "PeerDesk" / ("PeerDesk.exe" if os.name == "nt" else "PeerDesk")
READY_MARK = "peerdesk-ready"  # printed by ui.selftest.quit_after_show
QUIT_AFTER_SHOW_ENV = "PEERDESK_QUIT_AFTER_SHOW"  # ui.selftest.QUIT_AFTER_SHOW_ENV
RUNS = 11
# What the sign-in window must not wait for (it needs the account names, nothing more).
HEAVY = ("sqlalchemy", "alembic", "peerdesk.selftest", "peerdesk.services", "peerdesk.sync",
         "peerdesk.store.db", "peerdesk.store.models", "cryptography", "ui.windows.desk", "fpdf")

BARE = f"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel
class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            window.removeEventFilter(self)
            print("{READY_MARK} %.6f %.6f" % (time.time(), time.process_time()), flush=True)
            QTimer.singleShot(0, app.quit)
        return False
app = QApplication(sys.argv[:1])
window = QLabel("PeerDesk")
first_paint = FirstPaint()
window.installEventFilter(first_paint)
window.resize(1280, 860)
window.show()
app.exec()
"""


def prepare(root: Path) -> dict[str, str]:
    """A data folder with one account (so the sign-in page shows) and an empty policy. The
    folder is this (made-up) user's default one, so the app is started as IT starts it, with
    no arguments, and finds it the way it finds a real one."""
    from peerdesk.config import Policy
    from peerdesk.crypto.kdf import KdfParams
    from peerdesk.paths import APP_NAME
    from peerdesk.services import Vault

    data = root / "xdg-data" / APP_NAME
    light = KdfParams(salt=bytes(16), memory_kib=8 * 1024, iterations=1, lanes=1)
    with Vault(data, kdf_params=light, policy=Policy()) as vault:
        vault.create_account("Amira", "peer", "a benchmark passphrase")
    policy = root / "policy.json"
    policy.write_text("{}", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PEERDESK_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PEERDESK_POLICY"] = str(policy)
    env["XDG_DATA_HOME"] = str(root / "xdg-data")  # platformdirs' user data folder on Linux
    env[QUIT_AFTER_SHOW_ENV] = "1"  # mark the first paint, then quit
    env["PYTHONPYCACHEPREFIX"] = str(root / "bytecode")
    return env


@contextmanager
def x_display(env: dict[str, str]) -> Iterator[str]:
    """An X server for the runs: the caller's DISPLAY, else an Xvfb of our own (stopped after),
    else Qt's offscreen platform (said so in the output)."""
    if env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "xcb"
        yield f"X on {env['DISPLAY']}"
        return
    server = shutil.which("Xvfb")
    if server is None:
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield "offscreen (no Xvfb here: install xvfb to measure on X)"
        return
    xvfb = subprocess.Popen([server, "-displayfd", "1", "-screen", "0", "1366x768x24",
                             "-nolisten", "tcp"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        assert xvfb.stdout is not None
        display = xvfb.stdout.readline().decode().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        env["DISPLAY"], env["QT_QPA_PLATFORM"] = f":{display}", "xcb"
        yield f"X (Xvfb :{display}, 1366x768)"
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def time_to_ready(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time from launch to the mark, and the CPU time the process had used by then."""
    started = time.time()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          cwd=tempfile.gettempdir())
    for line in proc.stdout.splitlines():
        if line.startswith(READY_MARK):
            _mark, wall, cpu = line.split()
            return float(wall) - started, float(cpu)
    raise RuntimeError(f"{command[0]} never showed its window (exit {proc.returncode}): "
                       f"{(proc.stderr or proc.stdout).strip()[-300:]}")


def interleaved(commands: dict[str, list[str]], env: dict[str, str],
                runs: int) -> dict[str, list[tuple[float, float]]]:
    """Each command once per round, in turn; the first round (a cold file cache, bytecode
    compiled) is kept apart as each list's first item."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(time_to_ready(command, env))
    return times


def loaded_before_window(command: list[str], env: dict[str, str]) -> list[str]:
    """The modules named in HEAVY that were imported before the window was on screen."""
    # One pipe for both: importtime's lines (unbuffered) and the mark (flushed) keep their order.
    proc = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120, cwd=tempfile.gettempdir())
    if READY_MARK not in proc.stdout:
        raise RuntimeError(f"{command[1]} never painted its window under -X importtime")
    before = proc.stdout.split(READY_MARK)[0]
    names = {line.rsplit("|", 1)[-1].strip() for line in before.splitlines() if "|" in line}
    return sorted(n for n in names if n.split(".")[0] in {h.split(".")[0] for h in HEAVY}
                  and any(n == h or n.startswith(h + ".") for h in HEAVY))


# The longest the UI thread stalls from sign-in's first paint until the vault is open and the
# desk's code loaded (what she meets typing her passphrase at once): a 2 ms timer on the UI
# thread, its longest gap, until the window has its vault (set once the desk's code is in).
STALL_MARK = "peerdesk-stall"
STALL_PROBE = """
import sys, time
sys.path.insert(0, sys.argv[1])
import ui.selftest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
BEAT_MS, SETTLE_S = 2, 1.0

def watch(window):
    beat = QTimer(window, interval=BEAT_MS)
    beat.setTimerType(beat.timerType().PreciseTimer)
    seen = {"last": time.perf_counter(), "longest": 0.0, "done": None}

    def tick():
        now = time.perf_counter()
        seen["longest"] = max(seen["longest"], now - seen["last"])
        seen["last"] = now
        if seen["done"] is None and window.vault is not None:
            seen["done"] = now
        if seen["done"] is not None and now - seen["done"] > SETTLE_S:
            beat.stop()
            print("%s %.3f" % (sys.argv[2], seen["longest"] * 1000 - BEAT_MS), flush=True)
            window.close()
            QTimer.singleShot(0, QApplication.instance().quit)

    beat.timeout.connect(tick)
    beat.start()

ui.selftest.quit_after_show = lambda window: window.first_painted.connect(
    lambda: QTimer.singleShot(0, lambda: watch(window)))
import ui.app
sys.exit(ui.app.main([]))  # the data folder and the first-paint mark from the environment
"""


def longest_stall_after_paint(checkouts: dict[str, Path], env: dict[str, str],
                              runs: int) -> dict[str, list[float]]:
    """Each checkout's `python main.py` in turn, round by round, as the start-up runs are."""
    stalls: dict[str, list[float]] = {name: [] for name in checkouts}
    for _ in range(runs):
        for name, root in checkouts.items():
            proc = subprocess.run([sys.executable, "-c", STALL_PROBE, str(root), STALL_MARK],
                                  env=env, capture_output=True, text=True, timeout=120,
                                  cwd=tempfile.gettempdir())
            marks = [line.split()[1] for line in proc.stdout.splitlines()
                     if line.startswith(STALL_MARK)]
            if not marks:
                raise RuntimeError(f"{name}: no stall figure (exit {proc.returncode}): "
                                   f"{(proc.stderr or proc.stdout).strip()[-300:]}")
            stalls[name].append(float(marks[0]))
    return stalls


def print_stalls(stalls: dict[str, list[float]], runs: int) -> None:
    print(f"longest UI stall from sign-in's first paint until the vault is open and the desk's "
          f"code loaded (a 2 ms timer's longest gap; {runs} runs, target <= 100 ms):")
    for name, values in stalls.items():
        print(f"  {name:<28} median {statistics.median(values):5.0f} ms (range "
              f"{min(values):.0f}–{max(values):.0f})")


def bundle_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else RUNS
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="peerdesk-bench-") as tmp:
        env = prepare(Path(tmp))
        app_args: list[str] = []  # started as IT starts it: the data folder is the default one
        commands = {"bare PySide6 window (floor)": [sys.executable, "-c", BARE],
                    "python main.py": [sys.executable, str(ROOT / "main.py"), *app_args]}
        if "--before" in args:
            before = Path(args[args.index("--before") + 1]).resolve()
            commands["before: python main.py"] = [sys.executable, str(before / "main.py"),
                                                  *app_args]
            before_frozen = before / FROZEN.relative_to(ROOT)
            if before_frozen.exists():
                commands["before: frozen build"] = [str(before_frozen), *app_args]
        if FROZEN.exists():
            commands["frozen build"] = [str(FROZEN), *app_args]
        with x_display(env) as where:
            print(f"start-up to the first paint of the first usable screen on {where}; {runs} "
                  "rounds, the commands taking turns; the first (cold) round apart, then "
                  "median and range of the rest:")
            times = interleaved(commands, env, runs)
            heavy = loaded_before_window(commands["python main.py"], dict(env))
            checkouts = {"python main.py": ROOT} | ({"before: python main.py": before}
                                                    if "--before" in args else {})
            stalls = longest_stall_after_paint(checkouts, env, runs)
    floor_name = "bare PySide6 window (floor)"
    for name, values in times.items():
        rest = values[1:] or values
        walls, cpus = [w for w, _ in rest], [c for _, c in rest]
        results[name], results[f"{name} cpu"] = statistics.median(walls), statistics.median(cpus)
        print(f"  {name:<28} first {values[0][0] * 1000:5.0f} ms; median "
              f"{results[name] * 1000:5.0f} ms (range {min(walls) * 1000:.0f}–"
              f"{max(walls) * 1000:.0f}); CPU by then {results[f'{name} cpu'] * 1000:4.0f} ms "
              f"(range {min(cpus) * 1000:.0f}–{max(cpus) * 1000:.0f})")
    for name in (n for n in times if n != floor_name):
        ratios = [m[0] / f[0] for m, f in zip(times[name][1:], times[floor_name][1:],
                                              strict=True)]
        label = f"{name} / floor"
        print(f"  {label:<28} {results[name] / results[floor_name]:5.2f}x wall (target <= "
              f"1.3x; round by round {min(ratios, default=0):.2f}–{max(ratios, default=0):.2f}x"
              f"), {results[f'{name} cpu'] / results[f'{floor_name} cpu']:.2f}x CPU")
    print("  loaded before the window was painted: " + (", ".join(heavy) if heavy else
                                                          "none of " + ", ".join(HEAVY)))
    if FROZEN.exists():
        size = bundle_size(FROZEN.parent)
        results["bundle_bytes"] = size
        print(f"  bundle {FROZEN.parent}: {size / 2**20:.0f} MB in "
              f"{sum(1 for _ in FROZEN.parent.rglob('*'))} files")
    else:
        print(f"  no frozen build at {FROZEN}: run `make package` to measure it too")
    print_stalls(stalls, runs)
    results |= {f"{name} stall ms": statistics.median(v) for name, v in stalls.items()}
    if "--json" in args:
        print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
