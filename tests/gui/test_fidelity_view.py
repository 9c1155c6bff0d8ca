"""The fidelity view: figures, two charts, and exports that hide small numbers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtGui import QFont, QFontMetrics

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import on_section, settle, sign_in
from ui.widgets.bars import BarChart
from ui.windows.coordinator import FidelityPage


def test_fidelity_page_and_exports(qtbot, make_shell, prepared_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        for label in ("Jo", "Dev"):
            person = desk.add(Kind.PERSON, {"label": label, "local_id": f"ID-{label}"})
            for day, contact in (("01", "first_ward_contact"), ("09", "everyday_activity")):
                desk.add(Kind.DIARY, {"when": f"2026-03-{day}T10:00", "contact_type": contact,
                                      "strengths": "Kind"}, person_id=person.id)
        desk.lock()
    shell = make_shell(prepared_dir)
    fid = on_section(qtbot, shell, "Fidelity and engagement", FidelityPage)
    fid.start.setDate(QDate(2026, 3, 1))
    fid.end.setDate(QDate(2026, 3, 31))
    settle(qtbot)
    cells = {fid.table.item(r, 0).text(): fid.table.item(r, 1).text()
             for r in range(fid.table.rowCount())}
    assert cells["People supported"] == "2" and cells["Sessions"] == "4"
    assert cells["Two or more sessions (engagement)"] == "2 (100%)"
    assert "2 of 2" in fid.components_chart.accessibleDescription()
    assert fid.components_chart.isVisible() and fid.domains_chart.height() > 50
    assert not fid.themes_chart.isVisible()  # no group supervision sessions on a peer's desk
    text = fid.export_csv(tmp_path / "f.csv").read_text()
    assert "People supported,*,*" in text and "Jo" not in text and "ID-Jo" not in text
    pdf = fid.export_pdf(tmp_path / "f.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_signing_in_refreshes_the_name_free_figures(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        person = desk.add(Kind.PERSON, {"label": "Jo"})
        desk.add(Kind.DIARY, {"when": "2026-03-01T10:00", "contact_type": "first_ward_contact"},
                 person_id=person.id)
        desk.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    settle(qtbot)
    assert shell.vault is not None
    grace = open_desk(shell.vault, "Grace", PASSPHRASE)
    [summary] = grace.records(Kind.SUMMARY)
    assert summary.person_id == person.id and "Jo" not in str(summary.fields)


def test_a_chart_title_that_wraps_in_bold_has_room_for_every_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    # The title is drawn bold, which is wider: measured in the regular face, a title that
    # fits one regular line but needs two bold ones had its second line drawn over the bars.
    chart = BarChart("Sessions that showed each part of peer support (%)")
    qtbot.addWidget(chart)
    chart.set_bars([("Trust through shared experience", 0.5, "28 of 54")])
    bold = QFont(chart.font())
    bold.setBold(True)
    regular_w = chart.fontMetrics().horizontalAdvance(chart.title)
    bold_w = QFontMetrics(bold).horizontalAdvance(chart.title)
    assert bold_w > regular_w
    width = (regular_w + bold_w) // 2 + 1  # one regular line, two bold ones
    chart.resize(width, chart.heightForWidth(width))
    title_h, _rows = chart._rows(width)
    two_lines = QFontMetrics(bold).lineSpacing() + QFontMetrics(bold).height()
    assert title_h >= two_lines, (title_h, two_lines)
    assert chart.height() >= title_h + sum(_rows)
