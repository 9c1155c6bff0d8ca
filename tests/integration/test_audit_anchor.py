"""The audit trail anchored off the computer: each device publishes a signed head of its audit
trail to the team share, so entries removed from the end of the trail on one computer show in
`audit verify` there, and a sync does not publish over the evidence. Three data folders (the
office PC, Amira's laptop, Grace's laptop) around a folder share and a real Samba share."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519

from peerdesk import audit
from peerdesk.domain import Kind
from peerdesk.services import auditcheck, sync
from peerdesk.services import governance as gov
from peerdesk.services.desk import sign_in
from peerdesk.store.db import DB_NAME
from peerdesk.sync.share import FolderShare
from tests.conftest import PASSPHRASE, CliResult, find_marker, run_cli
from tests.helpers.recovery import trust_key
from tests.helpers.samba import SMB_PASSWORD, SMB_USER
from tests.helpers.shares import RecordingShare
from tests.helpers.team import make_team
from ui.windows.access import event_text

DIARY = {"when": "2026-03-02T10:30", "what_happened": "Went to the allotment group."}
HEAD = re.compile(r"([0-9a-f-]{36})\.([0-9a-f-]{36})\.(\d{10})\.json")


class Office:
    """Three computers and a share, driven through the command line."""

    def __init__(self, root: Path, location: str, on_disk: Path,
                 env: dict[str, str] | None = None) -> None:
        self.root, self.location, self.on_disk, self.env = root, location, on_disk, env or {}

    def cli(self, where: str, *args: str, stdin: str | None = None) -> CliResult:
        return run_cli(self.root / where, *args, stdin=stdin, env=self.env)

    def heads(self) -> dict[str, int]:
        """The audit heads on the share, as the share's own disk holds them: device → count."""
        out: dict[str, int] = {}
        for p in (self.on_disk / "audit").iterdir():
            match = HEAD.fullmatch(p.name)
            assert match, p.name
            assert match.group(1) not in out, "one head per device"
            out[match.group(1)] = int(match.group(3))
        return out

    def device_id(self, where: str) -> str:
        with sqlite3.connect(self.root / where / DB_NAME) as conn:
            return str(conn.execute("SELECT value FROM settings WHERE key='device_id'")
                       .fetchone()[0])

    def entries(self, where: str) -> int:
        with sqlite3.connect(self.root / where / DB_NAME) as conn:
            return int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])


def _setup(root: Path, location: str, on_disk: Path, env: dict[str, str]) -> Office:
    office = Office(root, location, on_disk, env)
    assert office.cli("office", "init").code == 0
    for name, role in (("Ida", "admin"), ("Amira", "peer"), ("Grace", "coordinator")):
        assert office.cli("office", "user", "add", name, "--role", role).code == 0
    for name in ("Amira", "Grace"):
        assert office.cli("office", "--user", "Ida", "user", "approve", name).code == 0
    made = office.cli("office", "--user", "Ida", "share", "init", location)
    assert made.code == 0, made.err
    for where, name in (("amira", "Amira"), ("grace", "Grace")):
        joined = office.cli(where, "--user", name, "sync", "--share", location)
        assert joined.code == 0, joined.err
    return office


@pytest.fixture(params=["folder", pytest.param("samba", marks=pytest.mark.smb)])
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Office:
    if request.param == "folder":
        share = tmp_path / "share"
        return _setup(tmp_path, str(share), share, {})
    samba = request.getfixturevalue("samba")
    name = f"audit-{tmp_path.name}"
    env = {"PEERDESK_SHARE_USERNAME": SMB_USER, "PEERDESK_SHARE_PASSWORD": SMB_PASSWORD}
    return _setup(tmp_path, f"smb://127.0.0.1:{samba.port}/share/{name}", samba.root / name, env)


