"""The consent ledger of a plan: recorded, withdrawn, kept by every save, and checked at
every copy that leaves PeerDesk."""

from __future__ import annotations

import json
from datetime import date

import pytest

from peerdesk import audit
from peerdesk.domain import Kind
from peerdesk.domain.consent import Consent, agreement, ledger, merge_ledgers
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services import Desk
from peerdesk.services import consent as consents

FORGED = [{"id": "c-forged", "recipient": "Anyone", "role": "other", "given_on": "2026-01-01"}]
PLAN = {"sections": {"signs": "I stop answering the phone.", "helps": "A walk with my sister.",
                     "treatment": "No depot injections, please."},
        "agreed_on": "2026-03-02", "peer_notes": ["treatment"]}


def _plan(peer: Desk) -> str:
    person = peer.add(Kind.PERSON, {"label": "Jo"})
    return peer.add(Kind.CRISIS_PLAN, PLAN, person_id=person.id).id


def _actions(peer: Desk, record_id: str) -> list[tuple[str, str]]:
    with peer.vault.store.transaction() as s:
        return [(e.action, e.detail) for e in audit.entries(s, record_id=record_id)]


def test_export_to_a_recipient_without_consent_is_refused_with_the_reason(peer: Desk) -> None:
    plan_id = _plan(peer)
    with pytest.raises(NotAllowed, match="not on this plan's consent ledger"):
        consents.export_plan(peer, plan_id, "Dr Okafor", how="pdf")
    assert (audit.EXPORT_REFUSED, "pdf; consent=none") in _actions(peer, plan_id)
    # The person's own copy is always theirs to have.
    own = consents.export_plan(peer, plan_id, None, how="pdf")
    assert own.for_the_person and own.who_can_see == ()
    assert "Only you and your peer support worker" in consents.copy_text(own)


def test_consent_scope_expiry_and_withdrawal(peer: Desk) -> None:
    plan_id = _plan(peer)
    gp = consents.add_consent(peer, plan_id, recipient="Dr Okafor", role="gp",
                              scope=["treatment"], purpose="So my GP knows my wishes",
                              given_on=date(2026, 3, 2), expires_on=date(2027, 3, 2))
    consents.add_consent(peer, plan_id, recipient="Mum", role="family_friend",
                         given_on=date(2026, 3, 2))
    copy = consents.export_plan(peer, plan_id, "dr okafor", how="pdf", on=date(2026, 4, 1))
    # Only the sections she agreed to, and no other recipient's name.
    assert set(copy.record.fields["sections"]) == {"treatment"}
    assert "Mum" not in json.dumps(dict(copy.record.fields)) and copy.consent == gp
    text = consents.copy_text(copy)
    assert "Shared with Dr Okafor (GP), by the person's choice" in text
    assert "(peer worker note)" in text and "stop answering" not in text
    own = consents.export_plan(peer, plan_id, None, how="print", on=date(2026, 4, 1))
    assert [c.recipient for c in own.who_can_see] == ["Dr Okafor", "Mum"]
    assert "A walk with my sister." in consents.copy_text(own)

    with pytest.raises(NotAllowed, match="ended on 2 March 2027"):
        consents.export_plan(peer, plan_id, "Dr Okafor", how="pdf", on=date(2027, 3, 3))
    consents.withdraw_consent(peer, plan_id, "Mum", on=date(2026, 5, 1))
    with pytest.raises(NotAllowed, match="withdrew their agreement for Mum"):
        consents.export_plan(peer, plan_id, "Mum", how="pdf", on=date(2026, 5, 2))
    # The entry stays: who could see the plan, and when, is still on record.
    ledger = peer.get(plan_id).fields["consents"]
    assert [(c["recipient"], c["withdrawn_on"]) for c in ledger] == [
        ("Dr Okafor", None), ("Mum", "2026-05-01")]
    actions = [a for a, _ in _actions(peer, plan_id)]
    assert actions.count(audit.CONSENT) == 3 and actions.count(audit.EXPORT_REFUSED) == 2


def test_every_save_keeps_the_ledger_and_only_the_consent_service_changes_it(peer: Desk) -> None:
    plan_id = _plan(peer)
    consents.add_consent(peer, plan_id, recipient="Ward 3", role="ward")
    # An editor that does not show the ledger (the desktop form) saves without it.
    saved = peer.update(plan_id, PLAN | {"review_on": "2026-06-01"})
    assert [c["recipient"] for c in saved.fields["consents"]] == ["Ward 3"]
    with pytest.raises(InvalidInput, match="plan consent add"):
        peer.update(plan_id, PLAN | {"consents": FORGED})


def test_old_plan_versions_without_the_new_fields_still_read(peer: Desk) -> None:
    person = peer.add(Kind.PERSON, {"label": "Jo"})
    plan = peer.add(Kind.CRISIS_PLAN, {"sections": {"signs": "Quiet."}, "shared_with": ["GP"]},
                    person_id=person.id)
    copy = consents.export_plan(peer, plan.id, None, how="pdf")
    assert copy.who_can_see == () and "Quiet. " not in consents.copy_text(copy)
    assert "Quiet." in consents.copy_text(copy) and "(in my words)" in consents.copy_text(copy)


def test_agreed_by_me_on_does_not_carry_over_changed_words() -> None:
    v1 = {"sections": {"signs": "a"}, "agreed_on": "2026-03-02"}
    assert agreement([v1]) == (date(2026, 3, 2), False)
    v2 = {"sections": {"signs": "b"}, "agreed_on": "2026-03-02"}
    assert agreement([v1, v2]) == (date(2026, 3, 2), True)
    v3 = v2 | {"agreed_on": "2026-03-09"}
    assert agreement([v1, v2, v3]) == (date(2026, 3, 9), False)


