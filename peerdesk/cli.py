"""`peerdesk` command line: admin, automation and headless use of the same services as the app.

Exit codes: 0 ok, 1 unexpected, 2 bad input, 3 access (passphrase, sharing), 4 integrity,
5 environment (folder in use, disk full, newer data), 130 interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from peerdesk import dates, errors, strict_json
from peerdesk.catalogue import spec
from peerdesk.crypto.recovery import RecoveryKey
from peerdesk.domain import FieldType, Kind, Record, Role
from peerdesk.paths import default_data_dir
from peerdesk.services import Desk, Vault
from peerdesk.services.desk import sign_in
from peerdesk.services.papers import FORMATS
from peerdesk.services.vault import data_folder_exists

EXIT_CODES: list[tuple[type[errors.PeerDeskError], int]] = [
    (errors.InvalidInput, 2), (errors.NotFound, 2), (errors.AccessProblem, 3),
    (errors.IntegrityProblem, 4), (errors.EnvironmentProblem, 5), (errors.Cancelled, 130),
]


class Input:
    """Passphrases from the environment or stdin's first lines; a file from the rest of stdin."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._from_stdin = args.passphrase_stdin
        self._lines: list[bytes] | None = None

    def _stdin_lines(self) -> list[bytes]:
        """Standard input as bytes: each part is checked where it is used."""
        if self._lines is None:
            self._lines = sys.stdin.buffer.read().splitlines(keepends=True)
        return self._lines

    def _secret(self, env: str, prompt: str) -> str:
        if self._from_stdin:
            lines = self._stdin_lines()
            if not lines:
                raise errors.InvalidInput("Expected a passphrase on standard input.")
            try:
                return lines.pop(0).rstrip(b"\r\n").decode("utf-8")
            except UnicodeDecodeError:
                raise errors.InvalidInput("The passphrase on standard input is not valid UTF-8 "
                                          "text.") from None
        if os.environ.get(env):
            return checked_text(os.environ[env], f"The passphrase in {env}")
        if sys.stdin.isatty():
            return getpass.getpass(prompt)
        raise errors.InvalidInput(f"Give the passphrase in {env} or with --passphrase-stdin.")

    def passphrase(self) -> str:
        return self._secret("PEERDESK_PASSPHRASE", "Passphrase: ")

    def new_passphrase(self) -> str:
        return self._secret("PEERDESK_NEW_PASSPHRASE", "New passphrase: ")

    def json_file(self, name: str) -> Any:
        try:
            data = b"".join(self._stdin_lines()) if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            raise errors.InvalidInput(f"Cannot read {name}: {exc.strerror}.") from None
        shown = "Standard input" if name == "-" else printable(name)
        return strict_json.loads(data, what=shown)


