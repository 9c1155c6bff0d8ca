"""My wellbeing: "I need some support" offers to tell the coordinator, who then sees that
Amira asked for a conversation and nothing she wrote; the trend and the staying-well plan."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from peerdesk.services.workqueue import ItemKind
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui.windows.wellbeing import WellbeingPage

WORDS = "MARKER the ward has been very hard this week"


def _all_text(widget) -> str:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QAbstractItemView, QLabel

    out = [w.text() for w in widget.findChildren(QLabel)]
    for view in widget.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        try:
            columns = model.columnCount(QModelIndex())
        except TypeError:  # a list widget's model keeps it private: one column
            columns = 1
        out += [str(model.index(r, c).data()) for r in range(model.rowCount(QModelIndex()))
                for c in range(columns)]
    return "\n".join(out)


def test_i_need_support_tells_the_coordinator_that_and_nothing_else(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_record(Kind.CHECKIN)
    qtbot.keyClicks(editor.form.widget_for("what_helps"), WORDS)
    how = editor.form.widget_for("how_i_am")
    assert not editor.banner.isVisible()
    how.setCurrentIndex(how.findData("need_support"))
    assert editor.banner.isVisible() and "Only that is sent" in editor.banner.text()
    qtbot.mouseClick(editor.banner.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Grace can see that you asked for a conversation" in
                    editor.banner.text(), timeout=WAIT_MS)
    qtbot.mouseClick(editor.save_close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.editors, timeout=WAIT_MS)

    # Her page: the trend, and her staying-well plan, started from there.
    page.show_section("My wellbeing")
    settle(qtbot)
    mine = page.pages.currentWidget()
    assert isinstance(mine, WellbeingPage)
    assert "1 check-in since" in mine.summary.text() and "I need some support" in \
        mine.summary.text()
    assert mine.plan_button.text() == "Start my staying-well plan"
    qtbot.mouseClick(mine.plan_button, Qt.MouseButton.LeftButton)
    plan = page.editors[-1]
    assert plan.kind is Kind.STAYING_WELL
    plan.form.section_edits["every_day"].setPlainText("MARKER a walk at lunch")
    qtbot.mouseClick(plan.save_close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.editors, timeout=WAIT_MS)

    shell.lock()
    sign_in(qtbot, shell, "Grace")
    grace = shell.desk_page
    assert "Asked you for a conversation: Amira on" in grace.banner.text()
    assert "nothing they wrote" in grace.banner.text()
    [item] = grace.work_model.items()
    assert item.what is ItemKind.CONVERSATION
    assert grace.work_model.text_rows()[0][1:3] == ("Asked you for a conversation", "Amira")
    # No word of hers anywhere Grace can look.
    for section in grace.nav_items:
        grace.show_section(section)
        settle(qtbot)
        assert "MARKER" not in _all_text(grace), section
    grace.show_section("Today")
    grace.today.work_view.selectRow(0)
    qtbot.mouseClick(grace.today.done_item, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: grace.work_model.rowCount() == 0, timeout=WAIT_MS)


def test_a_staying_well_plan_is_offered_from_a_check_in(qtbot, make_shell,  # type: ignore[no-untyped-def]
                                                        prepared_dir: Path) -> None:
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        amira = open_desk(vault, "Amira", PASSPHRASE)
        saved = amira.add(Kind.STAYING_WELL, {"sections": {"who_helps": "My sister"}})
        amira.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    checkin = page.new_record(Kind.CHECKIN)
    qtbot.mouseClick(checkin.staying_well_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.editors[-1].record_id == saved.id, timeout=WAIT_MS)
    assert page.editors[-1].form.section_edits["who_helps"].toPlainText() == "My sister"
