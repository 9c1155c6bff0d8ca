"""Fidelity and engagement: the ENRICH delivery checklist and evidence per fidelity domain,
per peer and for the team, over a period, from the records the signed-in user can read.

Numbers only, never names or words from a record. Team-level exports suppress small numbers
(1 to 4) as NHS statistics do, so that nobody can be picked out.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from peerdesk import dates, exports
from peerdesk.domain import PLAN_KINDS, Kind, Record
from peerdesk.errors import InvalidInput
from peerdesk.paths import resource_dir
from peerdesk.services import saving, sharing
from peerdesk.services.journey import NOT_A_SESSION, Journey, build

if TYPE_CHECKING:
    from peerdesk.services.desk import Desk

SMALL = 5  # counts from 1 to SMALL - 1 are suppressed in team-level exports
SUPPRESSED = "*"

# The delivery checklist of ENRICH's core components (DOMAIN.md C8), one question per person.
COMPONENTS: tuple[tuple[str, str, Callable[[Journey], bool]], ...] = (
    ("met_on_ward", "Met on the ward before discharge",
     lambda j: j.met_on_ward_before_discharge),
    ("meeting_invited", "Invited to the discharge meeting by the person",
     lambda j: j.discharge_meeting == "invited" or j.discharge_meeting_attended is not None),
    ("meeting_attended", "Went to the discharge meeting", lambda j: bool(j.discharge_meeting_attended)),
    ("plan_offered", "At least one plan offered",
     lambda j: any(u != "not offered" for u in j.plans.values())),
    ("plan_used", "At least one plan used", lambda j: "used" in j.plans.values()),
    ("ending_from_outset", "Ending talked about at the first meeting",
     lambda j: j.ending_discussed_at_first_meeting),
    ("strengths", "Strengths noted", lambda j: j.strengths_noted),
    ("signposted", "Signposted or went along to community activities", lambda j: j.signposted),
    ("accompanied", "Went along to an activity or service", lambda j: j.accompanied),
    ("first_post_discharge", "First meeting after discharge",
     lambda j: j.first_post_discharge is not None),
    ("engaged", "Two or more sessions (engagement)", lambda j: j.engaged),
    ("transition_summary", "Ended with a transition summary",
     lambda j: bool(j.ended_on and j.transition_summary)),
)


@dataclass(frozen=True)
class Domain:
    id: str
    label: str
    peer_brought: frozenset[str]
    mechanisms: frozenset[str]
    contact_types: frozenset[str]
    text_fields: tuple[str, ...]
    short: str = ""

    def evidenced_by(self, diary: Record) -> bool:
        f = diary.fields
        return bool(self.peer_brought & set(f.get("peer_brought", ()))
                    or self.mechanisms & set(f.get("mechanisms", ()))
                    or f.get("contact_type") in self.contact_types
                    or any(f.get(name) for name in self.text_fields))


@cache
def domains() -> tuple[Domain, ...]:
    data = json.loads((resource_dir() / "lists/fidelity_domains.json").read_text("utf-8"))
    return tuple(Domain(c["id"], c["label"], frozenset(c["peer_brought"]),
                        frozenset(c["mechanisms"]), frozenset(c["contact_types"]),
                        tuple(c["text_fields"]), c.get("short", c["label"]))
                 for c in data["choices"])


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def holds(self, day: str) -> bool:
        d = date.fromisoformat(day[:10])
        return (self.start is None or d >= self.start) and (self.end is None or d <= self.end)

    def until(self, day: str) -> bool:
        return self.end is None or date.fromisoformat(day[:10]) <= self.end

    def text(self) -> str:
        start = dates.day(self.start) if self.start else "the beginning"
        end = dates.day(self.end) if self.end else "today"
        return f"{start} to {end}"


@dataclass(frozen=True)
class Figures:
    """One column of the report: a peer, or the team."""

    name: str
    people: int
    sessions: int
    did_not_meet: int
    components: Mapping[str, int]
    domains: Mapping[str, int]  # sessions with evidence for the domain
    days_to_first_post_discharge: tuple[int, ...]
    supervision_attended: int | None = None

    def percent(self, count: int, of: int) -> int | None:
        return round(100 * count / of) if of else None

    @property
    def median_days(self) -> float | None:
        days = self.days_to_first_post_discharge
        return statistics.median(days) if days else None

    def as_json(self, *, suppress: bool) -> dict[str, Any]:
        s = _suppressor(suppress)

        def share(count: int, of: int) -> dict[str, Any]:
            hidden = suppress and (0 < count < SMALL or 0 < of < SMALL)
            return {"count": s(count),
                    "percent": SUPPRESSED if hidden else self.percent(count, of)}

        days = self.days_to_first_post_discharge
        return {
            "name": self.name,
            "people": s(self.people),
            "sessions": s(self.sessions),
            "did_not_meet": s(self.did_not_meet),
            "components": {key: share(self.components[key], self.people)
                           for key, _, _ in COMPONENTS},
            "fidelity_domains": {d.id: share(self.domains[d.id], self.sessions)
                                 for d in domains()},
            "days_discharge_to_first_meeting": {
                "people": s(len(days)),
                "median": SUPPRESSED if suppress and 0 < len(days) < SMALL else self.median_days,
            },
            "supervision_attended": (None if self.supervision_attended is None
                                     else s(self.supervision_attended)),
        }


def _suppressor(suppress: bool) -> Callable[[int], int | str]:
    def s(n: int) -> int | str:
        return SUPPRESSED if suppress and 0 < n < SMALL else n
    return s


@dataclass(frozen=True)
class Report:
    period: Period
    team: Figures
    peers: tuple[Figures, ...]
    basis: str = ""  # what the figures rest on, in a sentence
    notes: tuple[str, ...] = field(default=())

    def as_json(self, *, suppress: bool = True) -> dict[str, Any]:
        return {
            "period": {"from": self.period.start.isoformat() if self.period.start else None,
                       "to": self.period.end.isoformat() if self.period.end else None},
            "basis": self.basis,
            "small_numbers_suppressed": suppress,
            "team": self.team.as_json(suppress=suppress),
            "peers": [p.as_json(suppress=suppress) for p in self.peers],
        }

    def csv(self, *, suppress: bool = True) -> str:
        """One row per figure, one column per peer and the team: opens in any spreadsheet."""
        return exports.csv_text(self.rows(suppress=suppress))

    def rows(self, *, suppress: bool = True) -> list[list[object]]:
        columns = [self.team, *self.peers]
        data = [c.as_json(suppress=suppress) for c in columns]
        rows: list[list[object]] = []
        rows.append(["Figure", *[c.name for c in columns]])
        rows.append(["Period", *[self.period.text()] * len(columns)])
        for key, label in (("people", "People supported"), ("sessions", "Sessions"),
                           ("did_not_meet", "Times we didn't meet")):
            rows.append([label, *[d[key] for d in data]])
        for key, label, _ in COMPONENTS:
            rows.append([f"{label}: people", *[d["components"][key]["count"] for d in data]])
            rows.append([f"{label}: %", *[_pc(d["components"][key]["percent"]) for d in data]])
        for dom in domains():
            rows.append([f"Evidence, {dom.label}: sessions",
                        *[d["fidelity_domains"][dom.id]["count"] for d in data]])
            rows.append([f"Evidence, {dom.label}: % of sessions",
                        *[_pc(d["fidelity_domains"][dom.id]["percent"]) for d in data]])
        rows.append(["Days from discharge to first meeting after: median",
                    *["" if d["days_discharge_to_first_meeting"]["median"] is None else
                      d["days_discharge_to_first_meeting"]["median"] for d in data]])
        if any(d["supervision_attended"] is not None for d in data):
            rows.append(["Group supervision sessions attended",
                        *["" if d["supervision_attended"] is None else d["supervision_attended"]
                          for d in data]])
        if suppress:
            rows.append([f"{SUPPRESSED} = fewer than {SMALL}, not shown so that nobody can be "
                        "identified"])
        return rows

    def document(self, *, suppress: bool = True) -> exports.Document:
        """The CSV's figures as a table, for the PDF (landscape: one column per peer)."""
        header, *rows = [[str(v) for v in r] for r in self.rows(suppress=suppress)]
        return exports.Document(
            "Fidelity and engagement",
            (exports.Heading("Fidelity and engagement"),
             exports.Para(f"{self.period.text()}. {self.basis}."),
             exports.Table(tuple(header), tuple(tuple(r + [""] * (len(header) - len(r)))
                                                for r in rows))),
            size=9.0, landscape=True, footer=f"Made {dates.day(dates.today())}")