def test_entries_removed_from_the_end_of_a_trail_show_against_the_share(office: Office) -> None:
    added = office.cli("amira", "--user", "Amira", "record", "add", "--kind", "diary",
                       "--file", "-", "--json", stdin=json.dumps(DIARY))
    assert added.code == 0, added.err
    assert office.cli("amira", "--user", "Amira", "sync").code == 0
    laptop = office.device_id("amira")
    anchored = office.heads()[laptop]
    assert 0 < anchored < office.entries("amira")  # this sync's own entry comes after it

    verified = office.cli("amira", "audit", "verify")
    assert verified.code == 0, verified.out
    assert verified.out.strip() == (
        f"The audit trail is intact. Checked the {office.entries('amira')} entries of this "
        "computer's audit trail, each against the one before it and its author's signature, "
        f"and against its signed head on the team share ({anchored} entries): nothing is "
        f"missing or changed; the newest {office.entries('amira') - anchored} are anchored at "
        "the next sync.")

    # Someone with the data folder removes the newest entries, and what the device remembers
    # about its own head, with sqlite3.
    with sqlite3.connect(office.root / "amira" / DB_NAME) as conn:
        conn.execute("DELETE FROM audit WHERE seq > ?", (anchored - 3,))
        conn.execute("DELETE FROM settings WHERE key='audit_anchor'")
    found = office.cli("amira", "audit", "verify")
    assert found.code == 4
    lines = found.out.strip().splitlines()
    assert lines[0] == (
        f"The audit trail on this computer ends at entry {anchored - 3}, but this computer's "
        f"signed audit head on the team share says it held {anchored}: entries "
        f"{anchored - 2} to {anchored} were removed from this computer.")
    assert lines[-1] == (
        f"Checked the {anchored - 3} entries of this computer's audit trail, each against the "
        "one before it and its author's signature, and against its signed head on the team "
        f"share ({anchored} entries).")

    # Her next sync (signing in adds entries again) says so and leaves the head where it was;
    # the other computers are fine.
    synced = office.cli("amira", "--user", "Amira", "sync")
    assert re.search(r"The audit trail on this computer ends at entry \d+, but this computer's "
                     rf"signed audit head on the team share says it held {anchored}: .* removed "
                     "from this computer. Nothing was published over it", synced.out)
    assert office.heads()[laptop] == anchored
    assert office.cli("amira", "audit", "verify").code == 4
    assert office.cli("grace", "audit", "verify").code == 0


# -- break-glass reaches the author's other computers and the coordinators ---------------------

REASON = "Jo is missing; the crisis team asked for her crisis plan contacts."


@pytest.fixture(params=["folder", pytest.param("samba", marks=pytest.mark.smb)])
def share_at(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """Where the team share is (its location) and the folder that holds it on disk."""
    if request.param == "folder":
        return str(tmp_path / "share"), tmp_path / "share"
    samba = request.getfixturevalue("samba")
    monkeypatch.setenv("PEERDESK_SHARE_USERNAME", SMB_USER)
    monkeypatch.setenv("PEERDESK_SHARE_PASSWORD", SMB_PASSWORD)
    name = f"notices-{tmp_path.name}"
    return f"smb://127.0.0.1:{samba.port}/share/{name}", samba.root / name


def test_break_glass_on_one_computer_reaches_the_author_and_coordinators_everywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share_at: tuple[str, Path]) -> None:
    location, on_disk = share_at
    key = x25519.X25519PrivateKey.generate()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(
        {"recovery_public_key": key.public_key().public_bytes_raw().hex()}))
    monkeypatch.setenv("PEERDESK_POLICY", str(policy))
    team = make_team(tmp_path, location=location)
    try:
        tom = team.join("t1", "Tom", "peer")
        # Amira writes Jo's crisis plan on the ward PC, which Grace also signs in to.
        ward = team.enrol("ward", "Amira")
        person = ward.add(Kind.PERSON, {"label": "Jo"})
        plan = ward.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
                        person_id=person.id)
        team.sync("ward", "a1")
        grace_ward = sign_in(team.vaults["ward"], "Grace", PASSPHRASE)
        opened = gov.break_glass(grace_ward, plan.id, recovery_key=key, reason=REASON)
        assert opened[-1].fields["sections"]["contacts"] == "My sister first."
        # On the ward PC itself, Grace's coordinator view names it, and whose record it was.
        assert [(e.who, e.action, e.author, e.elsewhere)
                for e in gov.access_to_my_records(grace_ward)] == [
            ("Grace", audit.BREAK_GLASS, "Amira", False)]
        sync.run_sync(grace_ward)
        team.sync("a1", "office", "t1")

        # Amira, on her laptop: who, what, why, and that it was on another computer.
        seen = gov.access_to_my_records(team.desks["a1"])
        assert [(e.who, e.action, e.record_id, e.kind, e.reason, e.author, e.elsewhere)
                for e in seen] == [("Grace", audit.BREAK_GLASS, plan.id, "crisis_plan", REASON,
                                    "", True)]
        assert event_text(seen[0]).endswith(
            "Grace (Peer Worker Coordinator) opened in an emergency, with the trust's own key, "
            f"your crisis plan on another computer. Reason: {REASON}")
        # Grace's coordinator view on the office PC: that it happened, to whose record; the
        # reason is sealed for the author and the Caldicott Guardian only.
        assert [(e.who, e.record_id, e.author, e.elsewhere, e.reason)
                for e in gov.access_to_my_records(team.desks["office"])] == [
            ("Grace", plan.id, "Amira", True, "")]
        # Tom, a peer, learns nothing; the share holds no word of the reason.
        assert gov.access_to_my_records(tom) == []
        assert find_marker(on_disk, "crisis team") == []
        notices = [p.name for p in (on_disk / "audit").iterdir()
                   if p.name.endswith(".notice.json")]
        assert len(notices) == 1

        # Read once: the next sync opens no notice again, and nothing is shown twice.
        share = RecordingShare(on_disk)  # the same files, counted
        sync.run_sync(team.desks["a1"], share=share)
        assert [p for p in share.of("read") if p.startswith("audit/")] == []
        assert len(gov.access_to_my_records(team.desks["a1"])) == 1
        grace_ward.lock()
    finally:
        team.close()


