"""The team share in the app: a second computer joins with only a passphrase, the desk shows
how sync stands, and what another computer saved arrives on "Sync now"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from peerdesk.domain import Kind
from peerdesk.services import reading, sync
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, sign_in
from tests.helpers.team import Team, diary, make_team
from ui.windows import desk as desk_module
from ui.windows.shell import ShellWindow
from ui.windows.signin import JoinPage

SYNC_MS = 20_000  # the first sync waits for the desk to be on screen, then probes the share


def _diaries(shell: ShellWindow) -> set[str]:
    page = shell.desk_page
    assert page is not None
    return {r.record.fields.get("what_happened", "") for r in page.rows.values()
            if r.record.kind is Kind.DIARY}


def _status(shell: ShellWindow) -> str:
    assert shell.desk_page is not None
    return shell.desk_page.sync_status.label.text()


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    team = make_team(tmp_path / "team")
    yield team
    team.close()


def _open_join_page(qtbot, shell: ShellWindow) -> JoinPage:  # type: ignore[no-untyped-def]
    """An empty computer's first-run page, then *Join from the team share*."""
    setup = shell.account_page
    assert setup is not None and setup.first_run
    qtbot.mouseClick(setup.join_button, Qt.MouseButton.LeftButton)
    join = shell.join_page
    assert join is not None and shell.stack.currentWidget() is join
    return join


@pytest.mark.parametrize("large", [False, True], ids=["small", "read-in-batches"])
def test_join_from_the_share_then_sync_now_brings_what_the_laptop_saved(
        qtbot, make_shell, team: Team, tmp_path: Path, large: bool,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    if large:  # a large vault reads its records in batches behind the desk, after a sync too
        monkeypatch.setattr(desk_module, "WHOLE_LOAD", 0)
        monkeypatch.setattr(desk_module, "FIRST_BATCH", 1)
        monkeypatch.setattr(desk_module, "BATCH", 1)
    team.desks["a1"].add("diary", diary("Talked through the week ahead on the ward."))
    team.sync("a1")

    shell = make_shell(tmp_path / "ward-pc")
    join = _open_join_page(qtbot, shell)
    qtbot.mouseClick(join.submit_button, Qt.MouseButton.LeftButton)
    assert join.banner.text().endswith("Type where the team share is, as IT gave it to you.")
    qtbot.keyClicks(join.share, team.location)
    qtbot.keyClicks(join.name, "Amira")
    qtbot.keyClicks(join.passphrase, PASSPHRASE)
    qtbot.keyClick(join.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.desk_page is not None, timeout=WAIT_MS)
    assert _diaries(shell) == {"Talked through the week ahead on the ward."}
    qtbot.waitUntil(lambda: _status(shell).startswith("Synced"), timeout=SYNC_MS)

    # The laptop saves something while the ward PC is open; "Sync now" brings it.
    team.desks["a2"].add("diary", diary("Café meeting: planning the first week home."))
    team.sync("a2")
    page = shell.desk_page
    assert page is not None
    qtbot.mouseClick(page.sync_status.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_diaries(shell)) == 2, timeout=SYNC_MS)
    assert "Café meeting: planning the first week home." in _diaries(shell)
    qtbot.waitUntil(lambda: not page.reading, timeout=SYNC_MS)
    assert {r.summary for r in page.diary_model.rows()} == {
        "Talked through the week ahead on the ward.",
        "Café meeting: planning the first week home."}
    qtbot.waitUntil(lambda: _status(shell).startswith("Synced"), timeout=SYNC_MS)


