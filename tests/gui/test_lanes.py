"""Two lanes: the team share can stop answering in the middle of a sync, and saving goes on.

The sync runs on the I/O lane and hands its database steps to the database lane; when the
share hangs, only an I/O thread waits. The reachability probe is an I/O task with a timeout.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton, QWidget

from peerdesk.domain import Kind
from peerdesk.errors import TimedOut
from peerdesk.services import sync
from peerdesk.sync import engine
from peerdesk.sync import format as fmt
from peerdesk.sync.incoming import Apply
from tests.helpers.shares import HangingShare
from tests.helpers.team import Team, diary, make_team
from ui import sync_status
from ui.sync_status import SyncBar
from ui.tasks import TaskRunner

WAIT_MS = 10_000


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def test_a_save_completes_while_the_io_lane_is_stuck_on_a_share(qtbot, team: Team) -> None:  # type: ignore[no-untyped-def]
    a1 = team.desks["a1"]
    hanging = HangingShare(Path(team.location), folder=fmt.DEVICES)
    runner = TaskRunner()
    ended: list[object] = []
    try:
        # The sync reads the manifest and the accounts (database steps on the database lane),
        # then the share stops answering as it lists the devices.
        runner.io.start(lambda: sync.run_sync(a1, share=hanging, lanes=runner.lanes),
                        on_success=ended.append, on_error=ended.append)
        assert hanging.stuck.wait(WAIT_MS / 1000)
        saved: list[object] = []
        runner.db.start(lambda: a1.add(Kind.DIARY, diary("saved while the share hangs")),
                        on_success=saved.append, on_error=saved.append)
        qtbot.waitUntil(lambda: bool(saved), timeout=WAIT_MS)
        assert [type(s).__name__ for s in saved] == ["Record"]
        listed: list[object] = []
        runner.db.start(lambda: a1.records(Kind.DIARY), on_success=listed.append)
        qtbot.waitUntil(lambda: bool(listed), timeout=WAIT_MS)
        assert [r.fields["what_happened"] for r in listed[0]] == ["saved while the share hangs"]  # type: ignore[attr-defined]
        # The probe of a share that does not answer is given up on, on time.
        probed: list[object] = []
        runner.io.start(hanging.check, timeout=0.3, on_error=probed.append)
        qtbot.waitUntil(lambda: bool(probed), timeout=WAIT_MS)
        assert isinstance(probed[0], TimedOut)
        assert ended == []  # and the sync is still waiting on the share
    finally:
        hanging.release.set()
        qtbot.waitUntil(lambda: bool(ended), timeout=WAIT_MS)
        runner.stop()
    assert isinstance(ended[0], sync.ShareUnavailable)  # when it gives up: offline, calmly
    assert sync.sync_status(team.vaults["a1"], a1.user.id).state == "unreachable"


def test_a_save_waits_for_one_slice_of_a_sync_taking_in_many_changes(  # type: ignore[no-untyped-def]
        qtbot, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync taking in a changeset applies it in slices inside one transaction; a save
    queued on the database lane meanwhile is written after the slice under way, not after the
    changeset, and the changeset is still taken in whole."""
    monkeypatch.setattr(engine, "APPLY_SLICE", 10)
    a1, a2 = team.desks["a1"], team.desks["a2"]
    for n in range(60):
        a1.add(Kind.DIARY, diary(f"note {n}"))
    team.sync("a1")
    events: list[str] = []
    slicing, queued = threading.Event(), threading.Event()
    real = Apply.all

    def one_slice(self, items):  # type: ignore[no-untyped-def]
        if not slicing.is_set():
            slicing.set()
            assert queued.wait(WAIT_MS / 1000)  # the save is on the lane before this slice ends
        events.append(f"slice of {len(items)}")
        return real(self, items)

    monkeypatch.setattr(Apply, "all", one_slice)
    runner = TaskRunner()
    ended: list[object] = []
    saved: list[object] = []

    def save() -> object:
        events.append("save")
        return a2.add(Kind.DIARY, diary("saved during the sync"))
    try:
        runner.io.start(lambda: sync.run_sync(a2, lanes=runner.lanes),
                        on_success=ended.append, on_error=ended.append)
        qtbot.waitUntil(slicing.is_set, timeout=WAIT_MS)
        runner.db.start(save, on_success=saved.append, on_error=saved.append)
        queued.set()
        qtbot.waitUntil(lambda: bool(ended) and bool(saved), timeout=WAIT_MS * 3)
    finally:
        queued.set()
        runner.stop()
    assert [type(s).__name__ for s in saved] == ["Record"]
    assert isinstance(ended[0], sync.SyncReport) and ended[0].pulled == 60
    # One slice, then the save; the other five slices of the changeset after it.
    assert events == ["slice of 10", "save"] + ["slice of 10"] * 5
    texts = {r.fields["what_happened"] for r in a2.records(Kind.DIARY)}
    assert texts == {f"note {n}" for n in range(60)} | {"saved during the sync"}