# -- the head itself on the share: changed, removed, or out of reach --------------------------

def test_a_changed_or_removed_audit_head_is_found_and_written_again(tmp_path: Path) -> None:
    team = make_team(tmp_path)
    try:
        a1 = team.desks["a1"]
        a1.add("diary", {"when": "2026-03-02T10:30", "what_happened": "A walk."})
        team.sync("a1")
        audit_dir = Path(team.location) / "audit"
        device = team.vaults["a1"].device_id
        (head,) = [p for p in audit_dir.iterdir() if p.name.startswith(device)]
        assert auditcheck.check(team.vaults["a1"]).ok

        # Removed from the share: the check says so; the next sync writes it again.
        head.unlink()
        found = auditcheck.check(team.vaults["a1"])
        assert found.problems == [
            f"This computer's audit head ({found.anchored} entries) is missing from the team "
            "share, though this computer published it: it was removed there. The next sync "
            "writes it again."]
        team.sync("a1")
        assert auditcheck.check(team.vaults["a1"]).ok

        # Changed on the share (a higher count than was signed for): set aside at the next
        # sync, told once, and a head this computer signed takes its place.
        (head,) = [p for p in audit_dir.iterdir() if p.name.startswith(device)]
        doc = json.loads(head.read_bytes())
        doc["signed"]["count"] += 50
        forged = head.with_name(head.name.replace(
            f"{doc['signed']['count'] - 50:010d}", f"{doc['signed']['count']:010d}"))
        forged.write_text(json.dumps(doc))
        head.unlink()
        found = auditcheck.check(team.vaults["a1"])
        assert found.problems == [
            "This computer's audit head on the team share failed its checks (its signature "
            f"does not match): audit/{forged.name}."]
        a1.add("diary", {"when": "2026-03-03T10:30", "what_happened": "Another walk."})
        (report,) = team.sync("a1")
        assert [p for p in report.problems if "audit/" in p] == [
            "A file on the team share failed its checks and was moved aside (its signature "
            f"does not match): audit/{forged.name}. Nothing on this computer was changed."]
        assert not forged.exists()
        assert auditcheck.check(team.vaults["a1"]).ok
    finally:
        team.close()