def test_a_withdrawal_on_any_device_survives_a_merge() -> None:
    base = {"id": "c-1", "recipient": "Mum", "role": "family_friend", "scope": [],
            "purpose": "", "given_on": "2026-03-02", "expires_on": None, "withdrawn_on": None}
    withdrawn = base | {"withdrawn_on": "2026-04-01"}
    merged = merge_ledgers([{"consents": [withdrawn]}], {"consents": [base], "sections": {}})
    assert Consent.from_entry(merged["consents"][0]).withdrawn_on == date(2026, 4, 1)


def test_consent_through_the_cli(cli) -> None:
    assert cli("init").code == 0
    assert cli("user", "add", "Amira").code == 0
    person = cli("person", "add", "--label", "Jo").out.strip()
    plan = json.loads(cli("record", "add", "--kind", "crisis_plan", "--person", person,
                          "--file", "-", "--json", stdin=json.dumps(PLAN)).out)["id"]
    refused = cli("plan", "export", plan, "--for", "Dr Okafor")
    assert refused.code == 3 and "has not agreed" in refused.err
    assert refused.err.startswith("peerdesk: ") and refused.err.count("\n") == 1
    added = cli("plan", "consent", "add", plan, "--recipient", "Dr Okafor", "--role", "gp",
                "--sections", "treatment,helps", "--json")
    assert added.code == 0, added.err
    listed = json.loads(cli("plan", "consent", "list", plan, "--json").out)
    assert [(c["recipient"], c["state"]) for c in listed] == [("Dr Okafor", "active")]
    copy = cli("plan", "export", plan, "--for", "Dr Okafor")
    assert copy.code == 0 and "No depot injections" in copy.out and "stop answering" not in copy.out
    own = cli("plan", "export", plan)
    assert "This plan belongs to Jo." in own.out and "Dr Okafor (GP)" in own.out
    assert cli("plan", "consent", "withdraw", plan, json.loads(added.out)["id"]).code == 0
    assert cli("plan", "export", plan, "--for", "Dr Okafor").code == 3
    changed = cli("record", "update", plan, "--file", "-",
                  stdin=json.dumps(PLAN | {"consents": FORGED}))
    assert changed.code == 2 and "plan consent add" in changed.err
    assert cli("audit", "verify").code == 0


def test_plan_export_to_a_pdf_file(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    assert cli("init").code == 0
    assert cli("user", "add", "Amira").code == 0
    person = cli("person", "add", "--label", "Jo").out.strip()
    plan = json.loads(cli("record", "add", "--kind", "crisis_plan", "--person", person,
                          "--file", "-", "--json", stdin=json.dumps(PLAN)).out)["id"]
    out = tmp_path / "copy" / "crisis plan.pdf"
    assert cli("plan", "export", plan, "--out", str(out)).code == 0
    assert out.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "My crisis plan" in text and "A walk with my sister." in text
        assert "This plan belongs to Jo." in text and "Who can see this" in text


def test_the_ledger_is_the_one_list_named_people_move_onto_it_to_confirm(peer: Desk) -> None:
    """'My sister' in the old free-text field was printed on the copy while `plan export --for
    "My sister"` was refused. Now she is on the ledger, flagged to confirm, and no copy is made
    for her until the person confirms."""
    from peerdesk.services.arrival import arrive
    from peerdesk.services.workqueue import ItemKind, queue

    person = peer.add(Kind.PERSON, {"label": "Jo"})
    plan = peer.add(Kind.CRISIS_PLAN, {"sections": {"signs": "Quiet.", "helps": "Tea."},
                                       "shared_with": ["My sister", " my  sister", "GP"]},
                    person_id=person.id)
    consents.add_consent(peer, plan.id, recipient="GP", role="gp", given_on=date(2026, 3, 1))
    arrived = arrive(peer)  # at sign-in, on the peer's own computer
    assert arrived.plans_named_moved == 1
    moved = peer.get(plan.id)
    assert "shared_with" not in moved.fields
    entries = {c.recipient: c for c in ledger(moved.fields)}
    assert set(entries) == {"My sister", "GP"}  # the GP was agreed already: not twice
    sister = entries["My sister"]
    assert sister.to_confirm and sister.state(date(2026, 3, 20)) == "to confirm"
    # Refused, with the reason; the person's own copy names her only as still to confirm.
    with pytest.raises(NotAllowed, match="not been confirmed"):
        consents.export_plan(peer, plan.id, "My sister", how="pdf")
    own = consents.copy_text(consents.export_plan(peer, plan.id, None, how="pdf"))
    assert "Named by you, still to confirm: My sister. Nobody is sent a copy" in own
    assert "GP (GP): the whole plan" in own
    assert "Also named" not in own
    # On Today until it is confirmed.
    [item] = [i for i in queue(peer.records(), today=date(2026, 3, 20), first_meeting_days=7)
              if i.what is ItemKind.CONSENT]
    assert item.record_id == plan.id and "My sister" in item.detail
    # The person confirms: a family member, the signs section only, from today.
    consents.confirm_consent(peer, plan.id, sister.id, role="family_friend", scope=["signs"],
                             on=date(2026, 3, 21))
    copy = consents.export_plan(peer, plan.id, "My sister", how="pdf", on=date(2026, 3, 22))
    assert dict(copy.record.fields["sections"]) == {"signs": "Quiet."}
    assert not [i for i in queue(peer.records(), today=date(2026, 3, 22), first_meeting_days=7)
                if i.what is ItemKind.CONSENT]
    # Nothing to move a second time; a withdrawn name is not brought back.
    assert arrive(peer).plans_named_moved == 0
    with pytest.raises(NotFound):
        consents.confirm_consent(peer, plan.id, sister.id, role="gp")