def test_first_administrator_names_the_share_and_it_becomes_the_team_share(
        qtbot, make_shell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    share = tmp_path / "trust-share"
    share.mkdir()
    shell = make_shell(tmp_path / "office-pc")
    setup = shell.account_page
    assert setup is not None
    qtbot.keyClicks(setup.team, "Team North")
    qtbot.keyClicks(setup.share, str(share))
    qtbot.keyClicks(setup.name, "Ida")
    setup.role.setCurrentIndex(setup.role.findText("Administrator"))
    for edit in (setup.passphrase, setup.confirm):
        qtbot.keyClicks(edit, PASSPHRASE)
    qtbot.mouseClick(setup.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.desk_page is not None, timeout=WAIT_MS)
    page = shell.desk_page
    assert page is not None
    assert "The team share is ready. Its administrator key fingerprint is " in page.banner.text()
    assert shell.vault is not None
    assert sync.share_location(shell.vault) == str(share)
    manifests = list(share.rglob("*.json"))
    assert manifests and any(json.loads(m.read_text("utf-8")) for m in manifests)
    qtbot.waitUntil(lambda: _status(shell).startswith("Synced"), timeout=SYNC_MS)


def test_a_mistyped_passphrase_when_joining_leaves_the_team_ready_to_sign_in(
        qtbot, make_shell, team: Team, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    team.desks["a1"].add("diary", diary("Walked to the hospital café together."))
    team.sync("a1")
    shell = make_shell(tmp_path / "ward-pc")
    join = _open_join_page(qtbot, shell)
    qtbot.keyClicks(join.share, team.location)
    qtbot.keyClicks(join.name, "Amira")
    qtbot.keyClicks(join.passphrase, "not her passphrase at all")
    qtbot.keyClick(join.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: join.submit_button.isEnabled(), timeout=WAIT_MS)
    assert shell.desk_page is None and join.passphrase.text() == ""
    assert "passphrase" in join.banner.text().lower()

    qtbot.mouseClick(join.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.stack.currentWidget() is shell.signin, timeout=WAIT_MS)
    names = {shell.signin.accounts.item(i).text()
             for i in range(shell.signin.accounts.count())}
    assert names == {"Amira", "Grace", "Ida"}
    sign_in(qtbot, shell, "Amira")
    # Her records come with the first sync after sign-in, from the share she typed.
    qtbot.waitUntil(lambda: _diaries(shell) == {"Walked to the hospital café together."},
                    timeout=SYNC_MS)


def _ward_pc_open(qtbot, make_shell, team: Team, *, diaries: int) -> ShellWindow:  # type: ignore[no-untyped-def]
    """Amira's ward PC (a1), after a sync, opened in the app and synced once more there."""
    team.sync("a2", "a1")
    team.vaults.pop("a1").close()  # the ward PC's folder is opened by the app now
    team.desks.pop("a1")
    shell = make_shell(team.root / "a1")
    sign_in(qtbot, shell)
    assert shell.desk_page is not None
    qtbot.waitUntil(lambda: len(_diaries(shell)) == diaries, timeout=SYNC_MS)
    qtbot.waitUntil(lambda: _status(shell).startswith("Synced"), timeout=SYNC_MS)
    return shell


def _decrypted_from_now(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The record of every version decrypted for the desk from here on."""
    opened: list[str] = []
    open_version = reading.open_version

    def counted(keys, user_id, sealed, *args):  # type: ignore[no-untyped-def]
        opened.append(sealed.record_id)
        return open_version(keys, user_id, sealed, *args)
    monkeypatch.setattr(reading, "open_version", counted)
    return opened


def test_a_sync_that_brings_one_record_reads_that_record_and_changes_its_rows_only(
        qtbot, make_shell, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Reading the whole vault again after every sync that brought something cost a large
    vault seconds of work each time: only what the sync changed is read again."""
    a2 = team.desks["a2"]
    older = [a2.add("diary", diary(f"Week {n}: a walk by the canal.", f"2026-02-{n + 1:02d}T10:00"))
             for n in range(25)]
    shell = _ward_pc_open(qtbot, make_shell, team, diaries=25)
    page = shell.desk_page
    opened = _decrypted_from_now(monkeypatch)
    resets: list[str] = []
    for name, model in page._lists().items():
        model.modelReset.connect(lambda name=name: resets.append(name))

    # The laptop writes one diary and deletes another; "Sync now" brings both.
    new = a2.add("diary", diary("Café meeting: planning the first week home."))
    a2.delete(older[3].id)
    team.sync("a2")
    qtbot.mouseClick(page.sync_status.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Café meeting: planning the first week home." in _diaries(shell)
                    and older[3].id not in page.rows, timeout=SYNC_MS)
    qtbot.waitUntil(lambda: _status(shell).startswith("Synced"), timeout=SYNC_MS)
    assert opened == [new.id]  # one record read again, not 26
    assert len(page.rows) == 25 and page.diary_model.total() == 25
    assert "Week 3: a walk by the canal." not in {r.summary for r in page.diary_model.rows()}
    assert resets == []  # each list changed those two rows where they stand


def test_a_person_renamed_elsewhere_has_the_new_name_on_each_of_their_rows_after_a_sync(
        qtbot, make_shell, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    a2 = team.desks["a2"]
    jo = a2.add("person", {"label": "Jo"})
    for n in range(6):
        a2.add("diary", diary(f"Week {n}: the allotment.", f"2026-02-{n + 1:02d}T10:00"),
               person_id=jo.id)
    shell = _ward_pc_open(qtbot, make_shell, team, diaries=6)
    page = shell.desk_page
    opened = _decrypted_from_now(monkeypatch)
    a2.update(jo.id, {"label": "Jo Bright"})
    team.sync("a2")
    qtbot.mouseClick(page.sync_status.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: {r.person for r in page.diary_model.rows()} == {"Jo Bright"},
                    timeout=SYNC_MS)
    qtbot.waitUntil(lambda: not page.reading, timeout=SYNC_MS)
    assert opened == [jo.id]  # the person read again, not her diaries
    assert [r.person for r in page.people_model.rows()] == ["Jo Bright"]
    assert page.diary_model.total() == 6
