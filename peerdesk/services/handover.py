"""Continuity of support: a person's support handed over to another peer, shared between
peers, or covered while a peer is away, each with the person's agreement.

One arrangement is one record (``Kind.HANDOVER``), written by the peer who supports the person,
kept with the person (erased with them) and given to the other peer only: it says who agreed
in the person's words, which may name them, and coordinators see no names. The
person's agreement is recorded twice: on the arrangement (who agreed, how, when, what moves) and
on the consent ledger of each of their plans (the new peer, from the day they agreed), so the
person's own copies name the new peer from the next version.

What moves are keys, never authorship. The old peer's computer wraps the key of every version
of the person record, of each plan and (only if the person agreed) of each session diary about
them for the new peer, and makes her a reader of new versions; each wrap goes to the share as a
version in a section sealed for her. The records stay the old peer's: their versions keep her
name. The new peer continues a plan in a record of her own (``continue_plan``), which names the
plan it continues, so her versions are hers. Reflections, wellbeing check-ins, staying-well plans
and private fields are never about a person, or sealed for their author alone: none can move.

A reader of the person record supports them (``records.create`` lets her write about them), so
one person has one id however many peers support them. Cover and shared support end by
themselves: after the last day the old peer's computer switches the reader off, and the covering
peer can no longer write about the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from peerdesk import audit, dates
from peerdesk.crypto.payload import rewrapper
from peerdesk.domain import PLAN_KINDS, Kind, Record, Role
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services import consent, erasure, saving, sharing
from peerdesk.services.actor import Actor
from peerdesk.services.desk import Desk
from peerdesk.store import records
from peerdesk.store.models import AccountRow, AuditRow
from peerdesk.sync import certs

HANDOVER, JOINT, COVER = "handover", "joint", "cover"
ARRANGEMENTS = (HANDOVER, JOINT, COVER)
PERSON, PLANS, JOURNEY, DIARIES = "person", "plans", "journey", "diaries"
ROLE = "peer_worker"  # the consent ledger's role for a peer support worker in the team


@dataclass(frozen=True)
class Arrangement:
    """One handover, shared support or cover, as its record says."""

    id: str
    author_id: str
    person_id: str
    arrangement: str
    from_id: str
    to_id: str
    from_name: str
    to_name: str
    agreed_by: str
    agreed_on: date
    moves: frozenset[str]
    starts: date
    ends: date | None

    @classmethod
    def of(cls, record: Record) -> Arrangement:
        f = record.fields
        ends = f.get("ends")
        return cls(record.id, record.author_id, str(f["person"]), str(f["arrangement"]),
                   str(f["from_account"]), str(f["to_account"]), str(f["from_peer"]),
                   str(f["to_peer"]), str(f["agreed_by"]), date.fromisoformat(f["agreed_on"]),
                   frozenset(f.get("moves") or ()), date.fromisoformat(f["starts"]),
                   date.fromisoformat(ends) if ends else None)

    def running(self, on: date) -> bool:
        return self.starts <= on and (self.ends is None or on <= self.ends)

    def ended(self, on: date) -> bool:
        return self.ends is not None and self.ends < on

    def kinds(self) -> frozenset[Kind]:
        return moving_kinds(self.moves)

    def sentence(self, me: str) -> str:
        """A line for the person's entry in lists, from ``me``'s point of view."""
        since = dates.day(self.starts)
        until = f" until {dates.day(self.ends)}" if self.ends else ""
        if self.arrangement == COVER:
            if me == self.from_id:
                return f"{self.to_name} covers for you{until}"
            return f"You cover for {self.from_name}{until}"
        if self.arrangement == JOINT:
            other = self.to_name if me == self.from_id else self.from_name
            return f"Supported together with {other} since {since}{until}"
        if me == self.from_id:
            return f"Handed over to {self.to_name} on {since}"
        return f"Handed over from {self.from_name} on {since}"


def moving_kinds(moves: Iterable[str]) -> frozenset[Kind]:
    """What the person agreed may move, as record kinds (the journey is read from the
    person record, their diaries and plans: it moves with the person record)."""
    moves = set(moves)
    out = {Kind.PERSON}
    if PLANS in moves:
        out |= PLAN_KINDS
    if DIARIES in moves:
        out.add(Kind.DIARY)
    return frozenset(out)


def moves_for(*, diaries: bool) -> list[str]:
    """What a handover moves: the person record, journey and plans, and the diaries if the
    person agreed."""
    return [PERSON, JOURNEY, PLANS] + ([DIARIES] if diaries else [])


def arrangements(records_: Iterable[Record]) -> list[Arrangement]:
    out = []
    for r in records_:
        if r.kind is Kind.HANDOVER and not r.deleted:
            try:
                plan = Arrangement.of(r)
            except (KeyError, TypeError, ValueError):
                continue  # a damaged arrangement moves nothing
            # Only the peer who supports the person arranges: one that names someone else as
            # "from", or another record as the person, is not an arrangement.
            if plan.from_id == r.author_id and r.person_id in (None, plan.person_id) \
                    and plan.arrangement in ARRANGEMENTS:
                out.append(plan)
    return sorted(out, key=lambda a: (a.starts, a.agreed_on))


def hand_over(desk: Desk, person_id: str, to: str, *, agreed_by: str,
              agreed_on: date | None = None, arrangement: str = HANDOVER,
              diaries: bool = False, ends: date | None = None, note: str = "",
              today: date | None = None) -> Record:
    """The person agreed that ``to`` (another peer) takes on their support (``handover``),
    shares it (``joint``) or covers it until ``ends`` (``cover``). One step: the arrangement,
    the agreement on each plan's consent ledger, the keys for the new peer and the audit entry
    commit together. Only the peer who registered the person can do it: her keys are the ones
    that open what moves."""
    today = today or dates.today(desk.vault.clock())
    agreed_on = agreed_on or today
    check(arrangement, agreed_by, agreed_on, ends, today)
    if desk.user.role is not Role.PEER:
        raise NotAllowed("A person's support is handed over by the peer who supports them.")
    target = desk.vault.account(to)
    if target.id == desk.user.id:
        raise InvalidInput("Choose another peer: you already support this person.")
    if target.role is not Role.PEER or not target.active:
        raise InvalidInput(f"{target.name} cannot take on someone's support: support moves to "
                           "another peer support worker whose account is active.")
    if arrangement != COVER and _leaving(desk, target.id):
        raise InvalidInput(f"{target.name} is leaving the team: hand their support to a peer "
                           "who is staying (she can still cover until her last day).")
    moves = moves_for(diaries=diaries)
    me = desk.actor()
    with me.transaction() as conn:
        person = me.own(conn, person_id, expect=Kind.PERSON)
        if target.id in records.readers(conn, person.id):
            raise InvalidInput(f"{target.name} already supports this person.")
        saved = saving.add_in(me, conn, Kind.HANDOVER, {
            "person": person.id, "arrangement": arrangement,
            "from_peer": desk.user.name, "to_peer": target.name,
            "from_account": desk.user.id, "to_account": target.id,
            "agreed_by": agreed_by.strip(), "agreed_on": agreed_on.isoformat(),
            "moves": moves, "starts": today.isoformat(),
            "ends": ends.isoformat() if ends else None, "note": note}, person_id=person.id)
        sharing.give(me, conn, saved.id, target.id)
        plan = Arrangement.of(saved)
        for plan_id in _mine_about(conn, me, person.id, PLAN_KINDS):
            consent.add_in(me, conn, plan_id, recipient=target.name, role=ROLE,
                           purpose=_purpose(plan, agreed_by.strip()), given_on=agreed_on,
                           expires_on=ends)
        carried = _carry(me, conn, plan)
        me.audit(conn, audit.HANDOVER, person.id,
                 f"arrangement={arrangement} to={target.id} record={saved.id} "
                 f"moves={','.join(moves)} records={carried}")
    return saved


def _leaving(desk: Desk, account_id: str) -> bool:
    """Whether an administrator marked her as leaving (her signed certificate says so)."""
    with desk.vault.store.begin() as conn:
        found = certs.standings(conn).get(account_id)
    return found is not None and found.last_day is not None


def check(arrangement: str, agreed_by: str, agreed_on: date, ends: date | None,
           today: date) -> None:
    if arrangement not in ARRANGEMENTS:
        raise InvalidInput("Choose a handover, support together, or cover.")
    if not agreed_by.strip():
        raise InvalidInput("Say who agreed, and how: the person's support moves only with "
                           "their agreement.")
    if agreed_on > today:
        raise InvalidInput("The person's agreement cannot be dated after today.")
    if arrangement == COVER and ends is None:
        raise InvalidInput("Cover needs a last day: it ends by itself after it.")
    if ends is not None and ends < today:
        raise InvalidInput("The last day cannot be before today.")


def _purpose(plan: Arrangement, agreed_by: str) -> str:
    what = {HANDOVER: f"My peer support moved from {plan.from_name} to {plan.to_name}",
            JOINT: f"{plan.to_name} supports me together with {plan.from_name}",
            COVER: f"{plan.to_name} covers for {plan.from_name}"}[plan.arrangement]
    return f"{what} (agreed: {agreed_by})"


def _mine_about(conn: Connection, me: Actor, person_id: str,
                kinds: Iterable[Kind]) -> list[str]:
    """The live records of this user about one person (the person record too), of some
    kinds."""
    return records.live_about(conn, person_id, me.user.id, [k.value for k in kinds])


def _carry(me: Actor, conn: Connection, plan: Arrangement, *, reader_id: str | None = None,
           kinds: frozenset[Kind] | None = None) -> int:
    """Give ``reader_id`` (the new peer) the key of every version of each of this user's
    records about the person that may move, and make her a reader of new ones; each key goes
    to the share as the version, in a section for her. Idempotent. Returns how many records
    she reads."""
    reader_id = reader_id or plan.to_id
    public = conn.scalar(select(AccountRow.receive_public).where(AccountRow.id == reader_id))
    if public is None:
        raise NotFound("That peer's account is not on this computer yet: sync, then try again.")
    ids = _mine_about(conn, me, plan.person_id, kinds or plan.kinds())
    already = records.read_by(conn, ids, reader_id)
    for rid in ids:
        if rid not in already:
            now = me.now()
            records.switch_reader(conn, rid, reader_id, on=True,
                                  hlc=records.tick(conn, now=now, device_id=me.device_id),
                                  since=now, queue_for=me.user.id)
            me.audit(conn, audit.SHARE, rid, f"with={reader_id} handover={plan.id}")
    # Only the keys she lacks: at every sign-in this is one query when nothing is new.
    for rid, number, vid in records.keys_to_give(conn, ids, me.user.id, reader_id):
        records.give_key(conn, rid, number, vid, owner_id=me.user.id, reader_id=reader_id,
                         rewrap=rewrapper(me.keys, me.user.id, rid, vid, reader_id, public))
    return len(ids)


def _stop(me: Actor, conn: Connection, plan: Arrangement, reader_id: str) -> int:
    """The arrangement ended: ``reader_id`` receives no new version of this user's records
    about the person (what she could read stays readable to her, as with any unsharing)."""
    stopped = 0
    for rid in records.about(conn, plan.person_id, author_id=me.user.id):
        row = records.state(conn, rid)
        if row is None or row.kind == Kind.HANDOVER.value:
            continue  # the arrangement itself stays readable to both: it says what was agreed
        if records.is_reader(conn, rid, reader_id):
            now = me.now()
            records.switch_reader(conn, rid, reader_id, on=False,
                                  hlc=records.tick(conn, now=now, device_id=me.device_id),
                                  since=now, queue_for=me.user.id)
            me.audit(conn, audit.UNSHARE, rid, f"with={reader_id} handover={plan.id} ended")
            stopped += 1
    return stopped


@dataclass(frozen=True)
class Applied:
    carried: int = 0  # arrangements whose records were brought up to date for the other peer
    ended: int = 0  # arrangements that ended by themselves here
    received: int = 0  # arrangements for this user seen here for the first time
    erased: int = 0  # records erased here because the person withdrew through another supporter


def apply(desk: Desk, records_: Sequence[Record] | None = None, *,
          today: date | None = None) -> Applied:
    """At sign-in on a peer's computer: what this user's arrangements ask of it. As the old
    peer: new versions and records (a diary written since, when diaries move) reach the new
    peer while the arrangement runs, and stop when a cover or shared support has ended. As the
    new peer: support shared or covered goes back to the old peer too (her records about the
    person), and an arrangement seen for the first time is audited here."""
    if desk.user.role is not Role.PEER:
        return Applied()
    today = today or dates.today(desk.vault.clock())
    # A person who withdrew through another of their supporters: erased here too.
    followed = erasure.follow(desk.actor())
    if followed:
        records_ = None  # what was read before is gone
    found = arrangements(desk.records(Kind.HANDOVER) if records_ is None
                         else [r for r in records_ if r.kind is Kind.HANDOVER])
    mine = desk.user.id
    carried = ended = received = 0
    me = desk.actor()
    with me.transaction() as conn:
        for plan in found:
            if plan.from_id == mine and plan.author_id == mine:
                if plan.running(today):
                    _carry(me, conn, plan)
                    carried += 1
                elif plan.ended(today) and plan.arrangement != HANDOVER:
                    ended += _stop(me, conn, plan, plan.to_id) > 0
            elif plan.to_id == mine and _genuine(conn, plan):
                got, back = _as_new_peer(me, conn, plan, today)
                received, carried = received + got, carried + back
    return Applied(carried, ended, received, followed)


def _as_new_peer(me: Actor, conn: Connection, plan: Arrangement, today: date) -> tuple[int, int]:
    """On the computer of the peer an arrangement is for: audited the first time it is seen;
    while shared support or cover runs, what she writes about the person reaches the peer she
    works with (cover: all of it, since that peer carries on afterwards). Returns (seen for the
    first time, carried back), each 0 or 1."""
    received = carried = 0
    if not _noted(conn, me.user.id, plan.id):
        me.audit(conn, audit.HANDOVER_RECEIVED, plan.person_id,
                 f"arrangement={plan.arrangement} from={plan.from_id} record={plan.id}")
        received = 1
    if plan.arrangement != HANDOVER and plan.running(today):
        back = PLAN_KINDS | {Kind.DIARY} if plan.arrangement == COVER else \
            plan.kinds() - {Kind.PERSON}
        _carry(me, conn, plan, reader_id=plan.from_id, kinds=frozenset(back))
        carried = 1
    return received, carried


def end(desk: Desk, arrangement_id: str, *, today: date | None = None) -> Applied:
    """End shared support or cover early, by the peer who arranged it: it ended yesterday, and
    the other peer receives no new version from now (the same as when it ends by itself)."""
    today = today or dates.today(desk.vault.clock())
    record = desk.get(arrangement_id)
    if record.kind is not Kind.HANDOVER:
        raise InvalidInput("That id is not a handover, shared support or cover.")
    plan = Arrangement.of(record)
    if plan.arrangement == HANDOVER:
        raise InvalidInput("A handover does not end: the person's support is the other peer's "
                           "now. To take it back, the other peer hands it over with the "
                           "person's agreement.")
    if plan.ended(today):
        raise InvalidInput("This has already ended.")
    # Ended yesterday (before the day it started, if that was today: it never ran since).
    yesterday = date.fromordinal(today.toordinal() - 1)
    desk.update(arrangement_id, dict(record.fields) | {"ends": yesterday.isoformat()})
    return apply(desk, today=today)


def _genuine(conn: Connection, plan: Arrangement) -> bool:
    """An arrangement for this user holds only if its author registered the person: a record
    that claims to hand over someone else's person (say one of this user's own) moves
    nothing of hers to its writer."""
    person = records.state(conn, plan.person_id)
    return (person is not None and person.kind == Kind.PERSON.value
            and person.author_id == plan.author_id)


def _noted(conn: Connection, user_id: str, record_id: str) -> bool:
    a = AuditRow.__table__.c
    return conn.scalar(select(a.seq).where(
        a.action == audit.HANDOVER_RECEIVED, a.actor_id == user_id,
        a.detail.contains(f"record={record_id}")).limit(1)) is not None


def continue_plan(desk: Desk, plan_id: str) -> Record:
    """The new peer carries on a plan handed over to her: a plan of her own about the same
    person, starting from the words of the one she continues (which stays its author's, with
    its history). Her later versions are hers. If she already continues it, that plan."""
    plan = desk.get(plan_id)
    if plan.kind not in PLAN_KINDS:
        raise InvalidInput("Only a plan is continued this way: a discharge, crisis or "
                           "recovery plan.")
    if plan.author_id == desk.user.id:
        raise InvalidInput("This plan is already yours: change it as it is.")
    mine = [r for r in desk.records(plan.kind, person_id=plan.person_id)
            if r.author_id == desk.user.id and r.fields.get("continues") == plan.id]
    if mine:
        return mine[0]
    fields = {k: v for k, v in plan.fields.items() if k != "continues"} | {"continues": plan.id}
    return desk.add(plan.kind, fields, person_id=plan.person_id)


def current(records_: Sequence[Record]) -> list[Record]:
    """Leave out plans another readable plan continues: a person's plan is shown once, as the
    peer who supports them now keeps it."""
    continued = {str(r.fields.get("continues")) for r in records_
                 if r.kind in PLAN_KINDS and r.fields.get("continues")}
    return [r for r in records_ if r.id not in continued]


def lineage(desk: Desk, plan_id: str) -> list[Record]:
    """Every version of a plan that can be read here, the plans it continues first (oldest
    first): the plan and its history as the person would tell it."""
    chain: list[Record] = []
    seen: set[str] = set()
    current_id: str | None = plan_id
    while current_id and current_id not in seen:
        seen.add(current_id)
        versions = desk.history(current_id)
        chain = versions + chain
        newest = next((v for v in reversed(versions) if not v.deleted), None)
        current_id = str(newest.fields.get("continues") or "") if newest else None
    return chain


def running(desk: Desk, records_: Sequence[Record] | None = None, *,
            today: date | None = None) -> dict[str, Arrangement]:
    """Per person id, what is arranged for their support now that concerns this user (the
    newest, where there are several)."""
    today = today or dates.today(desk.vault.clock())
    out: dict[str, Arrangement] = {}
    found = arrangements(desk.records(Kind.HANDOVER) if records_ is None
                         else [r for r in records_ if r.kind is Kind.HANDOVER])
    with desk.vault.store.begin() as conn:
        for plan in found:
            if desk.user.id in (plan.from_id, plan.to_id) and not plan.ended(today) \
                    and _genuine(conn, plan):
                out[plan.person_id] = plan
    return out


def status(desk: Desk, records_: Sequence[Record] | None = None, *,
           today: date | None = None) -> dict[str, str]:
    """Per person id, what is arranged now, from this user's point of view."""
    return {person: plan.sentence(desk.user.id)
            for person, plan in running(desk, records_, today=today).items()}


def endable(plan: Arrangement, user_id: str) -> bool:
    """Whether ``user_id`` can end this arrangement early (shared support or cover she
    arranged)."""
    return plan.author_id == user_id and plan.arrangement != HANDOVER


def supporters(desk: Desk, person_id: str, *, today: date | None = None) -> list[str]:
    """Who supports a person now, as this computer knows: the peer who registered them (unless
    she handed their support over) and every peer their support was handed or shared with."""
    today = today or dates.today(desk.vault.clock())
    with desk.vault.store.begin() as conn:
        row = records.state(conn, person_id)
        if row is None or row.kind != Kind.PERSON.value or row.erased_at is not None:
            raise NotFound("There is no such person on this computer.")
        ids = [row.author_id, *records.readers(conn, person_id)]
    handed = {p.from_id for p in arrangements(desk.records(Kind.HANDOVER, person_id=person_id))
              if p.arrangement == HANDOVER and p.person_id == person_id and p.running(today)}
    accounts = desk.vault.accounts()
    names = {a.id: a.name for a in accounts}
    handed |= {a.id for a in accounts if a.status == "removed"}  # a leaver supports no one
    return [names.get(i, "someone no longer on this computer") for i in ids if i not in handed]
