"""The plan copy dialog offers only people on the consent ledger, cuts the copy to what they
were agreed, and says on the copy who can see the plan."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.services import Desk
from peerdesk.services import consent as consents
from peerdesk.services.desk import sign_in as open_desk
from ui import plan_document
from ui.windows.dialogs import PlanCopyDialog

PLAN = {"sections": {"signs": "I stop answering the phone.", "treatment": "No depot, please."},
        "agreed_on": "2026-03-02", "peer_notes": ["signs"]}


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_copy_dialog_offers_only_agreed_recipients_and_cuts_the_copy(
        qtbot, peer: Desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person = peer.add(Kind.PERSON, {"label": "Jo"})
    plan_id = peer.add(Kind.CRISIS_PLAN, PLAN, person_id=person.id).id
    consents.add_consent(peer, plan_id, recipient="Dr Okafor", role="gp", scope=["treatment"],
                         given_on=date.today())
    withdrawn = consents.add_consent(peer, plan_id, recipient="Mum", role="family_friend",
                                     given_on=date.today() - timedelta(days=3))
    consents.withdraw_consent(peer, plan_id, withdrawn.id, on=date.today())
    record = peer.get(plan_id)
    dialog = PlanCopyDialog(record, person="Jo", default_dir=tmp_path)
    qtbot.addWidget(dialog)
    offered = [dialog.recipient.itemText(i) for i in range(dialog.recipient.count())]
    assert offered == ["The person (their own copy, the whole plan)", "Dr Okafor (GP)"]
    assert dialog.recipient.accessibleName() == "Who is this copy for?"

    details: list[str] = []
    dialog.exported.connect(details.append)
    dialog.recipient.setCurrentIndex(1)
    gp_pdf = tmp_path / "gp.pdf"
    dialog.path.setText(str(gp_pdf))
    assert dialog.save_pdf() == gp_pdf
    own_pdf = tmp_path / "own.pdf"
    dialog.recipient.setCurrentIndex(0)
    dialog.path.setText(str(own_pdf))
    assert dialog.save_pdf() == own_pdf
    gp_consent = consents.copy_for(record, "Dr Okafor", on=date.today()).consent
    assert gp_consent is not None
    assert details == [f"pdf; for=consent:{gp_consent.id}", "pdf"]
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    gp_text, own_text = _pdf_text(gp_pdf), _pdf_text(own_pdf)
    assert "No depot" in gp_text and "stop answering" not in gp_text and "Mum" not in gp_text
    assert "Shared with Dr Okafor (GP), by the person's choice" in gp_text
    assert "Who can see this" in own_text and "Dr Okafor (GP)" in own_text
    assert "Mum" not in own_text  # withdrawn today
    assert "peer worker note" in own_text and "in my words" in own_text
    assert "Agreed by me on 2 March 2026" in own_text


def test_plan_html_without_a_copy_shows_who_can_see_this(peer: Desk) -> None:
    person = peer.add(Kind.PERSON, {"label": "Jo"})
    plan_id = peer.add(Kind.CRISIS_PLAN, PLAN, person_id=person.id).id
    consents.add_consent(peer, plan_id, recipient="Ward 3", role="ward", given_on=date.today())
    html = plan_document.plan_html(peer.get(plan_id), person="Jo")
    assert "Who can see this" in html and "Ward 3 (The ward)" in html


def test_person_editor_writes_the_subject_access_bundle(
        qtbot, make_shell, prepared_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from peerdesk.services import Vault
    from tests.conftest import LIGHT_KDF, PASSPHRASE
    from tests.gui.conftest import WAIT_MS, sign_in

    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        amira = open_desk(vault, "Amira", PASSPHRASE)
        person = amira.add(Kind.PERSON, {"label": "Jo"})
        amira.update(person.id, {"label": "Jo", "pronouns": "she/her"})
        amira.add(Kind.PERSON, {"label": "Kit"})
        amira.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    assert page is not None
    page.open_record(person)
    qtbot.waitUntil(lambda: page.editor_for(person.id) is not None, timeout=WAIT_MS)
    editor = page.editor_for(person.id)
    assert editor is not None and editor.sar_button is not None
    assert editor.sar_button.isEnabled() and editor.sar_button.accessibleDescription()
    qtbot.mouseClick(editor.sar_button, Qt.MouseButton.LeftButton)
    bundle = tmp_path / "exports" / f"subject-access-{date.today():%Y-%m-%d}"
    qtbot.waitUntil(lambda: (bundle / "subject-access.pdf").exists(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Saved everything held" in editor.banner.text(), timeout=WAIT_MS)
    data = (bundle / "subject-access.json").read_text("utf-8")
    assert "she/her" in data and "Kit" not in data


def test_consent_panel_records_and_withdraws_agreement(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from peerdesk.services import Vault
    from tests.conftest import LIGHT_KDF, PASSPHRASE
    from tests.gui.conftest import WAIT_MS, sign_in
    from ui.windows.consent import ConsentDialog

    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        amira = open_desk(vault, "Amira", PASSPHRASE)
        person = amira.add(Kind.PERSON, {"label": "Jo"})
        plan = amira.add(Kind.CRISIS_PLAN, PLAN, person_id=person.id)
        amira.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    assert page is not None
    page.open_record(plan)
    qtbot.waitUntil(lambda: page.editor_for(plan.id) is not None, timeout=WAIT_MS)
    editor = page.editor_for(plan.id)
    assert editor is not None and editor.consent_button is not None
    qtbot.mouseClick(editor.consent_button, Qt.MouseButton.LeftButton)
    dialog = page.dialogs[-1]
    assert isinstance(dialog, ConsentDialog)
    assert dialog.entries.item(0).text().startswith("Nobody yet")
    qtbot.keyClicks(dialog.recipient, "Dr Okafor")
    dialog.role.setCurrentIndex(dialog.role.findData("gp"))
    dialog.sections.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Dr Okafor (GP)" in dialog.entries.item(0).text(), timeout=WAIT_MS)
    assert "agreed" in dialog.entries.item(0).text() and "1 sections" in dialog.entries.item(0).text()
    dialog.entries.setCurrentRow(0)
    qtbot.mouseClick(dialog.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "withdrawn" in dialog.entries.item(0).text(), timeout=WAIT_MS)
    assert "new version" in dialog.banner.text()
