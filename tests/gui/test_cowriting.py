"""Writing a plan together on the ward screen: nothing but the plan (no other person's name on
any widget), "in my words" per section, "I agree this version" recorded with the version, the
copy offered at the end, leaving only with the peer's passphrase, and the lock still working."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from peerdesk import dates
from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui.windows.cowriting import CoWritingWindow
from ui.windows.dialogs import PlanCopyDialog

OTHER_NAMES = ("Samira", "Bartholomew", "Amira", "Grace")


def _prepare(data_dir: Path) -> str:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        jo = desk.add(Kind.PERSON, {"label": "Jo"})
        for other in ("Samira", "Bartholomew"):
            person = desk.add(Kind.PERSON, {"label": other})
            desk.add(Kind.CRISIS_PLAN, {"sections": {"helps": f"{other}'s own words"}},
                     person_id=person.id)
        plan = desk.add(Kind.CRISIS_PLAN, {"sections": {"when_well": "I garden and sing."}},
                        person_id=jo.id)
        desk.lock()
    return plan.id


def _open(qtbot, make_shell, data_dir: Path):  # type: ignore[no-untyped-def]
    plan_id = _prepare(data_dir)
    shell = make_shell(data_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    page.open_record(page.rows[plan_id].record)
    qtbot.waitUntil(lambda: bool(page.editors), timeout=WAIT_MS)
    editor = page.editors[-1]
    qtbot.mouseClick(editor.cowrite_button, Qt.MouseButton.LeftButton)
    window = next(d for d in page.dialogs if isinstance(d, CoWritingWindow))
    qtbot.waitUntil(window.isVisible, timeout=WAIT_MS)
    return shell, page, editor, window


def test_co_writing_records_her_words_and_her_agreement_with_the_version(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _shell, page, editor, window = _open(qtbot, make_shell, prepared_dir)
    assert window.isModal() and window.windowState() & Qt.WindowState.WindowMaximized
    assert window.title.text() == "What I'm like when I'm well"
    assert window.text.toPlainText() == "I garden and sing."
    assert window.mine.isChecked()

    def no_other_names() -> None:
        shown = "\n".join(window.texts())
        for name in OTHER_NAMES:
            assert name not in shown, name

    no_other_names()
    # Her words in part 2; part 3 is a note her peer worker wrote.
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)
    assert window.title.text() == "How others can tell things are getting worse"
    qtbot.keyClicks(window.text, "I stop answering my phone.")
    no_other_names()
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.text, "Peer note: a walk helped last time.")
    window.mine.setChecked(False)
    assert editor.dirty and "self_help" in editor.form.values()["peer_notes"]
    window.go(len(window.sections))  # the end
    assert "In your own words: What I'm like when I'm well; How others can tell" in \
        window.end_text.text()
    assert "Written by your peer worker as a note: What I can do myself." in \
        window.end_text.text()
    assert not window.copy.isVisible()  # the copy comes once she has agreed
    no_other_names()
    qtbot.mouseClick(window.agree, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Agreed on" in window.status.text(), timeout=WAIT_MS)
    record = editor.record
    assert record is not None and record.version == 2
    assert record.fields["agreed_on"] == dates.today().isoformat()
    assert record.fields["agreed_version"] == "2"
    assert record.fields["sections"]["signs"] == "I stop answering my phone."
    assert record.fields["peer_notes"] == ["self_help"]
    assert window.copy.isVisible()
    qtbot.mouseClick(window.copy, Qt.MouseButton.LeftButton)
    copy = next(d for d in page.dialogs if isinstance(d, PlanCopyDialog))
    qtbot.waitUntil(copy.isVisible, timeout=WAIT_MS)
    assert copy.parent() is window  # on top of the full-screen view, not behind it
    copy.reject()
    settle(qtbot)

    # Leaving: Escape asks for the passphrase; a wrong one keeps her in.
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible() and window.unlock_row.isVisible()
    qtbot.keyClicks(window.passphrase, "not the passphrase at all")
    qtbot.mouseClick(window.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "did not match" in window.refusal.text(), timeout=WAIT_MS)
    assert window.isVisible()
    qtbot.keyClicks(window.passphrase, PASSPHRASE)
    qtbot.mouseClick(window.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window not in page.dialogs, timeout=WAIT_MS)
    assert editor in page.editors  # back at the plan's editor


def test_the_lock_ends_co_writing_and_keeps_her_typing_as_a_draft(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell, page, _editor, window = _open(qtbot, make_shell, prepared_dir)
    qtbot.keyClicks(window.text, " And I see friends.")
    text = window.text
    shell.lock()
    qtbot.waitUntil(lambda: not page.dialogs, timeout=WAIT_MS)
    settle(qtbot)
    assert not any(isinstance(w, CoWritingWindow) and w.isVisible()
                   for w in QApplication.topLevelWidgets())
    del text
    sign_in(qtbot, shell)
    again = shell.desk_page
    [draft] = again.drafts.values()
    assert draft.fields["sections"]["when_well"] == "I garden and sing. And I see friends."
