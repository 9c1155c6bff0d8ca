"""A peer who leaves the team: her leaver's checklist, computed from the data each time.

An administrator marks her as leaving (``membership.mark_leaving``: her certificate carries
her last day, so every device sees it). The checklist then says, item by item, what is done
and what remains, from what this computer holds; nothing is ticked by hand, so it cannot
say something is done that is not:

1. marked as leaving (her certificate says so);
2. each person she registered: supported by another active peer who is not leaving (a
   reader of the person record: a handover, ``handover.hand_over``, on her computer, or
   from the team share with the trust recovery key when her laptop is gone);
3. what retention requires kept: her care records, with the first date any may be
   reviewed; removing her account deletes none of them;
4. what retention allows disposed of now (by their author, ``retention.dispose``);
5. her account removed (``membership.remove``: signed, published, her streams cut off).

Each step can be run again: one already done changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from peerdesk import dates
from peerdesk.domain import Account, Kind, Role
from peerdesk.errors import NotAllowed, NotFound
from peerdesk.services import governance, retention
from peerdesk.services.desk import Desk
from peerdesk.store import records
from peerdesk.store.models import RecordRow
from peerdesk.sync import certs

if TYPE_CHECKING:
    from peerdesk.services.vault import Vault

MARKED, PERSON, KEPT, DISPOSE, REMOVED = "marked", "person", "kept", "dispose", "removed"


@dataclass(frozen=True)
class Item:
    """One line of the checklist."""

    step: str  # MARKED, PERSON, KEPT, DISPOSE or REMOVED
    title: str
    done: bool
    detail: str  # what was done, or what remains, in one or two sentences
    next: str = ""  # the command that does what remains (empty when done)
    subject: str = ""  # the person's id, for a PERSON item


@dataclass(frozen=True)
class Checklist:
    account: Account
    leaving_on: date | None
    items: tuple[Item, ...]

    @property
    def remaining(self) -> int:
        return sum(not i.done for i in self.items)


def leaving_on(cert: certs.Cert | None) -> date | None:
    return certs.leaving(cert) if cert is not None else None


def leaving_days(vault: Vault) -> dict[str, date]:
    """Every member marked as leaving and not yet removed, with her last day, by id."""
    with vault.store.begin() as conn:
        found = certs.standings(conn)
    return {i: day for i, s in found.items()
            if s.account.status == certs.ACTIVE and not s.problem
            and (day := leaving_on(s.cert)) is not None}


def _standing(desk: Desk, name_or_id: str) -> certs.Standing:
    with desk.vault.store.begin() as conn:
        found = certs.standings(conn)
    target = next((s for s in found.values() if name_or_id in {s.account.id, s.account.name}),
                  None)
    if target is None:
        raise NotFound(f"There is no account called {name_or_id!r} on this computer.")
    if desk.user.role not in governance.STAFF and target.account.id != desk.user.id:
        raise NotAllowed("A leaver's checklist is for a Peer Worker Coordinator or an "
                         "administrator, or for the leaver herself.")
    return target


def checklist(desk: Desk, name_or_id: str, *, today: date | None = None) -> Checklist:
    """What is done and what remains for one member leaving the team, as this computer's
    data says."""
    target = _standing(desk, name_or_id)
    her = target.account
    today = today or dates.today(desk.vault.clock())
    day = leaving_on(target.cert)
    removed = her.status == certs.REMOVED
    items = [_marked(her, day, removed)]
    items += _people(desk, her)
    items += _retention(desk, her, today)
    items.append(Item(REMOVED, "Her account removed", removed,
                      "Removed from the team: every device refuses what she writes after it."
                      if removed else
                      "Not yet. Remove her account once her people are handed over: every "
                      "device learns it at the next sync, and what she wrote stays.",
                      "" if removed else f"peerdesk user remove {_quoted(her.name)} --yes"))
    return Checklist(her, day, tuple(items))


def _quoted(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else repr(name)


def _marked(her: Account, day: date | None, removed: bool) -> Item:
    if day is not None:
        return Item(MARKED, "Marked as leaving", True,
                    f"Her last day is {dates.day(day)}, as her signed certificate says.")
    if removed:
        return Item(MARKED, "Marked as leaving", True,
                    "Removed from the team without a leaving date.")
    return Item(MARKED, "Marked as leaving", False,
                "Not marked: an administrator marks her with her last day.",
                f"peerdesk user leaving {_quoted(her.name)} --on YYYY-MM-DD")


def _people(desk: Desk, her: Account) -> list[Item]:
    """One item per person she registered whose record is on this computer."""
    on_leave = set(leaving_days(desk.vault))
    active_peers = {a.id: a.name for a in desk.vault.accounts()
                    if a.active and a.role is Role.PEER and a.id not in on_leave
                    and a.id != her.id}
    labels: dict[str, str] = {}
    if desk.user.id == her.id:
        labels = {p.id: str(p.fields.get("label") or "") for p in desk.records(Kind.PERSON)}
    r = RecordRow.__table__.c
    with desk.vault.store.begin() as conn:
        ids = list(conn.scalars(select(r.id).where(
            r.kind == Kind.PERSON.value, r.author_id == her.id, r.erased_at.is_(None))
            .order_by(r.created_at, r.id)))
        supported = {pid: [active_peers[i] for i in records.readers(conn, pid)
                           if i in active_peers] for pid in ids}
    if not ids:
        where = ("You have registered no one on this computer." if desk.user.id == her.id else
                 "None of her person records is on this computer: they are on her own "
                 "computer, or on the team share, where the trust recovery key opens them.")
        return [Item(PERSON, "Her people", desk.user.id == her.id, where)]
    out = []
    for pid in ids:
        name = f"{labels[pid]} ({pid[:8]})" if labels.get(pid) else f"Person {pid[:8]}"
        peers = supported[pid]
        if peers:
            out.append(Item(PERSON, name, True, f"Supported by {', '.join(peers)}.",
                            subject=pid))
        else:
            out.append(Item(PERSON, name, False,
                            "Not handed over yet: choose a peer, and record the person's "
                            "agreement.",
                            f"peerdesk --user {_quoted(her.name)} person hand-over {pid} "
                            "--to PEER --agreed-by 'WHO, HOW'", subject=pid))
    return out


def _retention(desk: Desk, her: Account, today: date) -> list[Item]:
    everyone = desk.user.id != her.id
    held = [d for d in retention.schedule(desk, everyone=everyone) if d.author == her.name]
    care = [d for d in held if d.record_class == retention.CARE]
    due = [d for d in held if d.due_on <= today]
    if care:
        first = min(d.due_on for d in care)
        kept = (f"{sum(d.records for d in care)} care records about {len(care)} people are "
                f"kept, the first until {dates.day(first)}; removing her account deletes "
                "none of them.")
    else:
        kept = "None of her care records is on this computer."
    staff = [d for d in held if d.record_class == retention.STAFF]
    if staff:
        kept += (f" {len(staff)} staff records of hers (reflections, supervision notes) follow "
                 "the trust's staff-record period.")
    items = [Item(KEPT, "Kept as retention requires", True, kept)]
    if due:
        items.append(Item(DISPOSE, "Due for disposal", False,
                          f"{len(due)} of hers may be disposed of now (retention has ended): "
                          + ", ".join(d.subject_id[:8] for d in due) + ".",
                          f"peerdesk --user {_quoted(her.name)} dispose ID --authorised-by REF"))
    else:
        later = min((d.due_on for d in held), default=None)
        items.append(Item(DISPOSE, "Due for disposal", True,
                          "Nothing of hers is due for disposal"
                          + (f"; the first review is on {dates.day(later)}." if later else ".")))
    return items