def checked_text(text: str, what: str) -> str:
    """Text from the command line or the environment: bytes that were not UTF-8 arrive as lone
    surrogates, and are refused here, in one sentence, before anything uses them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.InvalidInput(f"{what} is not valid UTF-8 text.") from None
    return text


# What a terminal would act on rather than show: C0 controls but line breaks and tabs, DEL,
# C1 controls, and the bidirectional overrides that reorder what is shown.
_UNSAFE_OUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text as it may reach a terminal: every control character shown as an escape."""
    return _UNSAFE_OUT.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class App:
    """What one command needs: the arguments, the vault, and a signed-in user on demand."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.input = Input(args)
        self._vault: Vault | None = None
        self._desk: Desk | None = None

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            folder = Path(self.args.data_dir)
            # Only init, demo and joining a team make a folder: a mistyped --data-dir must not
            # quietly become a new, empty one.
            if not getattr(self.args, "creates", False) and not data_folder_exists(folder):
                raise errors.NotFound(f"There is no PeerDesk data folder at {folder}. Make one "
                                      "with: peerdesk init (or join a team with: peerdesk sync "
                                      "--share LOCATION).")
            self._vault = Vault(folder)
        return self._vault

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            self._desk = sign_in(self.vault, self._user_name(), self.input.passphrase())
        return self._desk

    def _user_name(self) -> str:
        if self.args.user:
            return str(self.args.user)
        accounts = self.vault.accounts()
        if len(accounts) == 1:
            return accounts[0].name
        if not accounts:
            raise errors.NotFound("There are no accounts yet. Add one with: peerdesk user add NAME")
        raise errors.InvalidInput("Several people use this computer: say who you are with --user NAME.")

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()

    def out(self, human: str, data: Any) -> None:
        if self.args.json:
            # json.dumps escapes C0 controls; C1 and the bidi overrides are escaped too.
            print(_UNSAFE_OUT.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                  json.dumps(data, indent=2, ensure_ascii=False, default=str)))
        elif human:
            print(printable(human))


def record_json(record: Record) -> dict[str, Any]:
    return {"id": record.id, "kind": record.kind.value, "person_id": record.person_id,
            "version": record.version, "saved_at": record.saved_at.isoformat(timespec="seconds"),
            "author_id": record.author_id, "deleted": record.deleted,
            "shared_with": list(record.readers), "fields": dict(record.fields)}


def record_text(record: Record) -> str:
    kind_spec = spec(record.kind)
    lines = [f"{kind_spec.title} · version {record.version} · saved {dates.short_moment(record.saved_at)}"]
    if record.deleted:
        lines.append("(deleted)")
    for field in kind_spec.fields:
        value = record.fields.get(field.name)
        if value in (None, "", [], {}):
            continue
        if field.type is FieldType.CONSENTS:
            lines.append(f"{field.label}:")
            lines += [f"  {c['recipient']} ({c['role']}) since {c['given_on']}"
                      + (f", withdrawn {c['withdrawn_on']}" if c.get("withdrawn_on") else "")
                      for c in value]
        elif field.sections:
            lines.append(f"{field.label}:")
            lines += [f"  {s.title}: {value[s.id]}" for s in field.sections if s.id in value]
        else:
            names = {c.id: c.label for c in field.choices}
            items = value if isinstance(value, list) else [value]
            shown = ", ".join(str(names.get(v, v)) for v in items)
            lines.append(f"{field.label}: {shown}")
    return "\n".join(lines)


# -- commands ---------------------------------------------------------------------------------

def cmd_init(app: App) -> None:
    vault = app.vault
    if app.args.team:
        vault.set_team(app.args.team)
    app.out(f"Data folder ready: {vault.store.data_dir}",
            {"data_dir": str(vault.store.data_dir), "device_id": vault.device_id, "team": vault.team})


def cmd_user_add(app: App) -> None:
    account = app.vault.create_account(app.args.name, app.args.role, app.input.passphrase())
    if account.active:
        human = f"Added {account.name} ({account.role.label})."
    else:
        human = (f"Added {account.name}, waiting for an administrator to approve the account "
                 f"(as {Role(app.args.role).label}): peerdesk user approve {account.name!r}")
    app.out(human, {"id": account.id, "name": account.name, "role": account.role.value,
                    "status": account.status})


_STATUS_TEXT = {"active": "", "pending": "\twaiting for approval", "removed": "\tremoved",
                "altered": "\tchanged outside PeerDesk: refused"}


def _account_json(a: Any) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "role": a.role.value, "status": a.status} | (
        {"asked": a.asked.value} if a.asked is not None else {})


def cmd_user_list(app: App) -> None:
    from peerdesk import dates
    from peerdesk.services import governance, leavers, membership
    accounts = app.vault.accounts()
    root = membership.root_id(app.vault)
    leaving = leavers.leaving_days(app.vault)
    ig = governance.ig_holders(app.vault)

    def line(a: Any) -> str:
        mark = " (root administrator)" if a.id == root else ""
        mark += ", information governance" if a.id in ig else ""
        if a.status == "pending" and a.asked is not None:  # no role until approved
            return f"{a.name}\twaiting for approval, asking to be {a.asked.label}"
        last = f"\tleaving, last day {dates.day(leaving[a.id])}" if a.id in leaving else ""
        return f"{a.name}\t{a.role.label}{mark}{_STATUS_TEXT[a.status]}{last}"

    app.out("\n".join(line(a) for a in accounts) or "No accounts yet.",
            [_account_json(a) | {"root": a.id == root, "duties": ["ig"] if a.id in ig else []}
             | ({"leaving": leaving[a.id].isoformat()} if a.id in leaving else {})
             for a in accounts])


def cmd_user_approve(app: App) -> None:
    from peerdesk.services import membership
    account = membership.approve(app.desk, app.args.name, app.args.role)
    app.out(f"Approved {account.name} ({account.role.label}). The team share learns it at "
            "your next sync.", _account_json(account))


def cmd_user_role(app: App) -> None:
    from peerdesk.services import membership
    account = membership.set_role(app.desk, app.args.name, app.args.role)
    app.out(f"{account.name} is now {account.role.label}. The team share learns it at your "
            "next sync.", _account_json(account))


def cmd_user_grant_ig(app: App) -> None:
    from peerdesk.services import membership
    account = membership.grant_ig(app.desk, app.args.name)
    app.out(f"{account.name} ({account.role.label}) now holds the information governance duty: "
            "with the trust recovery key and a reason she can open care records from the team "
            "share. The team share learns it at your next sync.",
            _account_json(account) | {"duties": ["ig"]})


def cmd_user_revoke_ig(app: App) -> None:
    from peerdesk.services import membership
    account = membership.revoke_ig(app.desk, app.args.name)
    app.out(f"{account.name} no longer holds the information governance duty. The team share "
            "learns it at your next sync.", _account_json(account) | {"duties": []})


def cmd_user_remove(app: App) -> None:
    from peerdesk.services import membership
    if not app.args.yes:
        raise errors.InvalidInput("Removing someone from the team stops her devices syncing. "
                                  "Add --yes to confirm.")
    account = membership.remove(app.desk, app.args.name)
    app.out(f"Removed {account.name} from the team. Every device learns it at its next sync; "
            "nothing new is shared with her.", _account_json(account))


def cmd_user_leaving(app: App) -> None:
    from peerdesk import dates
    from peerdesk.services import membership
    if bool(app.args.on) == bool(app.args.not_leaving):
        raise errors.InvalidInput("Say her last day with --on DATE, or --not-leaving to take "
                                  "the mark back.")
    on = _day(app.args.on)
    account = membership.mark_leaving(app.desk, app.args.name, on)
    app.out((f"{account.name} is leaving; her last day is {dates.day(on)}. Her checklist: "
             f"peerdesk user leaver-checklist {account.name!r}" if on else
             f"{account.name} is no longer marked as leaving.")
            + " The team share learns it at your next sync.",
            _account_json(account) | {"leaving": on.isoformat() if on else None})


def cmd_user_leaver_checklist(app: App) -> None:
    from peerdesk import dates
    from peerdesk.services import leavers
    found = leavers.checklist(app.desk, app.args.name)
    head = f"{found.account.name} is leaving" + (
        f", last day {dates.day(found.leaving_on)}" if found.leaving_on else "") + (
        f": {found.remaining} of {len(found.items)} still to do." if found.remaining else
        ": everything on her checklist is done.")
    lines = [head] + [
        f"[{'done' if i.done else 'to do'}] {i.title}: {i.detail}"
        + (f"\n        next: {i.next}" if i.next else "") for i in found.items]
    app.out("\n".join(lines), {
        "account": _account_json(found.account),
        "leaving": found.leaving_on.isoformat() if found.leaving_on else None,
        "remaining": found.remaining,
        "items": [{"step": i.step, "title": i.title, "done": i.done, "detail": i.detail,
                   "next": i.next} | ({"person": i.subject} if i.subject else {})
                  for i in found.items]})


def cmd_user_leaver_people(app: App) -> None:
    from peerdesk.services import leavers
    found = leavers.people_on_share(app.desk, app.args.name, recovery_key=_recovery_key(app),
                                    reason=app.args.reason)
    lines = [f"{f.id}\t{f.label or '(no name)'}"
             + (f"\thanded over to {f.handed_to}" if f.handed_to else "") for f in found]
    app.out("\n".join(lines) or "None of her person records on the team share opens with the "
            "recovery key.", [{"id": f.id, "label": f.label, "handed_to": f.handed_to or None}
                              for f in found])


def cmd_user_leaver_hand_over(app: App) -> None:
    from peerdesk.services import leavers
    done = leavers.hand_over_from_share(
        app.desk, app.args.name, app.args.person, app.args.to,
        agreed_by=checked_text(app.args.agreed_by, "--agreed-by"),
        agreed_on=_day(app.args.agreed), diaries=app.args.diaries,
        recovery_key=_recovery_key(app), reason=app.args.reason)
    app.out(f"Handed over to {done.to}: {done.records} records ({done.versions} versions) "
            f"reach {done.to} after your next sync and theirs. This used the trust recovery "
            "key: it is logged, and shown to her, the coordinators and the new peer.",
            {"person": done.person_id, "to": done.to, "records": done.records,
             "versions": done.versions})


def cmd_user_hand_over_root(app: App) -> None:
    from peerdesk.services import membership
    account = membership.hand_over_root(app.desk, app.args.name)
    app.out(f"{account.name} is now the team's root administrator; you stay an administrator. "
            "Every device learns it at its next sync (yours first).", _account_json(account))


def cmd_user_take_over_root(app: App) -> None:
    from peerdesk.services import membership
    if not app.args.yes:
        raise errors.InvalidInput("Taking over removes the root administrator from the team; "
                                  "do it only if she is gone for good. Add --yes to confirm.")
    former = membership.take_over_root(app.desk)
    app.out(f"You are now the team's root administrator, and {former.name} was removed from "
            "the team. Every device learns it at your next sync.", _account_json(former))


def cmd_user_reissue(app: App) -> None:
    from peerdesk.services import membership
    names = membership.reissue(app.desk)
    app.out((f"Issued again without sealed keys: {', '.join(names)}. The team share learns it "
             "at your next sync.") if names else
            "No certificate you can issue still carries sealed keys.", {"reissued": names})


def cmd_user_passwd(app: App) -> None:
    old = app.input.passphrase()
    app.vault.change_passphrase(app._user_name(), old, app.input.new_passphrase())
    app.out("Passphrase changed.", {"changed": True})


def cmd_person_add(app: App) -> None:
    fields = app.input.json_file(app.args.file) if app.args.file else {}
    fields |= {k: v for k, v in (("label", app.args.label), ("local_id", app.args.local_id)) if v}
    record = app.desk.add(Kind.PERSON, fields)
    app.out(record.id, record_json(record))


def cmd_person_list(app: App) -> None:
    from peerdesk.services import fromshare, handover

    people = app.desk.records(Kind.PERSON)
    arranged = fromshare.received(app.desk) | handover.status(app.desk)
    app.out("\n".join(f"{p.id}\t{p.fields.get('label', '')}"
                      + (f"\t{arranged[p.id]}" if p.id in arranged else "")
                      for p in people) or "No one yet.",
            [record_json(p) | ({"support": arranged[p.id]} if p.id in arranged else {})
             for p in people])


def cmd_person_hand_over(app: App) -> None:
    from peerdesk.services import handover

    if app.args.together and app.args.cover_until:
        raise errors.InvalidInput("Choose one: --together, or --cover-until DATE.")
    arrangement = (handover.JOINT if app.args.together else
                   handover.COVER if app.args.cover_until else handover.HANDOVER)
    record = handover.hand_over(
        app.desk, app.args.id, app.args.to, agreed_by=checked_text(app.args.agreed_by, "--agreed-by"),
        agreed_on=_day(app.args.agreed), arrangement=arrangement, diaries=app.args.diaries,
        ends=_day(app.args.cover_until), note=checked_text(app.args.note or "", "--note"))
    plan = handover.Arrangement.of(record)
    moved = "their person record, plans with every earlier version and support journey" + (
        ", and the session diaries about them" if app.args.diaries else
        "; the diaries about them stay with you")
    app.out(f"{plan.sentence(app.desk.user.id)}. {plan.to_name} gets {moved} at their next "
            "sync. The person's agreement is on each plan's consent ledger; your reflections, "
            f"wellbeing and private notes stay yours. Arrangement: {record.id}",
            {"id": record.id} | dict(record.fields))


def cmd_person_end_support(app: App) -> None:
    from peerdesk.services import handover

    handover.end(app.desk, app.args.id)
    app.out("Ended: the other peer receives nothing new from now; what they could already read "
            "stays readable to them.", {"ended": app.args.id})


def cmd_person_supporters(app: App) -> None:
    from peerdesk.services import handover

    names = handover.supporters(app.desk, app.args.id)
    app.out("\n".join(names), names)


def cmd_plan_history(app: App) -> None:
    from peerdesk.services import handover

    versions = handover.lineage(app.desk, app.args.id)
    names = {a.id: a.name for a in app.vault.accounts()}
    app.out("\n".join(f"{r.id}\tv{r.version}\t{dates.short_moment(r.saved_at)}\t"
                      f"{names.get(r.author_id, r.author_id)}"
                      + ("\tdeleted" if r.deleted else "") for r in versions),
            [record_json(r) | {"author": names.get(r.author_id, r.author_id)}
             for r in versions])


def cmd_plan_continue(app: App) -> None:
    from peerdesk.services import handover

    record = handover.continue_plan(app.desk, app.args.id)
    app.out(record.id, record_json(record))


def cmd_person_erase(app: App) -> None:
    if not app.args.yes:
        raise errors.InvalidInput("Erasing cannot be undone. Add --yes to confirm.")
    count = app.desk.erase_person(app.args.id)
    app.out(f"Erased {count} records about this person. They can no longer be decrypted.",
            {"erased": count})


def cmd_record_schema(app: App) -> None:
    print(json.dumps(spec(_kind(app.args.kind)).json_schema(), indent=2, ensure_ascii=False))


def cmd_record_add(app: App) -> None:
    record = app.desk.add(_kind(app.args.kind), app.input.json_file(app.args.file),
                          person_id=app.args.person)
    app.out(record.id, record_json(record))


def cmd_record_list(app: App) -> None:
    records = app.desk.records(_kind(app.args.kind) if app.args.kind else None,
                            person_id=app.args.person, include_deleted=app.args.deleted)
    human = "\n".join(f"{r.id}\t{r.kind.value}\tv{r.version}\t{dates.short_moment(r.saved_at)}\t{r.title}"
                      for r in records)
    app.out(human or "Nothing yet.", [record_json(r) for r in records])


def cmd_record_show(app: App) -> None:
    record = app.desk.get(app.args.id, version=app.args.version)
    app.out(record_text(record), record_json(record))


def cmd_record_update(app: App) -> None:
    record = app.desk.update(app.args.id, app.input.json_file(app.args.file))
    app.out(f"Saved version {record.version}.", record_json(record))


def cmd_record_history(app: App) -> None:
    versions = app.desk.history(app.args.id)
    human = "\n".join(f"v{r.version}\t{dates.short_moment(r.saved_at)}\t{'deleted' if r.deleted else ''}"
                      for r in versions)
    app.out(human, [record_json(r) for r in versions])


def cmd_record_delete(app: App) -> None:
    app.desk.delete(app.args.id)
    app.out("Deleted. Earlier versions stay in the history.", {"deleted": app.args.id})


def cmd_record_share(app: App) -> None:
    app.desk.share(app.args.id, app.args.with_)
    app.out(f"Shared with {app.args.with_} for supervision, from this version on.",
            {"shared": app.args.id, "with": app.args.with_})


def cmd_record_unshare(app: App) -> None:
    app.desk.unshare(app.args.id, app.args.with_)
    app.out(f"Stopped sharing with {app.args.with_}. Later versions will not reach them; "
            "what they could already read stays readable to them.",
            {"unshared": app.args.id, "with": app.args.with_})


def cmd_check(app: App) -> None:
    file_problems = app.vault.store.file_problems() + app.vault.account_problems()
    problems = app.desk.check()
    lines = file_problems + [f"{p.record_id} v{p.version}: {p.problem}" for p in problems]
    app.out("\n".join(lines) or "The data file and every record you can read passed their checks.",
            {"ok": not lines, "file_problems": file_problems,
             "problems": [p.__dict__ for p in problems]})
    if lines:
        raise SystemExit(4)


def cmd_audit_verify(app: App) -> None:
    from peerdesk.services import auditcheck

    result = auditcheck.check(app.vault)
    app.out("\n".join([*result.problems, result.checked]) if result.problems
            else f"The audit trail is intact. {result.checked}",
            {"ok": result.ok, "problems": result.problems, "checked": result.checked,
             "entries": result.entries, "anchored": result.anchored,
             "on_share": result.on_share})
    if result.problems:
        raise SystemExit(4)


def cmd_demo(app: App) -> None:
    from peerdesk.demo import build_demo

    summary = build_demo(app.vault, force=app.args.force)
    app.out(summary.text(), summary.as_json())


def cmd_sync(app: App) -> None:
    from peerdesk.services import sync

    app.args.creates = bool(app.args.share)  # a new computer joining its team
    location = sync.share_location(app.vault, app.args.share)
    names = {a.name for a in app.vault.accounts()} | {a.id for a in app.vault.accounts()}
    if not names or (app.args.user and app.args.user not in names):
        # A new computer: the account comes from the share, then the records.
        sync.join_share(app.vault, location)
    report = sync.run_sync(app.desk, location=location)
    summary = report.summary()
    if app.desk.user.role is Role.PEER:
        from peerdesk.services import handover

        # What the app does at sign-in: handovers, shared support and cover kept up to date.
        support = handover.apply(app.desk)
        if support.received:
            people = "1 person" if support.received == 1 else f"{support.received} people"
            summary += (f"\nSupport for {people} came to you (handed over, shared or "
                        "covered): see person list.")
    app.out(summary, report.as_json())


def _conflict(app: App) -> Any:
    from peerdesk.services import sync

    found = {c.record_id: c for c in sync.conflicts(app.desk)}
    if app.args.id not in found:
        raise errors.NotFound(f"Record {app.args.id} is not in conflict; "
                              "peerdesk conflicts list shows those that are.")
    return found[app.args.id]


def cmd_conflicts_list(app: App) -> None:
    from peerdesk.services import sync

    found = sync.conflicts(app.desk)
    human = [f"{c.record_id}\t{c.kind.label}\t" + ", ".join(
        f"v{v.version} saved {dates.short_moment(v.saved_at)}" + (" (deleted)" if v.deleted else "")
        for v in c.versions) for c in found]
    app.out("\n".join(human) or "There are no conflicts.",
            [{"record_id": c.record_id, "kind": c.kind.value,
              "versions": [{"version": v.version, "saved_at": v.saved_at.isoformat(timespec="seconds"),
                            "deleted": v.deleted} for v in c.versions]} for c in found])


def cmd_conflicts_show(app: App) -> None:
    conflict = _conflict(app)
    parts = []
    for index, version in enumerate(conflict.versions):
        title = "Shown now" if index == 0 else "The other version"
        parts.append(f"== {title}: keep it with --keep {version.version}\n{record_text(version)}")
    app.out("\n\n".join(parts), {"record_id": conflict.record_id, "kind": conflict.kind.value,
                                   "versions": [record_json(v) for v in conflict.versions]})


def cmd_conflicts_resolve(app: App) -> None:
    from peerdesk.services import sync

    conflict = _conflict(app)
    live = [v for v in conflict.versions if not v.deleted]
    fields: dict[str, Any] | None
    if app.args.both:
        if len(live) < 2:
            raise errors.InvalidInput("Only one version has text to keep: choose it with --keep.")
        fields, done = sync.merged_fields(conflict), "Kept both texts, the other marked below."
    elif app.args.delete:
        fields, done = None, "Deleted the record; every version stays in its history."
    else:
        chosen = next((v for v in conflict.versions if v.version == app.args.keep), None)
        if chosen is None:
            versions = ", ".join(str(v.version) for v in conflict.versions)
            raise errors.InvalidInput(f"Version {app.args.keep} is not one of those in conflict "
                                      f"({versions}).")
        fields = None if chosen.deleted else dict(chosen.fields)
        done = (f"Kept version {chosen.version}." if fields is not None
                else "Kept the deletion; every version stays in its history.")
    saved = sync.resolve_conflict(app.desk, conflict.record_id, fields)
    app.out(done, {"record_id": conflict.record_id, "deleted": saved is None,
                   "version": saved.version if saved is not None else None})


def cmd_share_init(app: App) -> None:
    from peerdesk.services import sync

    fingerprint = sync.init_share(app.desk, app.args.location, team_name=app.args.team)
    app.out(f"The team share is ready at {app.args.location}.\n"
            f"Administrator key fingerprint: {fingerprint}\n"
            "Each person checks this fingerprint on their first sync.",
            {"location": app.args.location, "admin_key_fingerprint": fingerprint})


def cmd_share_status(app: App) -> None:
    from peerdesk.clock import utcnow
    from peerdesk.services import sync

    status = sync.sync_status(app.vault)
    app.out(status.text(utcnow()),
            {"state": status.state, "waiting": status.waiting, "detail": status.detail,
             "last_synced": status.last_synced.isoformat() if status.last_synced else None})


def cmd_share_password(app: App) -> None:
    from urllib.parse import urlsplit

    from peerdesk.crypto import keystore

    parts = urlsplit(app.args.location)
    if parts.scheme != "smb" or not parts.hostname:
        raise errors.InvalidInput("Only an smb:// share needs a saved password; a mapped or "
                                  "mounted folder uses the Windows or system sign-in.")
    password = app.input._secret(keystore.PASSWORD_ENV, "Share password: ")
    keystore.save_share_credentials(parts.hostname, parts.port or 445, app.args.username,
                                    password)
    app.out("The share's password is saved in this computer's keyring.", {"saved": True})


def _date(text: str | None) -> Any:
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise errors.InvalidInput(f"{text!r} is not a date like 2026-03-14.") from None


def _consent_json(c: Any) -> dict[str, Any]:
    return dict(c.entry())


def cmd_plan_consent_add(app: App) -> None:
    from peerdesk.services import consent

    scope = [s.strip() for s in (app.args.sections or "").split(",") if s.strip()]
    entry = consent.add_consent(app.desk, app.args.id, recipient=app.args.recipient,
                                role=app.args.role, scope=scope, purpose=app.args.purpose or "",
                                given_on=_date(app.args.given), expires_on=_date(app.args.expires))
    app.out(f"Recorded: the person agreed that {entry.recipient} can see "
            f"{'this plan' if entry.whole_plan else 'the listed sections'} ({entry.id}).",
            _consent_json(entry))


def cmd_plan_consent_withdraw(app: App) -> None:
    from peerdesk.services import consent

    entry = consent.withdraw_consent(app.desk, app.args.id, app.args.consent, on=_date(app.args.on))
    app.out(f"Withdrawn: no copy of this plan will be made for {entry.recipient} from "
            f"{entry.withdrawn_on}.", _consent_json(entry))


def cmd_plan_consent_list(app: App) -> None:
    from peerdesk.domain.consent import ledger
    from peerdesk.services import consent

    record = app.desk.get(app.args.id)
    today = dates.today(app.vault.clock())
    entries = ledger(record.fields)
    human = "\n".join(
        f"{c.id}\t{c.state(today)}\t{c.recipient}\t{consent.role_label(c.role)}\t"
        f"{'whole plan' if c.whole_plan else ','.join(c.scope)}\tsince {dates.short_day(c.given_on)}"
        + (f"\tuntil {dates.short_day(c.expires_on)}" if c.expires_on else "")
        + (f"\twithdrawn {dates.short_day(c.withdrawn_on)}" if c.withdrawn_on else "") for c in entries)
    app.out(human or "Nobody yet: the person has not agreed to share this plan with anyone.",
            [_consent_json(c) | {"state": c.state(today)} for c in entries])


def cmd_plan_export(app: App) -> None:
    from peerdesk import exports
    from peerdesk.services import consent, papers

    out = Path(app.args.out) if app.args.out else None
    fmt = app.args.format
    suffix = out.suffix.lower().lstrip(".") if out else ""
    made = papers.make(app.desk, app.args.id, fmt, app.args.for_,
                       how=f"file ({suffix or 'text'})" if out else "text")
    doc = made.doc.as_document() if isinstance(made.doc, exports.Card) else made.doc
    data: dict[str, Any] = {"recipient": made.recipient, "format": fmt, "title": made.title}
    text = doc.text()
    if made.copy is not None:  # a plan: what the consent check let through
        data |= {"record": record_json(made.copy.record),
                 "who_can_see": [c.entry() for c in made.copy.who_can_see]}
        if fmt == "standard":
            text = consent.copy_text(made.copy, person=made.person)
    if out is None:
        app.out(text.rstrip("\n"), data)
        return
    if suffix == "json":
        exports.write_json(out, data)
    elif suffix == "pdf":
        exports.write_pdf(out, made.doc)
    elif suffix in ("html", "htm"):
        exports.write_atomic(out, exports.html_text(doc))
    else:
        exports.write_atomic(out, text.rstrip("\n") + "\n")
    app.out(f"Wrote the copy for {made.recipient} ({papers.FORMATS[fmt]}) to {out}. It is "
            "not encrypted: give it to them and remove it from this computer.",
            {"path": str(out)} | data)


def _day(text: str | None) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise errors.InvalidInput(f"{text!r} is not a date like 2026-03-14.") from None


def cmd_report_fidelity(app: App) -> None:
    from peerdesk.services import fidelity

    period = fidelity.Period(_day(app.args.from_), _day(app.args.to))
    report = fidelity.for_desk(app.desk, period=period, peer=app.args.peer)
    # A team-level report suppresses small numbers; one peer's own report does not.
    suppress = app.args.peer is None
    if app.args.csv:
        print(report.csv(suppress=suppress), end="")
        return
    data = report.as_json(suppress=suppress)
    team = data["team"]
    app.out(f"Fidelity and engagement, {period.text()}: {team['people']} people, "
            f"{team['sessions']} sessions ({report.basis}). Use --json or --csv for the figures.",
            data)


def _recovery_key(app: App) -> RecoveryKey:
    from peerdesk.services import governance

    secret = app.input._secret(governance.RECOVERY_PASSPHRASE_ENV,
                               "Passphrase for the recovery key file: ")
    return governance.load_recovery_key(Path(app.args.recovery_key), secret)


def cmd_audit_export(app: App) -> None:
    from peerdesk.services import governance

    count, head = governance.export_audit(app.desk, Path(app.args.out),
                                          start=_date(app.args.from_), end=_date(app.args.to))
    app.out(f"The audit trail is intact. Wrote {count} entries to {app.args.out}.\n"
            f"Chain head: {head}", {"entries": count, "chain_head": head, "path": app.args.out})


def cmd_audit_access(app: App) -> None:
    from peerdesk.services import governance

    events = governance.access_to_my_records(app.desk)
    lines = [f"{dates.short_moment(e.at)}\t{e.who} ({governance.role_label(e.role)})\t{e.action}\t"
             f"{e.kind}\t{e.record_id}" + (f"\tof {e.author}" if e.author else "")
             + ("\ton another computer" if e.elsewhere else "")
             + (f"\treason: {e.reason}" if e.reason else "")
             for e in events]
    app.out("\n".join(lines) or "Nobody else has opened your records, on this computer or on "
            "any other that has synced with the team share.",
            [{"at": e.at.isoformat(timespec="seconds"), "who": e.who, "role": e.role,
              "action": e.action, "record_id": e.record_id, "kind": e.kind,
              "reason": e.reason, "author": e.author, "elsewhere": e.elsewhere}
             for e in events])


def cmd_break_glass(app: App) -> None:
    from peerdesk.services import governance

    key = _recovery_key(app)
    versions = governance.break_glass(app.desk, app.args.id, recovery_key=key,
                                      reason=app.args.reason)
    app.out("Opened with the trust recovery key; this is logged and shown to the author.\n\n"
            + "\n\n".join(record_text(r) for r in versions),
            [record_json(r) for r in versions])


def cmd_recover_device(app: App) -> None:
    from peerdesk.services import igrecovery

    key = _recovery_key(app)
    versions = igrecovery.open_device(app.desk, app.args.device, recovery_key=key,
                                      reason=app.args.reason)
    many = "record" if len(versions) == 1 else "records"
    app.out(f"Opened {len(versions)} {many} that device sent to the team share, with the trust "
            "recovery key; this is logged and shown to their author and the coordinators.\n\n"
            + "\n\n".join(record_text(r) for r in versions),
            [record_json(r) for r in versions])


def cmd_report_break_glass(app: App) -> None:
    from peerdesk.services import governance

    events, problems = governance.break_glass_report(
        app.vault, _recovery_key(app), start=_date(app.args.from_), end=_date(app.args.to))
    lines = [f"{dates.short_moment(e.at)}\t{e.who} ({governance.role_label(e.role)})\t{e.kind} "
             f"{e.record_id} by {e.author}\treason: {e.reason}" for e in events]
    lines = problems + (lines or ["No record was opened with the recovery key in this period."])
    app.out("\n".join(lines),
            {"audit_ok": not problems, "problems": problems,
             "events": [e.__dict__ | {"at": e.at.isoformat(timespec="seconds")} for e in events]})


def cmd_report_publish(app: App) -> None:
    from peerdesk.services import fidelity

    changed = fidelity.publish(app.desk)
    app.out(f"{changed} person summaries changed (dates, list choices and yes/no marks only). "
            "They reach the coordinator at the next sync.", {"changed": changed})


def cmd_sar(app: App) -> None:
    from peerdesk.services import sar

    key = _recovery_key(app) if app.args.recovery_key else None
    if app.args.from_share:
        from peerdesk.services import igrecovery

        if key is None or not app.args.reason:
            raise errors.InvalidInput("A bundle from the team share needs the trust recovery key "
                               "(--recovery-key FILE) and a reason (--reason).")
        bundle = igrecovery.subject_access(app.desk, app.args.person, recovery_key=key,
                                           reason=app.args.reason)
    else:
        bundle = sar.collect(app.desk, app.args.person, recovery_key=key)
    paths = sar.write(bundle, Path(app.args.out))
    app.out(f"Wrote {len(bundle.records)} records ({bundle.version_count} versions) and "
            f"{len(bundle.audit)} audit entries to:\n" + "\n".join(str(p) for p in paths)
            + "\nThey are not encrypted: check them (serious-harm test, third parties), hand "
              "them over, then remove them from this computer.",
            {"records": len(bundle.records), "versions": bundle.version_count,
             "audit_entries": len(bundle.audit), "files": [str(p) for p in paths]})


def cmd_report_retention(app: App) -> None:
    from peerdesk.services import retention

    on = _date(app.args.on) or dates.today(app.vault.clock())
    items = (retention.due(app.desk, on=on, everyone=app.args.all) if not app.args.schedule
             else retention.schedule(app.desk, everyone=app.args.all))
    human = "\n".join(f"{dates.short_day(d.due_on)}\t{d.record_class}\t{d.kind}\t{d.subject_id}\t{d.author}\t"
                      f"{d.records} records\tlast {dates.short_day(d.last_activity)}" for d in items)
    app.out(human or f"Nothing is due for review on {dates.day(on)}.",
            [d.__dict__ | {"last_activity": d.last_activity.isoformat(timespec="seconds"),
                           "due_on": d.due_on.isoformat()} for d in items])


def cmd_dispose(app: App) -> None:
    from peerdesk.services import retention

    count = retention.dispose(app.desk, app.args.id, authorised_by=app.args.authorised_by)
    app.out(f"Disposed of {count} records at the end of their retention period; the audit "
            "trail keeps what, when and who authorised it. The next sync carries it to every "
            "other computer.", {"disposed": count})


def cmd_cover_grant(app: App) -> None:
    from peerdesk.services import cover

    start, end = _day(app.args.from_), _day(app.args.to)
    if start is None or end is None:
        raise errors.InvalidInput("Give the cover's first and last day: --from and --to.")
    record = cover.grant(app.desk, app.args.name, start, end, note=app.args.note or "")
    app.out(f"{app.args.name} covers from {start} to {end}; peers see it after their next "
            "sync, and it ends by itself.", {"id": record.id} | dict(record.fields))


def cmd_cover_end(app: App) -> None:
    from peerdesk.services import cover

    record = cover.end(app.desk, app.args.id)
    app.out(f"The cover ended on {record.fields['ends']}.", dict(record.fields))


def cmd_cover_list(app: App) -> None:
    from peerdesk.services import cover

    today = dates.today(app.vault.clock())
    grants = cover.grants(app.desk.records())
    app.out("\n".join(f"{g.id}\t{g.fields['cover']}\t{g.fields['starts']} to {g.fields['ends']}"
                      f"\t{'running' if cover.is_active(g, today) else 'not running'}"
                      for g in grants) or "No cover arranged.",
            [{"id": g.id, **g.fields, "running": cover.is_active(g, today)} for g in grants])


def _kind(text: str) -> Kind:
    try:
        return Kind(text.replace("-", "_"))
    except ValueError:
        names = ", ".join(k.value for k in Kind)
        raise errors.InvalidInput(f"Unknown kind {text!r}; choose one of: {names}.") from None


# -- parser -----------------------------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    """A usage mistake is one line, as every other failure is, and exit code 2."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("peerdesk").strip()
        fail(f"{where + ': ' if where else ''}{message} (see: {self.prog} --help)", 2)


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="data folder (default: the per-user folder for PeerDesk)")
    common.add_argument("--user", default=argparse.SUPPRESS, help="account name")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output")
    common.add_argument("--passphrase-stdin", action="store_true", default=argparse.SUPPRESS,
                        help="read the passphrase from the first line of standard input")

    parser = Parser(prog="peerdesk", parents=[common],
                                     description="Encrypted records for peer support work.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent: Any, name: str, fn: Callable[[App], None], help_: str,
                ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, parents=[common], help=help_)
        p.set_defaults(func=fn)
        return p

    def group(name: str, help_: str) -> Any:
        return sub.add_parser(name, help=help_).add_subparsers(dest="action", required=True,
                                                               metavar="ACTION")

    p = command(sub, "init", cmd_init, "create the data folder on this device")
    p.set_defaults(creates=True)
    p.add_argument("--team", help="team name, e.g. 'Team North'")

    def agreement(p: argparse.ArgumentParser) -> None:
        """A handover's peer and the person's agreement."""
        p.add_argument("--to", required=True, metavar="NAME", help="the peer who takes it on")
        p.add_argument("--agreed-by", required=True, metavar="WHO",
                       help="who agreed, and how, e.g. 'Jo, in person on the ward'")
        p.add_argument("--agreed", metavar="DATE", help="when the person agreed (default: today)")
        p.add_argument("--diaries", action="store_true",
                       help="the person agreed that the session diaries about them move too")

    def recovery_args(p: argparse.ArgumentParser) -> None:
        """Break-glass: the trust recovery key's file, and why it is used (sealed in the audit
        trail for the record's author and the Caldicott Guardian)."""
        p.add_argument("--recovery-key", required=True, metavar="FILE")
        p.add_argument("--reason", required=True, help="why; shown to the author and the Guardian")

    users = group("user", "accounts on this device")
    p = command(users, "add", cmd_user_add, "add an account (its passphrase as for sign-in)")
    p.add_argument("name")
    p.add_argument("--role", default="peer", choices=[r.value for r in Role])
    command(users, "list", cmd_user_list, "list accounts")
    p = command(users, "approve", cmd_user_approve,
                "approve a pending account (an administrator, signed in with --user)")
    p.add_argument("name")
    p.add_argument("--role", choices=[r.value for r in Role],
                   help="another role than the one it asked for")
    p = command(users, "role", cmd_user_role, "change a member's role (an administrator)")
    p.add_argument("name")
    p.add_argument("role", choices=[r.value for r in Role])
    p = command(users, "grant-ig", cmd_user_grant_ig,
                "give a coordinator or administrator the information governance duty: "
                "recovery from the team share with the trust key (an administrator)")
    p.add_argument("name")
    p = command(users, "revoke-ig", cmd_user_revoke_ig,
                "take the information governance duty away (an administrator)")
    p.add_argument("name")
    p = command(users, "remove", cmd_user_remove,
                "remove a member from the team (an administrator)")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="confirm")
    p = command(users, "leaving", cmd_user_leaving,
                "an administrator marks a member as leaving (signed, published)")
    p.add_argument("name")
    p.add_argument("--on", metavar="DATE", help="her last day")
    p.add_argument("--not-leaving", action="store_true", help="take the mark back")
    p = command(users, "leaver-checklist", cmd_user_leaver_checklist,
                "what is done and what remains for a member who is leaving")
    p.add_argument("name")
    p = command(users, "leaver-people", cmd_user_leaver_people,
                "IG duty holder: a leaver's people, from the team share with the trust "
                "recovery key (break-glass: audited, she and the coordinators are told)")
    p.add_argument("name")
    recovery_args(p)
    p = command(users, "leaver-hand-over", cmd_user_leaver_hand_over,
                "IG duty holder: hand one of a leaver's people to another peer from the "
                "team share with the trust recovery key, when her laptop is gone")
    p.add_argument("name")
    p.add_argument("person", metavar="PERSON", help="the person's id (user leaver-people)")
    agreement(p)
    recovery_args(p)
    p = command(users, "hand-over-root", cmd_user_hand_over_root,
                "the root administrator passes that role to another administrator")
    p.add_argument("name")
    p = command(users, "take-over-root", cmd_user_take_over_root,
                "an administrator takes over the root's role when the root is gone for good "
                "(removes her)")
    p.add_argument("--yes", action="store_true", help="confirm")
    command(users, "reissue", cmd_user_reissue,
            "administrator: issue again the certificates that still carry a copy of sealed "
            "keys (from before keys/), so an old passphrase opens nothing in accounts/")
    command(users, "passwd", cmd_user_passwd,
            "change passphrase (new one from PEERDESK_NEW_PASSPHRASE or the next stdin line)")

    people = group("person", "people you support")
    p = command(people, "add", cmd_person_add, "add a person you support")
    p.add_argument("--label", help="a name or initials the person is happy with")
    p.add_argument("--local-id")
    p.add_argument("--file", help="more fields as JSON (see: record schema --kind person)")
    command(people, "list", cmd_person_list, "list people you support")
    p = command(people, "hand-over", cmd_person_hand_over,
                "with the person's agreement, hand their support to another peer (or share it, "
                "or cover it for a while)")
    p.add_argument("id", metavar="PERSON", help="the person's id")
    agreement(p)
    p.add_argument("--together", action="store_true",
                   help="support the person together rather than hand over")
    p.add_argument("--cover-until", metavar="DATE",
                   help="cover while you are away, ending by itself after DATE")
    p.add_argument("--note", help="a note for the other peer")
    p = command(people, "end-support", cmd_person_end_support,
                "end shared support or cover early (ARRANGEMENT: the id hand-over printed)")
    p.add_argument("id", metavar="ARRANGEMENT")
    p = command(people, "supporters", cmd_person_supporters, "who supports a person now")
    p.add_argument("id", metavar="PERSON")
    p = command(people, "erase", cmd_person_erase, "the person withdraws: erase everything about them")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="confirm; this cannot be undone")

    covers = group("cover", "cover while the coordinator is away")
    p = command(covers, "grant", cmd_cover_grant, "name a cover coordinator for a period")
    p.add_argument("name", help="the covering coordinator's account")
    p.add_argument("--from", dest="from_", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--note")
    p = command(covers, "end", cmd_cover_end, "end a cover early")
    p.add_argument("id")
    command(covers, "list", cmd_cover_list, "cover arranged, running or not")

    reports = group("report", "figures for supervision and service review")
    p = command(reports, "fidelity", cmd_report_fidelity,
                "ENRICH delivery checklist, engagement and fidelity evidence")
    p.add_argument("--from", dest="from_", help="first day, e.g. 2026-03-01")
    p.add_argument("--to", help="last day, e.g. 2026-03-31")
    p.add_argument("--peer", help="one peer's own figures (small numbers are not hidden)")
    p.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    command(reports, "publish", cmd_report_publish,
            "send your delivery figures (no names or words) to the coordinators")

    records = group("record", "diaries, reflections and plans")
    p = command(records, "schema", cmd_record_schema, "print the JSON Schema of a kind's fields")
    p.add_argument("--kind", required=True)
    p = command(records, "add", cmd_record_add, "add a record from JSON")
    p.add_argument("--kind", required=True)
    p.add_argument("--person", help="id of the person it is about")
    p.add_argument("--file", required=True, help="JSON file, or - for standard input")
    p = command(records, "list", cmd_record_list, "list what you can read")
    p.add_argument("--kind")
    p.add_argument("--person")
    p.add_argument("--deleted", action="store_true", help="include deleted records")
    p = command(records, "show", cmd_record_show, "show a record")
    p.add_argument("id")
    p.add_argument("--version", type=int)
    p = command(records, "update", cmd_record_update, "save a new version from JSON")
    p.add_argument("id")
    p.add_argument("--file", required=True)
    p = command(records, "history", cmd_record_history, "list a record's versions")
    p.add_argument("id")
    p = command(records, "delete", cmd_record_delete, "delete (history stays readable)")
    p.add_argument("id")
    for name, fn, help_ in (("share", cmd_record_share, "share with a coordinator for supervision"),
                            ("unshare", cmd_record_unshare, "stop sharing from the next version")):
        p = command(records, name, fn, help_)
        p.add_argument("id")
        p.add_argument("--with", dest="with_", required=True, metavar="NAME")

    plans = group("plan", "the person's plans: consent and copies")
    p = command(plans, "export", cmd_plan_export,
                "a copy of a plan for the person, or for someone they agreed can see it")
    p.add_argument("id")
    p.add_argument("--for", dest="for_", metavar="RECIPIENT",
                   help="a recipient on the plan's consent ledger (name or consent id); "
                        "without it, the person's own copy")
    p.add_argument("--out", metavar="FILE",
                   help="write to FILE (.pdf, .html, .txt or .json) instead of stdout")
    p.add_argument("--format", default="standard", choices=list(FORMATS),
                   help="which copy: " + "; ".join(f"{k} ({v})" for k, v in FORMATS.items())
                   + ". The crisis card, 'what to expect' and the ending letter are for the "
                     "person only; PLAN may then be the person's id")
    p = command(plans, "history", cmd_plan_history,
                "every version of a plan, the plans it continues first (after a handover), "
                "each with who wrote it")
    p.add_argument("id", metavar="PLAN")
    p = command(plans, "continue", cmd_plan_continue,
                "carry on a plan handed over to you, as a plan of your own (prints its id)")
    p.add_argument("id", metavar="PLAN")
    consents = plans.add_parser("consent", help="who the person agreed can see a plan") \
        .add_subparsers(dest="consent_action", required=True, metavar="ACTION")
    p = command(consents, "add", cmd_plan_consent_add, "the person agreed that someone can see it")
    p.add_argument("id")
    p.add_argument("--recipient", required=True, help="who, e.g. 'Dr Okafor (GP)' or 'Mum'")
    p.add_argument("--role", required=True,
                   choices=[c.id for c in spec(Kind.CRISIS_PLAN).by_name["consents"].choices])
    p.add_argument("--sections", help="comma-separated section names; without it, the whole plan")
    p.add_argument("--purpose", help="why, in the person's words")
    p.add_argument("--given", metavar="DATE", help="when the person agreed (default: today)")
    p.add_argument("--expires", metavar="DATE", help="when the agreement ends")
    p = command(consents, "withdraw", cmd_plan_consent_withdraw, "the person no longer agrees")
    p.add_argument("id")
    p.add_argument("consent", metavar="CONSENT", help="the consent id, or the recipient's name")
    p.add_argument("--on", metavar="DATE", help="from when (default: today)")
    p = command(consents, "list", cmd_plan_consent_list, "the plan's consent ledger")
    p.add_argument("id")

    command(sub, "check", cmd_check, "check the integrity of every record you can read")
    audit_cmds = group("audit", "the audit trail")
    command(audit_cmds, "verify", cmd_audit_verify, "verify the audit trail's hash chain")
    p = command(audit_cmds, "export", cmd_audit_export,
                "a period of the audit trail as CSV, verified first (coordinator or admin)")
    p.add_argument("--from", dest="from_", metavar="DATE")
    p.add_argument("--to", metavar="DATE")
    p.add_argument("--out", required=True, metavar="FILE.csv")
    command(audit_cmds, "access", cmd_audit_access,
            "who else has opened or copied your records on this computer, and why")
    p = command(reports, "retention", cmd_report_retention,
                "records due for review under the retention rules in the machine policy")
    p.add_argument("--on", metavar="DATE", help="due on this day (default: today)")
    p.add_argument("--all", action="store_true",
                   help="every account's records (coordinator or admin; dates and ids only)")
    p.add_argument("--schedule", action="store_true", help="every clock, due or not")
    p = command(sub, "dispose", cmd_dispose,
                "dispose of a person's records (or a staff record) whose retention has ended")
    p.add_argument("id", help="the person's id, or a reflection's id")
    p.add_argument("--authorised-by", required=True, metavar="REF",
                   help="the records manager's decision that authorised it")
    p = command(sub, "sar", cmd_sar,
                "subject access: everything held about a person, as PDF, HTML and JSON")
    p.add_argument("person", metavar="PERSON", help="the person's id")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--recovery-key", metavar="FILE",
                   help="coordinator or admin: open records written by others with the trust key")
    p.add_argument("--from-share", action="store_true",
                   help="with --recovery-key and --reason: everything the whole team holds "
                        "about them, read from the team share")
    p.add_argument("--reason", help="why (with --from-share); sealed for the Caldicott Guardian "
                                    "in the audit trail")
    p = command(sub, "break-glass", cmd_break_glass,
                "open a record not shared with you, with the trust recovery key and a reason")
    p.add_argument("id")
    recovery_args(p)
    p = command(sub, "recover-device", cmd_recover_device,
                "open the records a lost or leaver's device sent to the team share, with the "
                "trust recovery key and a reason (coordinator or admin)")
    p.add_argument("device", help="the device's id (its folder name under devices/ on the share)")
    recovery_args(p)
    p = command(reports, "break-glass", cmd_report_break_glass,
                "every break-glass opening, with reasons (needs the recovery key)")
    p.add_argument("--recovery-key", required=True, metavar="FILE")
    p.add_argument("--from", dest="from_", metavar="DATE")
    p.add_argument("--to", metavar="DATE")
    p = command(sub, "sync", cmd_sync, "send and receive changes through the team share")
    p.add_argument("--share", metavar="LOCATION",
                   help="folder path or smb://server/share/folder (remembered for next time)")
    conflicts = group("conflicts", "records changed on two computers before they could sync")
    command(conflicts, "list", cmd_conflicts_list, "your records in conflict, with their versions")
    p = command(conflicts, "show", cmd_conflicts_show, "every version of one, side by side")
    p.add_argument("id")
    p = command(conflicts, "resolve", cmd_conflicts_resolve,
                "keep one version, keep both texts, or delete the record")
    p.add_argument("id")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--keep", type=int, metavar="VERSION", help="keep this version (see show)")
    how.add_argument("--both", action="store_true",
                     help="keep both texts: the other version's below, marked, to tidy later")
    how.add_argument("--delete", action="store_true", help="delete the record")
    shares = group("share", "the team share")
    p = command(shares, "init", cmd_share_init, "make a folder the team share (administrator)")
    p.add_argument("location", metavar="LOCATION")
    p.add_argument("--team", help="team name, e.g. 'Team North'")
    command(shares, "status", cmd_share_status, "when this computer last synced, what is waiting")
    p = command(shares, "password", cmd_share_password,
                "save an smb:// share's password in the keyring (from PEERDESK_SHARE_PASSWORD)")
    p.add_argument("location", metavar="LOCATION")
    p.add_argument("--username", required=True)
    p = command(sub, "demo", cmd_demo, "fill the data folder with fictional demo content")
    p.add_argument("--force", action="store_true", help="add demo content even if accounts exist")
    p.set_defaults(creates=True)
    return parser