def test_the_sync_bar_says_offline_and_saving_goes_on(
        qtbot, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    a1 = team.desks["a1"]
    hanging = HangingShare(Path(team.location), folder="")
    hanging.stuck.set()  # not answering at all, from the first call
    monkeypatch.setattr(sync, "open_share", lambda location, timeout=15.0: hanging)
    monkeypatch.setattr(sync_status, "REACH_WAIT_S", 0.5)
    runner = TaskRunner()
    try:
        bar = SyncBar(a1, runner=runner, background_ms=3_600_000)
        qtbot.addWidget(bar)
        bar.first_sync.stop()
        bar.sync_now()
        saved: list[object] = []
        runner.db.start(lambda: a1.add(Kind.DIARY, diary("saved meanwhile")),
                        on_success=saved.append, on_error=saved.append)
        qtbot.waitUntil(lambda: bool(saved), timeout=WAIT_MS)
        assert [type(s).__name__ for s in saved] == ["Record"]
        qtbot.waitUntil(lambda: bar.label.text().startswith("Offline"), timeout=WAIT_MS)
        assert bar.label.text() == "Offline — 1 change waiting"
        assert bar.sync_button.isEnabled()  # ready to try again
    finally:
        hanging.release.set()
        runner.wait_idle(5_000)
        runner.stop()


def test_after_stop_no_job_starts_a_database_thread_again(qtbot) -> None:  # type: ignore[no-untyped-def]
    """At exit a sync may still be running on the I/O lane: its next database step is
    refused, rather than a new database thread being started while Qt shuts down."""
    from peerdesk.errors import Cancelled

    runner = TaskRunner()
    ran: list[int] = []
    runner.db.start(lambda: ran.append(1))
    assert runner.wait_idle(5_000) and ran == [1]
    runner.stop()
    with pytest.raises(Cancelled):
        runner.lanes.db(lambda: ran.append(2))
    runner.db.start(lambda: ran.append(3))
    qtbot.wait(100)
    assert ran == [1] and runner._db is None and runner.wait_idle(1_000)


def _closed_window(freed_on: list[int]) -> None:
    window = QWidget()
    QPushButton("Close", window)
    window.leave = lambda: window.close()  # type: ignore[attr-defined]  # a cycle
    weakref.finalize(window, lambda: freed_on.append(threading.get_ident()))


def test_qt_objects_in_garbage_cycles_are_freed_on_the_ui_thread(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    """A closed window holding a lambda that points back at it is a garbage cycle; Python's
    collector, left automatic, frees it on whichever thread allocates next, and the database
    lane decrypting a vault allocates a great deal. Freed there, the window's wrapper is
    destroyed off the UI thread (PeerDesk crashed in shiboken that way, in the database
    thread). It must be freed on the UI thread."""
    freed_on: list[int] = []
    _closed_window(freed_on)
    assert not gc.isenabled()  # while a runner has workers: collected on the UI thread only

    # Only the database lane allocates until it is done: the UI thread waits, collecting nothing.
    runner.db.start(lambda: len([{"row": [i]} for i in range(200_000)]))
    assert runner.wait_idle(WAIT_MS)
    assert freed_on == []
    young = [[] for _ in range(gc.get_threshold()[0] * 2)]  # the UI thread allocates: due now
    qtbot.waitUntil(lambda: bool(freed_on), timeout=WAIT_MS)  # the collector's next turn
    del young
    assert freed_on == [threading.get_ident()]