def _pc(value: object) -> object:
    return "" if value is None else value


def figures(name: str, journeys: Sequence[Journey], diaries: Sequence[Record], *,
            supervision_attended: int | None = None) -> Figures:
    sessions = [d for d in diaries if d.fields.get("contact_type") not in NOT_A_SESSION]
    return Figures(
        name=name,
        people=len(journeys),
        sessions=len(sessions),
        did_not_meet=len(diaries) - len(sessions),
        components={key: sum(1 for j in journeys if test(j)) for key, _, test in COMPONENTS},
        domains={d.id: sum(1 for s in sessions if d.evidenced_by(s)) for d in domains()},
        days_to_first_post_discharge=tuple(
            sorted(n for j in journeys if (n := j.days_to_first_post_discharge) is not None)),
        supervision_attended=supervision_attended,
    )


def report(records: Sequence[Record], *, period: Period = Period(),
           authors: Mapping[str, str] | None = None, peer_id: str | None = None,
           supervision: Mapping[str, int] | None = None) -> Report:
    """People count in a period when they had a diary entry in it; each person's journey is
    read from everything up to the end of the period (a first ward contact often comes before).
    Sessions and domain evidence count the diary entries inside the period."""
    authors = authors or {}
    live = [r for r in records if not r.deleted]
    upto = [r for r in live if r.kind is not Kind.DIARY
            or (r.fields.get("when") and period.until(str(r.fields["when"])))]
    diaries = [r for r in live if r.kind is Kind.DIARY and r.person_id and r.fields.get("when")
               and period.holds(str(r.fields["when"]))
               and (peer_id is None or r.author_id == peer_id)]
    people = {r.id: r for r in live if r.kind is Kind.PERSON}
    active = sorted({(d.author_id, str(d.person_id)) for d in diaries})
    journeys = {pid: build(pid, upto, person=people.get(pid), author_id=author)
                for author, pid in active}
    by_peer: dict[str, list[str]] = {}
    for author, pid in active:
        by_peer.setdefault(author, []).append(pid)
    supervision = supervision or {}
    peers = tuple(
        figures(authors.get(author, "Unknown peer"), [journeys[p] for p in pids],
                [d for d in diaries if d.author_id == author],
                supervision_attended=supervision.get(author))
        for author, pids in sorted(by_peer.items(), key=lambda a: authors.get(a[0], a[0])))
    team = figures("Team", list(journeys.values()), diaries,
                   supervision_attended=sum(supervision.values()) if supervision else None)
    return Report(period, team, peers,
                  basis=f"{len(diaries)} diary entries about {len(journeys)} people, from "
                        f"what you can read on this computer")


