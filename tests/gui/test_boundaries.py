"""Boundary reflections cover every area peers meet, and the coordinator's fidelity page shows
requests to do non-peer tasks as a count per ward, with no names and no words."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate

from peerdesk.domain import Kind
from peerdesk.services import Vault, fidelity
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import settle, sign_in
from ui.windows.coordinator import FidelityPage
from ui.windows.editor import RecordEditor

NEW_AREAS = {"gifts_and_money": "Gifts, money and favours",
             "dual_relationships": "Dual relationships",
             "lone_working": "Lone working and safety in the community",
             "non_peer_tasks": "Being asked to do non-peer tasks",
             "role_drift": "Drifting from the peer role"}


def test_every_boundary_area_is_offered_with_its_questions(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = RecordEditor(Kind.REFLECTION)
    qtbot.addWidget(editor)
    area = editor.form.widget_for("boundary_area")
    offered = {area.itemData(i): area.itemText(i) for i in range(area.count())}  # type: ignore[attr-defined]
    assert NEW_AREAS.items() <= offered.items()
    area.setCurrentIndex(area.findData("non_peer_tasks"))  # type: ignore[attr-defined]
    assert "observations, escorts, reporting back" in editor.prompts.text()
    area.setCurrentIndex(area.findData("lone_working"))  # type: ignore[attr-defined]
    assert "Did someone know where I was" in editor.prompts.text()


def test_the_coordinator_sees_requests_per_ward(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        amira = open_desk(vault, "Amira", PASSPHRASE)
        for when, ward, asked in (("2026-03-02", "Willow ward", ["observations", "escorting"]),
                                  ("2026-03-09", "Willow ward", ["observations"]),
                                  ("2026-03-20", "Cedar ward", ["reporting_back"])):
            amira.add(Kind.REFLECTION, {"when": when, "boundary_area": "non_peer_tasks",
                                        "ward": ward, "asked_to_do": asked,
                                        "what_happened": "MARKER asked me to sit with Jo"})
        fidelity.publish(amira)
        amira.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell, "Grace")
    page = shell.desk_page
    page.show_section("Fidelity and engagement")
    settle(qtbot)
    fid = page.pages.currentWidget()
    assert isinstance(fid, FidelityPage)
    fid.start.setDate(QDate(2026, 3, 1))
    fid.end.setDate(QDate(2026, 3, 31))
    settle(qtbot)
    table = fid.requests_table
    rows = [[table.item(r, c).text() for c in range(3)] for r in range(table.rowCount())]
    assert rows == [
        ["Willow ward", "2", "Observations or checks on people (2); "
                             "Escorting someone (leave, appointments, transfers) (1)"],
        ["Cedar ward", "1", "Reporting back what a person told me (1)"]]
    assert "3 requests on 2 wards" in fid.requests_hint.text()
    shown = " ".join(" ".join(r) for r in rows) + fid.requests_hint.text()
    assert "MARKER" not in shown and "Jo" not in shown and "Amira" not in shown
    fid.start.setDate(QDate(2026, 4, 1))
    fid.end.setDate(QDate(2026, 4, 30))
    settle(qtbot)
    assert "None in this period" in fid.requests_hint.text() and fid.requests_table.isHidden()