def test_with_the_share_out_of_reach_the_trail_is_checked_against_the_head_it_published(
        tmp_path: Path) -> None:
    team = make_team(tmp_path)
    try:
        team.desks["a1"].add("diary", {"when": "2026-03-02T10:30", "what_happened": "A walk."})
        team.sync("a1")
        vault = team.vaults["a1"]
        published = auditcheck.check(vault).anchored
        gone = FolderShare(tmp_path / "unplugged")  # a mapped drive that is not there
        found = auditcheck.check(vault, share=gone)
        assert found.ok and not found.on_share and found.anchored == published
        assert found.checked.endswith(
            f"and against the head it last published ({published} entries): nothing is missing "
            f"or changed; the newest {found.entries - published} are anchored at the next sync "
            "(the team share could not be reached, so it was not read).")
        with sqlite3.connect(tmp_path / "a1" / DB_NAME) as conn:
            conn.execute("DELETE FROM audit WHERE seq > ?", (published - 1,))
        assert auditcheck.check(vault, share=gone).problems == [
            f"The audit trail on this computer ends at entry {published - 1}, but the audit "
            f"head this computer last published says it held {published}: entry {published} "
            "was removed from this computer."]
    finally:
        team.close()


def test_a_copy_of_someone_elses_record_reaches_its_author_on_her_other_computer(
        tmp_path: Path) -> None:
    team = make_team(tmp_path)
    try:
        a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
        note = a1.add("diary", {"when": "2026-03-02T10:30", "what_happened": "A walk."})
        a1.share(note.id, "Grace")
        team.sync("a1", "office")
        grace.note_export(note.id, "pdf")  # Grace prints it for supervision
        own = a1.get(note.id)  # Amira reading her own: nobody else needs to know
        assert own.id == note.id
        team.sync("office", "a1", "a2")
        seen = gov.access_to_my_records(a2)
        assert [(e.who, e.action, e.record_id, e.elsewhere) for e in seen] == [
            ("Grace", audit.EXPORT, note.id, True)]
        assert "made a copy of your session diary on another computer" in event_text(seen[0])
        # Amira's laptop published no notice: she read only her own record.
        notices = [p.name for p in (Path(team.location) / "audit").iterdir()
                   if p.name.endswith(".notice.json")]
        assert [n.split(".")[0] for n in notices] == [team.vaults["office"].device_id]
    finally:
        team.close()


def test_a_lost_laptops_records_opened_from_the_share_through_the_cli(
        tmp_path: Path) -> None:
    trust = trust_key(tmp_path)
    key_file = trust.file
    office = _setup(tmp_path, str(tmp_path / "share"), tmp_path / "share", trust.env)
    person = office.cli("amira", "--user", "Amira", "person", "add", "--label", "Jo").out.strip()
    added = office.cli("amira", "--user", "Amira", "record", "add", "--kind", "diary",
                       "--person", person, "--file", "-", "--json", stdin=json.dumps(DIARY))
    assert added.code == 0, added.err
    assert office.cli("amira", "--user", "Amira", "sync").code == 0
    laptop = office.device_id("amira")
    shutil.rmtree(tmp_path / "amira")  # the laptop is gone

    reason = "Amira's laptop was stolen; her notes are needed for Jo's review."
    refused = office.cli("office", "--user", "Grace", "recover-device", laptop,
                         "--recovery-key", str(key_file), "--reason", reason)
    assert refused.code == 3 and "information governance duty" in refused.err
    granted = office.cli("office", "--user", "Ida", "user", "grant-ig", "Grace")
    assert granted.code == 0, granted.err
    refused = office.cli("office", "--user", "Grace", "recover-device", laptop,
                         "--recovery-key", str(key_file), "--reason", "gone")
    assert refused.code != 0 and "Say why" in refused.err
    opened = office.cli("office", "--user", "Grace", "recover-device", laptop,
                        "--recovery-key", str(key_file), "--reason",
                        "Amira's laptop was stolen; her notes are needed for Jo's review.")
    assert opened.code == 0, opened.err
    assert "Went to the allotment group." in opened.out
    assert opened.out.startswith("Opened 2 records that device sent to the team share")
    assert office.cli("office", "audit", "verify").code == 0

    # Jo's subject access bundle, from everything the team share holds about them.
    bundle = office.cli("office", "--user", "Grace", "sar", person, "--out",
                        str(tmp_path / "sar"), "--from-share", "--recovery-key", str(key_file),
                        "--reason", "Jo asked for everything the team holds (SAR 2026-114).")
    assert bundle.code == 0, bundle.err
    assert bundle.out.startswith("Wrote 2 records (2 versions)")
    assert any("Went to the allotment group." in p.read_text("utf-8")
               for p in (tmp_path / "sar").iterdir() if p.suffix == ".json")