def for_desk(desk: Desk, *, period: Period = Period(), peer: str | None = None) -> Report:
    """The report over what the signed-in user can read; ``peer`` (a name) narrows it to one
    peer's own work."""
    accounts = desk.vault.accounts()
    authors = {a.id: a.name for a in accounts}
    peer_id = None
    if peer is not None:
        match = [a.id for a in accounts if peer in (a.name, a.id)]
        if not match:
            raise InvalidInput(f"There is no account called {peer!r} on this computer.")
        peer_id = match[0]
    from peerdesk.services.supervision import attendance

    records = desk.records()
    return report(expand(records, desk.user.id), period=period, authors=authors,
                  peer_id=peer_id, supervision=attendance(records, authors) or None)


# -- figures for the coordinator ----------------------------------------------------------
# A coordinator reads only what peers chose to share, so a team report from her computer
# would count almost nothing. Each peer therefore sends, per person, a summary made only of
# dates, list choices and yes/no marks: no name, no label, no free text. It is a record about
# the person (so erasing the person erases it everywhere), readable by the coordinators.

SUMMARY_TEXT = "✓"  # stands for "something was written here"
_DIARY_TEXT = ("ending", "strengths", "signposting", "lived_experience")
_PERSON_FACTS = ("planned_discharge", "discharged_on", "discharge_meeting", "plans_offered",
                 "plans_declined", "planned_end", "ended_on")


