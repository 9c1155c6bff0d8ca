"""How long the UI thread stalls while a 10,000-record vault unlocks and while searching as you
type. A 5 ms heartbeat timer runs on the Qt event loop; the longest gap between its ticks is the
longest time the window could not respond (target: under 100 ms).

The vault is built through the services (synchronous=OFF while building only); the account
uses the full-strength default key derivation, so unlock is measured as a peer would meet it.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peerdesk.services.desk import sign_in

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from peerdesk.catalogue import spec
from peerdesk.domain import Kind
from peerdesk.services import Desk, Vault

PASSPHRASE = "benchmark passphrase long"
COUNT = 10_000
HEARTBEAT_MS = 5
WORDS = ["allotment", "walk", "café", "music", "garden", "radio", "bus", "library", "tea",
         "cooking", "football", "phone", "benefits", "housing", "sister", "dog", "park",
         "market", "choir", "swimming"]


def build(data_dir: Path, count: int = COUNT) -> float:
    start = time.perf_counter()
    vault = Vault(data_dir)  # the account gets the real default Argon2id parameters
    vault.set_team("Bench")
    vault.create_account("Amira", "peer", PASSPHRASE)
    desk = sign_in(vault, "Amira", PASSPHRASE)
    fill(desk, count)
    desk.lock()
    vault.close()
    return time.perf_counter() - start


def fill(desk: Desk, count: int) -> None:
    """``count`` records through the services, as a peer's years of work might look: people,
    diaries about them, plans and reflections (synchronous=OFF while building only)."""
    rng = random.Random(7)
    with desk.vault.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
    people = [desk.add(Kind.PERSON, {"label": f"Person {i}", "pronouns": "they/them"}).id
              for i in range(60)]
    plans = (Kind.DISCHARGE_PLAN, Kind.CRISIS_PLAN, Kind.RECOVERY_PLAN)
    for n in range(count - len(people)):
        text = " ".join(rng.choice(WORDS) for _ in range(30))
        if n % 10 == 0:
            desk.add(Kind.REFLECTION, {"when": "2026-03-02", "boundary_area": "keeping_well",
                                       "what_happened": text, "keeping_myself_well": text[:40]})
        elif n % 10 == 1:
            kind = plans[n % 3]
            first = spec(kind).by_name["sections"].sections[0].id
            desk.add(kind, {"sections": {first: text}, "review_on": "2026-04-01"},
                     person_id=rng.choice(people))
        else:
            desk.add(Kind.DIARY, {"when": f"2026-03-{1 + n % 28:02d}T10:{n % 60:02d}",
                                  "contact_type": "everyday_activity", "what_happened": text,
                                  "peer_brought": ["being_there"]},
                     person_id=rng.choice(people))
    with desk.vault.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=FULL")


class Heartbeat:
    def __init__(self) -> None:
        from PySide6.QtCore import QTimer
        self.timer = QTimer(interval=HEARTBEAT_MS)
        self.timer.setTimerType(self.timer.timerType().PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0

    def stall_ms(self) -> float:
        return max(0.0, self.longest * 1000 - HEARTBEAT_MS)


def run_until(cond: Callable[[], bool], timeout_s: float = 120.0, settle_ms: int = 300) -> None:
    """Turn the real event loop (so the heartbeat runs) until cond() holds, then a little more."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    done_at: list[float] = []

    def poll() -> None:
        now = time.perf_counter()
        if not done_at and (cond() or now > deadline):
            done_at.append(now)
        if done_at and now - done_at[0] >= settle_ms / 1000:
            loop.quit()

    timer = QTimer(interval=10)
    timer.timeout.connect(poll)
    timer.start()
    loop.exec()
    timer.stop()


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(data_dir: Path, name: str | None = None) -> dict[str, float]:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from peerdesk.config import Policy
    from ui import theme
    from ui.tasks import TaskRunner
    from ui.windows.shell import ShellWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    theme.apply(app)
    runner = TaskRunner()
    shell = ShellWindow(data_dir, policy=Policy(), runner=runner)
    shell.resize(1280, 820)
    shell.show()
    run_until(lambda: shell.signin.accounts.count() > 0 and shell.vault is not None)
    beat = Heartbeat()
    out: dict[str, float] = {}

    page = shell.signin
    page.accounts.setCurrentRow(0)
    if name is not None:
        page.accounts.setCurrentItem(page.accounts.findItems(name, Qt.MatchFlag.MatchExactly)[0])
    page.passphrase.setText(PASSPHRASE)
    vault = shell.vault
    assert vault is not None
    unlock = vault.unlock

    def timed_unlock(*args: Any, **kwargs: Any) -> Any:  # the key derivation, in this unlock
        start = time.perf_counter()
        try:
            return unlock(*args, **kwargs)
        finally:
            out["kdf_s"] = time.perf_counter() - start
    vault.unlock = timed_unlock  # type: ignore[method-assign]
    beat.reset()
    t0 = time.perf_counter()
    page.unlock_button.click()
    run_until(lambda: shell.desk_page is not None and shell.desk_page.isVisible())
    out["unlock_s"] = time.perf_counter() - t0 - 0.3
    out["unlock_stall_ms"] = beat.stall_ms()
    desk_page = shell.desk_page
    assert desk_page is not None
    # A large vault shows the desk first and reads the rest behind it: until every list and
    # Today are complete, with the longest stall meanwhile.
    run_until(lambda: not desk_page.reading, settle_ms=0)
    out["all_read_s"] = time.perf_counter() - t0 - 0.3
    out["reading_stall_ms"] = beat.stall_ms()
    out["rss_unlocked_mib"] = _rss_mib()
    out["records"] = len(desk_page.rows)
    # The search list's index of words is made on a worker once every row is read; until
    # then a search reads every row. From everything read to the index made:
    model = desk_page.search_model
    run_until(lambda: model.quick, settle_ms=0)  # a small list is read row by row: no index
    out["index_s"] = time.perf_counter() - t0 - 0.3 - out["all_read_s"]
    out["rss_indexed_mib"] = _rss_mib()

    # Search as you type: one key every 80 ms, as a quick typist would. For each key, the time
    # from the key to its results shown (None: the next key came first, and its search
    # replaced this one's).
    query = "allotment tea"
    typed: list[str] = []
    pressed: list[float] = []
    apply = model._apply
    shown_at: dict[int, float] = {}

    def applied(*args: Any) -> None:  # instrumentation: when each key's results showed
        apply(*args)
        shown_at[len(typed)] = time.perf_counter()
    model._apply = applied  # type: ignore[method-assign,assignment]

    def type_next() -> None:
        if len(typed) < len(query):
            ch = query[len(typed)]
            typed.append(ch)
            pressed.append(time.perf_counter())
            QTest.keyClicks(desk_page.search, ch)

    keys = QTimer(interval=80)
    keys.timeout.connect(type_next)
    desk_page.search.setFocus()
    beat.reset()
    keys.start()
    run_until(lambda: len(typed) == len(query) and not model.searching, settle_ms=300)
    keys.stop()
    out["search_stall_ms"] = beat.stall_ms()
    out["search_hits"] = model.found()
    waits = [(shown_at[n + 1] - at) * 1000 for n, at in enumerate(pressed) if n + 1 in shown_at]
    out["search_key_ms"] = max(waits) if waits else float("nan")
    out["search_keys_answered"] = len(waits)
    out["search_last_key_ms"] = (shown_at.get(len(query), float("nan")) - pressed[-1]) * 1000
    # One search on its own, from asking to its results shown.
    beat.reset()
    t0 = time.perf_counter()
    model.set_filter("garden music")
    run_until(lambda: not model.searching, settle_ms=0)
    out["one_search_ms"] = (time.perf_counter() - t0) * 1000
    out["one_search_stall_ms"] = beat.stall_ms()
    model._apply = apply  # type: ignore[method-assign]
    out.update(_after_a_sync(desk_page, beat))
    # A save, and then the lock, each on its own: once the lists' search indexes, made
    # again after reading everything again, are done (the workers would slow them otherwise).
    run_until(lambda: not runner.busy(), settle_ms=300)
    out.update(_one_save(desk_page, beat))
    run_until(lambda: not runner.busy(), settle_ms=300)

    beat.reset()
    shell.lock()
    run_until(lambda: shell.desk_page is None)
    out["lock_stall_ms"] = beat.stall_ms()
    beat.timer.stop()
    shell.close()
    runner.stop()
    return out


