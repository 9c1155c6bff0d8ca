"""The copy dialog: every kind of copy, named after the plan, the person and the day, saved
where the person chooses (never a shared profile folder by default), and removable again."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from peerdesk import dates, exports
from peerdesk.domain import Kind
from peerdesk.services import Desk, papers
from tests.helpers.scripts import NAME, SECTIONS, missing_words, pdf_text
from ui import copy_places
from ui.windows.dialogs import PlanCopyDialog


@pytest.fixture(autouse=True)
def _no_memory_stick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copy_places, "removable_folders", list)


def _dialog(qtbot, peer: Desk, folder: Path | None) -> PlanCopyDialog:  # type: ignore[no-untyped-def]
    person = peer.add(Kind.PERSON, {"label": NAME})
    plan = peer.add(Kind.CRISIS_PLAN, {"sections": SECTIONS}, person_id=person.id)
    dialog = PlanCopyDialog(
        plan, person=NAME, default_dir=folder,
        papers_for=lambda fmt, who, how: papers.make(peer, plan.id, fmt, who, how=how),
        run=lambda fn, then: then(fn()))  # inline: the app runs it on the task runner
    qtbot.addWidget(dialog)
    return dialog


def test_every_copy_is_offered_and_named_after_the_plan_person_and_day(  # type: ignore[no-untyped-def]
        qtbot, peer: Desk, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, peer, tmp_path)
    offered = [dialog.format.itemData(i) for i in range(dialog.format.count())]
    assert offered == list(papers.FORMATS)
    assert dialog.format.accessibleName() == "Which copy?"
    today = dates.today().isoformat()
    assert dialog.path.text() == str(tmp_path / f"My crisis plan - {NAME} - {today}.pdf")
    dialog.format.setCurrentIndex(offered.index("easy-read"))
    saved = dialog.save_pdf()
    assert saved == tmp_path / f"My crisis plan (Easy Read) - {NAME} - {today}.pdf"
    assert saved.exists() and missing_words(SECTIONS["self_help"], pdf_text(saved)) == []
    if os.name == "posix":
        assert stat.S_IMODE(saved.stat().st_mode) == exports.OWNER_ONLY
    # Not on a memory stick: the dialog offers to delete it, and says how to do it by hand.
    assert not dialog.remove_button.isHidden()
    assert "Shift+Delete" in dialog.banner.text()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert not saved.exists() and dialog.remove_button.isHidden()
    # The person's own papers are for the person: the recipient cannot be changed.
    dialog.format.setCurrentIndex(offered.index("crisis-card"))
    assert not dialog.recipient.isEnabled()
    assert dialog.path.text().endswith(f"Crisis card (wallet size) - {NAME} - {today}.pdf")


def test_no_folder_is_suggested_on_a_shared_computer(qtbot, peer: Desk) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, peer, None)
    # No memory stick, and no folder chosen for copies: nothing is pre-filled, so the
    # person's copy never lands in the shared profile's Documents by default.
    assert dialog.path.text() == ""
    assert "memory stick" in dialog.path.placeholderText()


def test_a_memory_stick_is_suggested_when_one_is_plugged_in(  # type: ignore[no-untyped-def]
        qtbot, peer: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stick = tmp_path / "media" / "JO-USB"
    stick.mkdir(parents=True)
    monkeypatch.setattr(copy_places, "removable_folders", lambda: [stick])
    dialog = _dialog(qtbot, peer, None)
    assert Path(dialog.path.text()).parent == stick
    saved = dialog.save_pdf()
    assert saved is not None and saved.parent == stick
    assert dialog.remove_button.isHidden()  # it is on the person's stick, not this computer


def test_a_persons_own_record_offers_their_papers(qtbot, peer: Desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.windows.dialogs import offered_formats

    person = peer.add(Kind.PERSON, {"label": NAME})
    assert offered_formats(Kind.PERSON, with_desk=True) == [
        "crisis-card", "what-to-expect", "ending-letter"]
    assert "crisis-card" not in offered_formats(Kind.DISCHARGE_PLAN, with_desk=True)
    dialog = PlanCopyDialog(
        person, person=NAME, default_dir=tmp_path,
        papers_for=lambda fmt, who, how: papers.make(peer, person.id, fmt, who, how=how),
        run=lambda fn, then: then(fn()))
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("what-to-expect"))
    saved = dialog.save_pdf()
    assert saved is not None and saved.name.startswith("What to expect from peer support - ")
    assert "My name is Amira." in pdf_text(saved)


def test_printing_uses_the_bundled_fonts(qtbot, peer: Desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrinter

    from peerdesk.services import consent, copies
    from ui.plan_document import print_document

    person = peer.add(Kind.PERSON, {"label": NAME})
    plan = peer.add(Kind.CRISIS_PLAN, {"sections": SECTIONS}, person_id=person.id)
    doc = copies.easy_read_document(consent.copy_for(plan, None, on=dates.today()), person=NAME)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a printer that writes a file
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    print_document(printer, doc)
    # Qt's PDF printer sets "fi" as one ligature glyph: NFKC reads it as the two letters.
    text = unicodedata.normalize("NFKC", pdf_text(tmp_path / "printed.pdf"))
    for words in (NAME, *SECTIONS.values()):
        assert missing_words(words, text) == [], words