def summarise(person: Record, about: Sequence[Record]) -> dict[str, Any]:
    """``about``: the records about this person (others are ignored)."""
    facts = {k: person.fields[k] for k in _PERSON_FACTS if person.fields.get(k)}
    if person.fields.get("transition_summary"):
        facts["transition_summary"] = SUMMARY_TEXT
    about = [r for r in about if r.person_id == person.id and not r.deleted]
    sessions = []
    for d in sorted((r for r in about if r.kind is Kind.DIARY and r.fields.get("when")),
                    key=lambda r: str(r.fields["when"])):
        f = d.fields
        entry: dict[str, Any] = {"when": str(f["when"])[:10]}
        for key in ("contact_type", "peer_brought", "mechanisms", "resources"):
            if f.get(key):
                entry[key] = f[key]
        entry |= {k: SUMMARY_TEXT for k in _DIARY_TEXT if f.get(k)}
        sessions.append(entry)
    plans = sorted({r.kind.value for r in about if r.kind in PLAN_KINDS})
    return {"v": 1, "facts": facts, "sessions": sessions, "plans": plans}


def publish(desk: Desk, records: Sequence[Record] | None = None) -> int:
    """Save or refresh the summary of each person this peer supports, readable by every
    coordinator; only what changed is written. ``records``: what was already decrypted (the
    app passes what it loaded at unlock). Returns how many summaries changed."""
    from peerdesk.domain import Role

    coordinators = {a.id for a in desk.vault.accounts()
                    if a.role is Role.COORDINATOR and a.active}
    mine = [r for r in (desk.records() if records is None else records)
            if r.author_id == desk.user.id]
    by_person: dict[str | None, list[Record]] = {}
    for r in mine:
        by_person.setdefault(r.person_id, []).append(r)
    existing = {r.person_id: r for r in mine if r.kind is Kind.SUMMARY and not r.deleted}
    readers = desk.shared_by_me()
    changed = 0
    subjects: list[tuple[str | None, dict[str, Any]]] = [
        (p.id, summarise(p, by_person.get(p.id, [])))
        for p in mine if p.kind is Kind.PERSON and not p.deleted]
    requests = summarise_requests(mine)
    if requests["requests"] or None in existing:
        subjects.append((None, requests))  # about no person: the team's own figures
    for person_id, summary in subjects:
        data = json.dumps(summary, sort_keys=True, ensure_ascii=False)
        old = existing.get(person_id)
        missing = coordinators - set(readers.get(old.id, ())) if old is not None else coordinators
        if old is not None and old.fields.get("data") == data and not missing:
            continue
        me = desk.actor()
        with me.transaction() as conn:  # the summary and who reads it, together
            if old is None:
                saved = saving.add_in(me, conn, Kind.SUMMARY, {"data": data},
                                      person_id=person_id)
            elif old.fields.get("data") != data:
                saved = saving.update_in(me, conn, old.id, {"data": data})
            else:
                saved = old
            changed += saved is not old
            for coordinator in sorted(missing):
                sharing.give(me, conn, saved.id, coordinator)
    return changed


# -- requests to do non-peer tasks, per ward ------------------------------------------------
# "In but not of" the system: ward teams unsure what peers are for ask them to do staff work.
# The coordinator sees how often, per ward, for conversations with ward managers: each peer
# sends the month, the ward's name and the kinds of task from her reflections, nothing else.

NON_PEER_TASKS = "non_peer_tasks"
MAX_WARD = 80


def ward_name(text: object) -> str:
    """One spelling per ward: spaces tidied, at most MAX_WARD characters."""
    return " ".join(str(text or "").split())[:MAX_WARD]


