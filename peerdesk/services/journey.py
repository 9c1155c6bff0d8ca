"""A person's support journey, read from the diaries and plans the peer already writes.

Only what a diary cannot say is kept on the person record (ward, discharge dates, whether the
person invited the peer to their discharge meeting, plans offered or declined, the end and the
transition summary); everything else is derived here, so no fact is asked for twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from peerdesk.domain import PLAN_KINDS, Kind, Record

# Contacts where the peer and the person did not meet are not sessions.
NOT_A_SESSION = frozenset({"did_not_meet"})
ENGAGED_SESSIONS = 2  # ENRICH: fewer readmissions among people with two or more sessions


class PlanUse:
    USED = "used"
    OFFERED = "offered"
    DECLINED = "declined"
    NOT_OFFERED = "not offered"


@dataclass(frozen=True)
class Step:
    """One line of the journey as shown: what, when (ISO date or ''), and where it came from."""

    label: str
    when: str
    source: str  # "diary", "plan", "person record" or "" when not yet known


@dataclass(frozen=True)
class Journey:
    person_id: str
    author_id: str
    first_ward_contact: str | None
    admission_ward: str
    planned_discharge: str | None
    discharged_on: str | None
    # "invited", "not_invited", "no_meeting", or None when nobody has said.
    discharge_meeting: str | None
    discharge_meeting_attended: str | None
    plans: dict[str, str]  # plan kind -> PlanUse
    ending_discussed: str | None
    ending_discussed_at_first_meeting: bool
    strengths_noted: bool
    signposted: bool
    accompanied: bool
    first_post_discharge: str | None
    sessions: int
    did_not_meet: int
    planned_end: str | None
    ended_on: str | None
    transition_summary: str
    last_contact: str | None

    @property
    def engaged(self) -> bool:
        return self.sessions >= ENGAGED_SESSIONS

    @property
    def met_on_ward_before_discharge(self) -> bool:
        if self.first_ward_contact is None:
            return False
        return self.discharged_on is None or self.first_ward_contact <= self.discharged_on

    @property
    def days_to_first_post_discharge(self) -> int | None:
        if self.discharged_on is None or self.first_post_discharge is None:
            return None
        return (date.fromisoformat(self.first_post_discharge)
                - date.fromisoformat(self.discharged_on)).days

    def steps(self) -> list[Step]:
        """The journey in the order it tends to happen, for the People page."""
        meeting = {"invited": "invited by the person", "not_invited": "the person chose not "
                   "to invite me", "no_meeting": "no meeting"}.get(self.discharge_meeting or "",
                                                               "")
        if self.discharge_meeting_attended:
            meeting = (meeting + "; " if meeting else "") + "went"
        plans = ", ".join(f"{Kind(k).label.lower()}: {use}" for k, use in self.plans.items())
        ended = self.ended_on or (f"planned for {self.planned_end}" if self.planned_end else "")
        sessions = f"{self.sessions} session{'' if self.sessions == 1 else 's'}"
        if self.did_not_meet:
            sessions += f" (and {self.did_not_meet} time{'' if self.did_not_meet == 1 else 's'}"
            sessions += " we didn't meet)"
        return [
            Step("First contact on the ward", self.first_ward_contact or "",
                 "diary" if self.first_ward_contact else ""),
            Step("Ward during the admission", self.admission_ward,
                 "person record" if self.admission_ward else ""),
            Step("Planned discharge", self.planned_discharge or "",
                 "person record" if self.planned_discharge else ""),
            Step("Discharge or care-planning meeting"
                 + (f" ({meeting})" if meeting else ""), self.discharge_meeting_attended or "",
                 "diary" if self.discharge_meeting_attended else
                 "person record" if self.discharge_meeting else ""),
            Step(f"Plans: {plans}", "", "plan"),
            Step("Ending first talked about"
                 + (" (at the first meeting)" if self.ending_discussed_at_first_meeting else ""),
                 self.ending_discussed or "", "diary" if self.ending_discussed else ""),
            Step("Discharged", self.discharged_on or "",
                 "person record" if self.discharged_on else ""),
            Step("First meeting after discharge"
                 + (f" ({self.days_to_first_post_discharge} days after discharge)"
                    if self.days_to_first_post_discharge is not None else ""),
                 self.first_post_discharge or "", "diary" if self.first_post_discharge else ""),
            Step(f"Contacts so far: {sessions}", self.last_contact or "",
                 "diary" if self.sessions or self.did_not_meet else ""),
            Step("End of peer support", ended,
                 "person record" if ended else ""),
            Step("Transition summary" + (f": {self.transition_summary}"
                                         if self.transition_summary else ""), "",
                 "person record" if self.transition_summary else ""),
        ]


def _day(value: object) -> str:
    return str(value)[:10]


def _first(dates: Iterable[str]) -> str | None:
    return min(dates, default=None)


def build(person_id: str, records: Sequence[Record], *, person: Record | None = None,
          author_id: str | None = None) -> Journey:
    """The journey of one person from the records this user can read about them. ``person``
    may be missing (a coordinator reads shared diaries, never the person record): the facts
    that live only there are then unknown, not false."""
    about = [r for r in records if r.person_id == person_id and not r.deleted]
    diaries = sorted((r for r in about if r.kind is Kind.DIARY and r.fields.get("when")),
                     key=lambda r: str(r.fields["when"]))
    facts = dict(person.fields) if person is not None else {}

    def dated(contact_type: str) -> list[str]:
        return [_day(d.fields["when"]) for d in diaries
                if d.fields.get("contact_type") == contact_type]

    sessions = [d for d in diaries if d.fields.get("contact_type") not in NOT_A_SESSION]
    first_session = _day(sessions[0].fields["when"]) if sessions else None
    ending_dates = [_day(d.fields["when"]) for d in sessions
                    if d.fields.get("ending") or d.fields.get("contact_type") == "ending"]
    ending = _first(ending_dates)
    used = {r.kind.value for r in about if r.kind in PLAN_KINDS}
    offered = set(facts.get("plans_offered", ())) | used
    declined = set(facts.get("plans_declined", ()))
    plans = {}
    for kind in (Kind.DISCHARGE_PLAN, Kind.CRISIS_PLAN, Kind.RECOVERY_PLAN):
        k = kind.value
        plans[k] = (PlanUse.USED if k in used else PlanUse.DECLINED if k in declined
                    else PlanUse.OFFERED if k in offered else PlanUse.NOT_OFFERED)
    return Journey(
        person_id=person_id,
        author_id=author_id or (person.author_id if person else
                                diaries[0].author_id if diaries else ""),
        first_ward_contact=_first(dated("first_ward_contact")),
        admission_ward=str(facts.get("admission_ward", "")),
        planned_discharge=facts.get("planned_discharge"),
        discharged_on=facts.get("discharged_on"),
        discharge_meeting=facts.get("discharge_meeting"),
        discharge_meeting_attended=_first(dated("discharge_meeting")),
        plans=plans,
        ending_discussed=ending,
        ending_discussed_at_first_meeting=ending is not None and ending == first_session,
        strengths_noted=any(d.fields.get("strengths") for d in sessions),
        signposted=any(d.fields.get("signposting")
                       or d.fields.get("contact_type") in ("signposting", "accompanied")
                       or {"signposting", "accompanying"} & set(d.fields.get("peer_brought", ()))
                       for d in sessions),
        accompanied=any(d.fields.get("contact_type") == "accompanied"
                        or "accompanying" in d.fields.get("peer_brought", ())
                        for d in sessions),
        first_post_discharge=_first(dated("first_post_discharge")),
        sessions=len(sessions),
        did_not_meet=len(diaries) - len(sessions),
        planned_end=facts.get("planned_end"),
        ended_on=facts.get("ended_on"),
        transition_summary=str(facts.get("transition_summary", "")),
        last_contact=_day(sessions[-1].fields["when"]) if sessions else None,
    )


def journeys(records: Sequence[Record]) -> list[Journey]:
    """Every person this user can read something about: by person record where she holds it,
    otherwise by the person ids on diaries (what a coordinator sees)."""
    people = {r.id: r for r in records if r.kind is Kind.PERSON and not r.deleted}
    ids = set(people) | {r.person_id for r in records
                         if r.kind is Kind.DIARY and r.person_id and not r.deleted}
    return [build(pid, records, person=people.get(pid)) for pid in sorted(ids)]