def fail(message: str, code: int) -> NoReturn:
    print(f"peerdesk: {printable(message)}", file=sys.stderr)
    raise SystemExit(code)


def _check_arguments(args: argparse.Namespace) -> None:
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                checked_text(item, f"The value given for {name.rstrip('_').replace('_', '-')}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    # The common options may stand before or after the command; defaults are filled in here.
    defaults = {"data_dir": os.environ.get("PEERDESK_DATA_DIR") or str(default_data_dir()),
                "user": None, "json": False, "passphrase_stdin": False}
    for name, value in defaults.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    app = App(args)
    try:
        _check_arguments(args)
        args.func(app)
    except errors.PeerDeskError as exc:
        code = next((c for t, c in EXIT_CODES if isinstance(exc, t)), 1)
        fail(str(exc), code)
    except KeyboardInterrupt:
        fail("Stopped.", 130)
    except BrokenPipeError:
        # The reader went away (``peerdesk … | head``): nothing more to say, and nothing
        # left for Python to flush on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        fail(f"{exc.strerror or exc}.", 5)
    except Exception as exc:
        if os.environ.get("PEERDESK_DEBUG"):
            raise
        fail(f"Something went wrong inside PeerDesk ({type(exc).__name__}). Nothing was lost; "
             "run again with PEERDESK_DEBUG=1 to see details for a bug report.", 1)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
