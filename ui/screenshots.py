"""Screenshots of every screen for the docs: python -m ui.screenshots --data-dir .demo --out DIR.

Works on a copy of the demo folder (the demo itself is not changed), offscreen or under Xvfb.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (1280, 820)
WARD_SIZE = (1366, 768)


def _wait(app: object, cond: Callable[[], bool], timeout: float = 20.0) -> None:
    from PySide6.QtWidgets import QApplication
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("the app did not reach the expected screen")
        QApplication.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        QApplication.processEvents()
        time.sleep(0.01)


def _shot(out: Path, name: str, widget: Any) -> None:
    from PySide6.QtWidgets import QApplication

    page = getattr(widget, "desk_page", None)
    if page is not None and not name.startswith("14"):
        page.banner.hide()  # a note left from the previous step would only confuse
    for _ in range(5):
        QApplication.processEvents()
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True, help="a demo data folder")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QWidget

    from peerdesk.config import Policy
    from peerdesk.demo import SHARE_FOLDER
    from peerdesk.domain import Kind
    from peerdesk.services import Vault, sync
    from peerdesk.services.workqueue import ItemKind
    from ui import plan_document, theme
    from ui.tasks import TaskRunner
    from ui.windows.desk import DeskPage
    from ui.windows.shell import ShellWindow
    from ui.windows.wellbeing import WellbeingPage

    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    runner = TaskRunner()
    assert isinstance(app, QApplication)
    theme.apply(app)
    work = Path(tempfile.mkdtemp(prefix="peerdesk-shots-"))
    data = work / "demo"
    shutil.copytree(args.data_dir, data, ignore=shutil.ignore_patterns("*.lock", "display.json"))
    demo = {"Amira": "amira demo passphrase", "Grace": "grace demo passphrase"}
    if (data / SHARE_FOLDER).is_dir():  # sync with the copy's share, not the demo's own
        with Vault(data) as vault:
            sync.set_share_location(vault, str(data / SHARE_FOLDER))

    def shot(name: str, widget: QWidget) -> None:
        _shot(args.out, name, widget)

    def open_shell(folder: Path) -> ShellWindow:
        # The default place offered for a copy: the person's own memory stick, say.
        shell = ShellWindow(folder, policy=Policy(), export_dir=Path("/media/usb-stick"),
                            runner=runner)
        shell.setWindowState(Qt.WindowState.WindowNoState)  # the docs' size, not the screen's
        shell.resize(*SIZE)
        shell.show()
        _wait(app, lambda: shell.vault is not None)
        return shell

    def sign_in(shell: ShellWindow, name: str) -> None:
        page = shell.signin
        _wait(app, lambda: page.accounts.count() > 0 and page.isVisible())
        page.accounts.setCurrentItem(page.accounts.findItems(name, Qt.MatchFlag.MatchExactly)[0])
        page.passphrase.setText(demo[name])
        page.unlock_button.click()
        _wait(app, lambda: shell.desk_page is not None)

    def desk_of(shell: ShellWindow) -> DeskPage:
        assert shell.desk_page is not None
        return shell.desk_page

    try:
        first = open_shell(work / "empty")
        shot("01-first-run", first)
        assert first.account_page is not None
        first.account_page.join_button.click()
        shot("22-join-from-the-share", first)
        first.close()

        # A new peer's first Today, at a ward PC's 1366 x 768: it says what to do first.
        fresh = work / "new"
        with Vault(fresh) as vault:
            vault.set_team("Team North")
            vault.create_account("Priya", "peer", "priya demo passphrase")
        demo["Priya"] = "priya demo passphrase"
        newcomer = open_shell(fresh)
        newcomer.resize(*WARD_SIZE)
        sign_in(newcomer, "Priya")
        _wait(app, lambda: newcomer.size().width() == WARD_SIZE[0])
        shot("34-new-users-today", newcomer)
        desk_of(newcomer).show_section("Diary")
        shot("35-new-users-empty-diary", newcomer)
        newcomer.close()

        shell = open_shell(data)
        _wait(app, lambda: shell.signin.accounts.count() > 0)
        shell.signin.accounts.setCurrentRow(0)
        shot("02-sign-in", shell)
        sign_in(shell, "Amira")
        page = desk_of(shell)
        _wait(app, lambda: page.sync_status.label.text().startswith("Synced"))
        shot("03-today", page.window())
        # The work queue and the follow-up it carries, at a ward PC's 1366 x 768.
        shell.resize(*WARD_SIZE)
        _wait(app, lambda: shell.size().width() == WARD_SIZE[0])
        shot("29-today-work-queue", shell)
        follow = next(i for i in page.work_model.items() if i.what is ItemKind.FOLLOW_UP)
        page.open_item(follow)
        carried = page.editors[-1]
        _wait(app, carried.carried.isVisible)
        shot("30-diary-with-follow-up-carried", shell)
        carried.close_button.click()
        _wait(app, lambda: carried not in page.editors)
        page.show_section("My wellbeing")
        shot("40-my-wellbeing", shell)
        mine = page.pages.currentWidget()
        assert isinstance(mine, WellbeingPage)
        mine.open_plan()
        _wait(app, lambda: bool(page.editors) and page.editors[-1].kind is Kind.STAYING_WELL)
        shot("41-staying-well-plan", shell)
        page.editors[-1].close_button.click()
        crisis = next(r.record for r in page.rows.values() if r.record.kind is Kind.CRISIS_PLAN)
        page.open_record(crisis)
        _wait(app, lambda: bool(page.editors) and page.editors[-1].record_id == crisis.id)
        plan_editor = page.editors[-1]
        together = page.cowrite(plan_editor)
        together.setWindowState(Qt.WindowState.WindowNoState)
        together.resize(*WARD_SIZE)
        _wait(app, together.isVisible)
        together.go(1)
        shot("42-writing-together", together)
        together.go(len(together.sections))
        shot("43-writing-together-the-end", together)
        together.wipe()
        plan_editor.close_button.click()
        shell.resize(*SIZE)
        page.show_section("People I support")
        page.people_page.view.selectRow(0)
        shot("04-people", shell)
        page.show_section("Plans")
        shot("05-plans", shell)
        page.show_section("Resource pack")
        shot("21-resource-pack", shell)

        diary = page.new_record(Kind.DIARY)
        assert diary.person_box is not None
        diary.person_box.setCurrentIndex(1)
        diary.form.widget_for("contact_type").setCurrentIndex(2)  # type: ignore[attr-defined]
        diary.form.widget_for("what_happened").setPlainText(  # type: ignore[attr-defined]
            "Met on the ward after lunch. Staff said she was non-compliant with the ward "
            "round; she told me she wants to understand her medication first.")
        diary.form.widget_for("what_mattered").setPlainText(  # type: ignore[attr-defined]
            "Being listened to, and getting out for a walk each day.")
        diary._update_hints()
        shot("06-diary-with-language-hints", shell)
        page.close_editor(diary)
        runner.wait_idle()

        plan_row = next(r for r in page.plans_model.rows() if r.record.kind is Kind.CRISIS_PLAN)
        page.open_record(plan_row.record)
        _wait(app, lambda: bool(page.editors))
        plan = page.editors[-1]
        shot("07-crisis-plan", shell)
        sections = dict(plan.form.values()["sections"])
        plan.form.section_edits["helps"].setPlainText(
            sections.get("helps", "") + "\nMy dog Biscuit being looked after.")
        plan.save_button.click()
        _wait(app, lambda: plan.record is not None and plan.record.version == 2)
        plan.versions_button.click()
        _wait(app, lambda: bool(page.dialogs))
        versions = page.dialogs[-1]
        versions.resize(1100, 720)
        shot("08-versions-side-by-side", versions)
        versions.reject()
        dialog = page._copy(plan)
        assert dialog is not None
        shot("09-copy-for-the-person", dialog)
        pdf = work / "plan.pdf"
        assert plan.record is not None
        plan_document.write_pdf(pdf, plan.record, person=plan_row.person, large_print=True)
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm:  # our own files, to a program found on the PATH (docs only)
            subprocess.run([pdftoppm, "-r", "70", "-png", "-singlefile", str(pdf),  # noqa: S603
                            str(args.out / "10-plan-pdf-large-print")], check=True)
            print(args.out / "10-plan-pdf-large-print.png")
        dialog.reject()
        page.close_editor(plan)

        reflection = next(r for r in page.reflection_model.rows()
                          if r.record.fields.get("keeping_myself_well"))
        page.open_record(reflection.record)
        _wait(app, lambda: bool(page.editors))
        shot("11-reflection", shell)
        page.close_editor(page.editors[-1])

        page.search.setText("allotment")
        _wait(app, lambda: page.pages.currentWidget() is page.search_page)
        shot("12-search-as-you-type", shell)
        page.search.clear()
        # Typed as a UK keyboard types it, at a ward PC's 1366 x 768: found, then nothing found.
        shell.resize(*WARD_SIZE)
        _wait(app, lambda: shell.size().width() == WARD_SIZE[0])
        page.search.setText("wojcik")
        _wait(app, lambda: page.search_page.model.query == "wojcik")
        shot("31-search-without-accents", shell)
        page.search.setText("wojtek")
        _wait(app, lambda: page.search_page.empty.text().startswith("Nothing found"))
        shot("32-search-nothing-found", shell)
        page.search.clear()
        shell.resize(*SIZE)

        editor = page.new_record(Kind.REFLECTION)
        editor.form.widget_for("what_happened").setPlainText("Started writing, then called away")  # type: ignore[attr-defined]
        shell.lock()
        _wait(app, lambda: shell.signin.isVisible())
        shot("13-locked-draft-kept", shell)
        sign_in(shell, "Amira")
        page = desk_of(shell)
        shot("14-draft-offered-back", shell)
        theme.apply(app, large_text=True, high_contrast=True)
        page.restyle()
        page.show_section("Diary")
        shot("15-large-text-high-contrast", shell)
        theme.apply(app)
        shell.lock()

        sign_in(shell, "Grace")
        page = desk_of(shell)
        page.show_section("Shared with supervision")
        shot("16-coordinator-shared-with-supervision", shell)
        page.show_section("Supervision inbox")
        inbox = page.pages.currentWidget()
        tree = getattr(inbox, "tree", None)
        if tree is not None and tree.topLevelItemCount() > 1:
            tree.setCurrentItem(tree.topLevelItem(0).child(2))  # an item with a comment
        shot("17-coordinator-inbox", shell)
        shell.resize(*WARD_SIZE)
        _wait(app, lambda: shell.size().width() == WARD_SIZE[0])
        shot("33-inbox-at-1366x768", shell)
        shell.resize(*SIZE)
        page.show_section("Group supervision")
        shot("18-group-supervision-session", shell)
        session = getattr(page.pages.currentWidget(), "view", None)
        if session is not None:
            window = page.present(session)
            window.showNormal()
            window.resize(*SIZE)
            _wait(app, window.isVisible)
            shot("19-presentation-mode", window)
            window.wipe()
        page.show_section("Fidelity and engagement")
        shot("20-fidelity-and-engagement", shell)
        shell.close()
    finally:
        runner.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
