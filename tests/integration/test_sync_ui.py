"""The sync status line in the app: Sync now, conflicts resolved from the dialog, offline."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.services import sync
from tests.helpers.team import Team, diary, make_team
from ui.sync_status import ConflictsDialog, SyncBar
from ui.tasks import TaskRunner


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def finished(widget: SyncBar, attempts: int) -> bool:
    return widget._attempt >= attempts and not widget._running


def test_sync_now_conflicts_and_offline(qtbot, team: Team, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a1, a2 = team.desks["a1"], team.desks["a2"]
    rec = a1.add("diary", diary("first"))
    widget = SyncBar(a1, runner=TaskRunner(inline=True), background_ms=3_600_000)
    qtbot.addWidget(widget)
    arrived: list[object] = []
    widget.synced.connect(arrived.append)
    qtbot.waitUntil(lambda: finished(widget, 1), timeout=15_000)  # the first, automatic sync

    team.sync("a2")
    a1.update(rec.id, diary("ward"))
    a2.update(rec.id, diary("laptop"))
    team.sync("a2")
    widget.sync_button.click()
    qtbot.waitUntil(lambda: finished(widget, 2), timeout=15_000)
    assert widget.conflicts_button.text() == "Conflicts (1)"
    assert arrived  # the desk is told to reload

    widget.conflicts_button.click()
    dialog = widget.findChild(ConflictsDialog)
    assert dialog is not None and len(dialog.conflicts) == 1
    assert dialog.versions_layout.count() == 3  # two versions side by side, and "Keep both"
    dialog._done(rec.id, sync.merged_fields(dialog.conflicts[0]))
    assert sync.conflict_count(a1) == 0
    assert "ward" in a1.get(rec.id).fields["what_happened"]

    shutil.move(team.location, tmp_path / "unplugged")
    widget.sync_button.click()
    qtbot.waitUntil(lambda: finished(widget, 3), timeout=15_000)
    assert widget.label.text() == "Offline — 1 change waiting"
    a1.lock()
    widget.sync_button.click()  # locked: does nothing, says nothing
    assert finished(widget, 3)
