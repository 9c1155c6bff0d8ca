"""Retention: when each record is due for review, and disposal that is audited and reaches
every device through the share.

Two classes, from the machine policy:
* **care record** — the person, and every diary and plan about them: the mental health
  records rule of the Records Management Code of Practice 2021 (Appendix II), 20 years after
  the last contact. The clock runs from the newest version of anything about the person: the
  peer's last recorded contact. (The Code's "10 years after death" needs a date of death,
  which PeerDesk does not hold; the records manager applies it.)
* **staff record** — reflections, supervision notes, comments, actions, check-ins: about the
  worker, not a person supported; the period is the trust records manager's decision.
The team resource pack is reference material and has no clock.

The report reads plaintext metadata only (ids, kinds, authors, times), never content, so a
coordinator or administrator can run it for every account on the computer. Disposal is done
by the author (her keys sign what the share carries): it is refused before the due date and
without a reference to the decision that authorised it, writes a `dispose` audit entry (what,
when, class, who authorised: the destruction log that outlives the record), then destroys the
records exactly as erasure does, and the share carries the erasure to every other device.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from peerdesk import audit, dates
from peerdesk.domain import PLAN_KINDS, Kind
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services import governance
from peerdesk.services.desk import Desk
from peerdesk.store.models import AccountRow, RecordRow, VersionRow

CARE, STAFF = "care record", "staff record"
NO_CLOCK = frozenset({"resource"})  # the team resource pack: reference, not a record of anyone
CARE_KINDS = frozenset({Kind.PERSON, Kind.DIARY, Kind.HANDOVER, *PLAN_KINDS})


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Due:
    subject_id: str  # the person's id (care), or the record's id (staff)
    kind: str
    record_class: str
    author: str
    records: int
    last_activity: datetime
    due_on: date


def schedule(desk: Desk, *, everyone: bool = False) -> list[Due]:
    """Every subject's retention clock on this computer, soonest due first. ``everyone``
    (coordinators and administrators) covers every account's records."""
    if everyone and desk.user.role not in governance.STAFF:
        raise NotAllowed("Only a Peer Worker Coordinator or an administrator can see every "
                         "account's retention dates.")
    policy = desk.vault.policy
    subject = func.coalesce(RecordRow.person_id, RecordRow.id)
    query = (select(subject, func.min(RecordRow.kind), RecordRow.author_id,
                    func.count(func.distinct(RecordRow.id)), func.max(VersionRow.saved_at),
                    func.max(RecordRow.person_id))
             .join(VersionRow, VersionRow.record_id == RecordRow.id)
             .where(RecordRow.erased_at.is_(None), RecordRow.kind.not_in(NO_CLOCK))
             .group_by(subject, RecordRow.author_id))
    if not everyone:
        query = query.where(RecordRow.author_id == desk.user.id)
    out = []
    with desk.vault.store.transaction() as s:
        names = {a.id: a.name for a in s.scalars(select(AccountRow))}
        for subject_id, kind, author_id, count, last, person in s.execute(query):
            care = person is not None or kind in CARE_KINDS
            years = policy.retention_care_years if care else policy.retention_staff_years
            out.append(Due(subject_id, Kind.PERSON.value if care else kind,
                           CARE if care else STAFF, names.get(author_id, author_id), count,
                           last, add_years(last.date(), years)))
    return sorted(out, key=lambda d: (d.due_on, d.subject_id))


def due(desk: Desk, *, on: date, everyone: bool = False) -> list[Due]:
    """What is due for review on ``on``: the records manager decides on each."""
    return [d for d in schedule(desk, everyone=everyone) if d.due_on <= on]


def dispose(desk: Desk, subject_id: str, *, authorised_by: str) -> int:
    """Destroy a subject's records at the end of their retention period (see the module
    docstring), judged by this computer's clock. Returns how many records were destroyed."""
    on = dates.today(desk.vault.clock())
    reference = " ".join(authorised_by.split())
    if not reference or len(reference) > 200:
        raise InvalidInput("Give the reference of the decision that authorised this disposal "
                           "(for example the records manager's review number), at most 200 "
                           "characters.")
    if ";" in reference or "=" in reference:
        raise InvalidInput("The authorisation reference cannot contain ';' or '='.")
    entry = next((d for d in schedule(desk) if d.subject_id == subject_id), None)
    if entry is None:
        raise NotFound("You hold no records with that id on this computer (only the author "
                       "can dispose of a record).")
    if entry.due_on > on:
        raise NotAllowed(f"This {entry.record_class} is kept until {dates.day(entry.due_on)} "
                         f"(last activity {dates.day(entry.last_activity)}); it cannot be disposed "
                         "of before then.")
    desk.note(audit.DISPOSE, subject_id,
              f"class={entry.record_class}; records={entry.records}; "
              f"last={entry.last_activity.date()}; due={entry.due_on}; authorised={reference}")
    if entry.record_class == CARE:
        return desk.erase_person(subject_id)
    return desk.erase_record(subject_id)