def _after_a_sync(desk_page: Any, beat: Heartbeat) -> dict[str, float]:
    """A sync that brought one record (the newest diary, as if changed elsewhere): the desk
    reads that record again and changes its rows. Beside it, reading every record again,
    as every such sync did before (and one that does not say what it changed still does):
    the records decrypted, the time until done and the longest UI stall."""
    from peerdesk.crypto.payload import open_version
    from peerdesk.services import reading
    opened = [0]

    def counted(*args: Any) -> Any:  # instrumentation: each version decrypted
        opened[0] += 1
        return open_version(*args)
    vars(reading)["open_version"] = counted
    out: dict[str, float] = {}
    try:
        rid = max((r for r in desk_page.rows.values() if r.record.kind is Kind.DIARY),
                  key=lambda r: r.when).record.id
        edits = desk_page._edits
        beat.reset()
        t0 = time.perf_counter()
        desk_page.take_in({rid})
        run_until(lambda: desk_page._edits > edits)
        out["sync_one_ms"] = (time.perf_counter() - t0 - 0.3) * 1000
        out["sync_one_stall_ms"] = beat.stall_ms()
        out["sync_one_read"] = opened[0]
        opened[0], everything = 0, len(desk_page.rows)
        beat.reset()
        t0 = time.perf_counter()
        desk_page.reload()
        run_until(lambda: opened[0] >= everything and not desk_page.reading)
        out["read_all_s"] = time.perf_counter() - t0 - 0.3
        out["read_all_stall_ms"] = beat.stall_ms()
        out["read_all_read"] = opened[0]
    finally:
        vars(reading)["open_version"] = open_version
    return out