def summarise_requests(records: Sequence[Record]) -> dict[str, Any]:
    out = []
    for r in records:
        f = r.fields
        if (r.kind is Kind.REFLECTION and not r.deleted and f.get("boundary_area") == NON_PEER_TASKS
                and f.get("when")):
            out.append({"month": str(f["when"])[:7], "ward": ward_name(f.get("ward")),
                        "asked": sorted(f.get("asked_to_do") or [])})
    out.sort(key=lambda e: (e["month"], e["ward"], e["asked"]))
    return {"v": 1, "requests": out}


@dataclass(frozen=True)
class WardRequests:
    ward: str  # "" when the peer did not say
    count: int
    asked: Mapping[str, int]  # task id -> how many requests included it


def requests_by_ward(records: Sequence[Record], me: str, *,
                     period: Period = Period()) -> list[WardRequests]:
    """The team's requests per ward, most first: from one's own reflections and from the
    other peers' summaries. Wards are grouped whatever their capitals."""
    entries = list(summarise_requests([r for r in records if r.author_id == me])["requests"])
    for s in records:
        if s.kind is Kind.SUMMARY and not s.person_id and not s.deleted and s.author_id != me:
            try:
                data = json.loads(str(s.fields.get("data", "{}")))
                entries += [e for e in data.get("requests", ()) if isinstance(e, dict)]
            except (ValueError, AttributeError):
                continue  # a summary that is not ours to read: counted as nothing
    wards: dict[str, list[dict[str, Any]]] = {}
    spelling: dict[str, str] = {}
    for e in entries:
        month = str(e.get("month", ""))
        if not period_holds_month(period, month):
            continue
        name = ward_name(e.get("ward"))
        key = name.casefold()
        spelling.setdefault(key, name)
        wards.setdefault(key, []).append(e)
    out = []
    for key, found in wards.items():
        asked: dict[str, int] = {}
        for e in found:
            for task in set(e.get("asked") or ()):
                asked[str(task)] = asked.get(str(task), 0) + 1
        out.append(WardRequests(spelling[key], len(found), asked))
    return sorted(out, key=lambda w: (-w.count, w.ward == "", w.ward.casefold()))


def period_holds_month(period: Period, month: str) -> bool:
    """A month counts when any of its days is inside the period."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        return False
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return ((period.start is None or last >= period.start)
            and (period.end is None or first <= period.end))


def expand(records: Sequence[Record], me: str) -> list[Record]:
    """The records a report counts: one's own as they are; for other peers, the stand-ins
    rebuilt from their summaries (their shared diaries would count twice, so are left out)."""
    from dataclasses import replace

    summarised = {r.author_id for r in records if r.kind is Kind.SUMMARY and r.author_id != me}
    out = [r for r in records if r.kind is not Kind.SUMMARY
           and (r.author_id == me or r.author_id not in summarised)]
    for s in records:
        if s.kind is not Kind.SUMMARY or s.author_id == me or s.deleted or not s.person_id:
            continue
        data = json.loads(str(s.fields.get("data", "{}")))
        base = replace(s, kind=Kind.PERSON, id=s.person_id, person_id=None,
                       fields=dict(data.get("facts", {})))
        out.append(base)
        for i, entry in enumerate(data.get("sessions", ())):
            out.append(replace(s, kind=Kind.DIARY, id=f"{s.id}/{i}",
                               fields=dict(entry) | {"when": f"{entry['when']}T00:00"}))
        for kind in data.get("plans", ()):
            out.append(replace(s, kind=Kind(kind), id=f"{s.id}/{kind}", fields={}))
    return out


def sessions_by_month(records: Sequence[Record], period: Period = Period()) -> list[tuple[str, int]]:
    """Contacts over time: sessions (not "we didn't meet") per month within the period."""
    months: dict[str, int] = {}
    for d in records:
        when = str(d.fields.get("when") or "")
        if (d.kind is Kind.DIARY and not d.deleted and when and period.holds(when)
                and d.fields.get("contact_type") not in NOT_A_SESSION):
            months[when[:7]] = months.get(when[:7], 0) + 1
    return sorted(months.items())