def _one_save(desk_page: Any, beat: Heartbeat) -> dict[str, float]:
    """A save that moves a row (the oldest diary given a date after every other, saved on
    the database lane as an editor saves it): the time the desk takes to put it in its
    place in every list on the UI thread, and the longest UI stall."""
    desk = desk_page.desk
    old = min((r for r in desk_page.rows.values() if r.record.kind is Kind.DIARY),
              key=lambda r: r.when).record
    upsert, took = desk_page._upsert, []

    def timed(record: Any) -> None:  # instrumentation: the desk's part of the save
        start = time.perf_counter()
        upsert(record)
        took.append((time.perf_counter() - start) * 1000)
    beat.reset()
    desk_page._run(lambda: desk.update(old.id, {**old.fields, "when": "2027-01-01T10:00"}),
                   timed)
    run_until(lambda: bool(took))
    return {"save_moved_ms": took[0], "save_stall_ms": beat.stall_ms()}


def alone() -> None:
    """`python -m bench.ui_responsiveness`: 10,000 records on their own; `make bench` has
    these figures at every size in bench/scale.py."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "vault"
        built = build(data_dir)
        print(f"built {COUNT:,} records through the services in {built:.1f} s")
        r = measure(data_dir)
        print(f"unlock (Argon2id default + decrypt {int(r['records']):,})   {r['unlock_s']:6.2f} s")
        print(f"longest UI stall during unlock          {r['unlock_stall_ms']:6.1f} ms   (target < 100 ms)")
        print(f"longest UI stall while typing a search  {r['search_stall_ms']:6.1f} ms   (target < 100 ms)"
              f"   {int(r['search_hits'])} hits")
        print(f"one search over {int(r['records']):,} records         {r['one_search_ms']:6.1f} ms")
        print(f"longest UI stall during lock            {r['lock_stall_ms']:6.1f} ms")


if __name__ == "__main__":
    alone()
