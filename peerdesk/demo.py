"""A lived-in demo: fictional peers, a coordinator and the people they support, drawn from
how ENRICH-style peer support for discharge runs. Every name here is invented."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput
from peerdesk.paths import DEMO_FILE
from peerdesk.services import Desk, Vault, consent, fidelity, resources, sync
from peerdesk.services.desk import sign_in

SHARE_FOLDER = "team-share"  # inside the demo's data folder: a stand-in for the trust share
TEAM = "Team North (demo)"
ACCOUNTS = [
    ("Amira", "peer", "amira demo passphrase"),
    ("Tom", "peer", "tom demo passphrase"),
    ("Grace", "coordinator", "grace demo passphrase"),
    ("Ida", "admin", "ida demo passphrase"),
]
PEOPLE = {
    "Amira": [("Jo", "she/her"), ("Dev", "he/him"), ("Marguerite", "she/her"), ("Sam", "they/them"),
              ("Kwame", "he/him"), ("Zofia Wójcik-Nguyễn", "she/her")],
    "Tom": [("Ray", "he/him"), ("Precious", "she/her"), ("Alfie", "he/him"), ("Nadia", "she/her"),
            ("Chris", "he/him"), ("Bea", "she/her")],
}

# One support journey, in the order it tends to happen; each step is a diary entry.
JOURNEY: list[dict[str, Any]] = [
    {"setting": "ward", "contact_type": "first_ward_contact",
     "what_happened": "Met {name} on the ward for the first time. Mostly listened; we talked about "
                      "music and the food here rather than why they were admitted.",
     "what_mattered": "Being asked what they like doing, not what is wrong with them.",
     "strengths": "Warm sense of humour; knows a lot about 80s soul music.",
     "peer_brought": ["being_there", "different_lens"], "mechanisms": ["lived_experience"],
     "ending": "Explained peer support lasts about four months after discharge, and we'll plan "
               "the ending together."},
    {"setting": "everyday_activity", "contact_type": "everyday_activity",
     "what_happened": "Walked to the hospital café. {name} said the ward feels loud at night. "
                      "I shared that I found the first nights after my own admission hard too.",
     "what_mattered": "Feeling less alone with it.",
     "strengths": "Noticed what helps them sleep: a radio and a routine.",
     "lived_experience": "Briefly shared how I coped with noise on the ward, to show it passes.",
     "peer_brought": ["lived_experience", "being_there"],
     "mechanisms": ["lived_experience", "love_labour"]},
    {"setting": "meeting", "contact_type": "discharge_meeting",
     "what_happened": "{name} invited me to the discharge planning meeting. Helped them say that "
                      "they want to go home, not to a hostel.",
     "what_mattered": "Having their say about where they live.",
     "peer_brought": ["speaking_up"], "mechanisms": ["liminal_position"],
     "follow_up": "Start the discharge plan together on Thursday."},
    {"setting": "ward", "contact_type": "plan_work",
     "what_happened": "Worked on {name}'s discharge plan and crisis plan, in their words.",
     "what_mattered": "Knowing who to call at 3am if things get bad.",
     "peer_brought": ["practical_support"], "mechanisms": ["strengths_support"]},
    {"setting": "home", "contact_type": "first_post_discharge",
     "what_happened": "First meeting at home after discharge. Heating works, food shop done. "
                      "Looked at the resource pack together.",
     "what_mattered": "Getting back to the allotment.",
     "strengths": "Grew vegetables for years; neighbours know them there.",
     "peer_brought": ["practical_support", "signposting"],
     "signposting": "Community allotment group, Tuesdays 10-12.",
     "resources": ["Allotment group"],
     "follow_up": "Go along to the allotment group together next Tuesday."},
    {"setting": "community_activity", "contact_type": "accompanied",
     "what_happened": "Went with {name} to the allotment group. They did most of the talking "
                      "by the end.",
     "what_mattered": "Being useful: showed someone how to plant out leeks.",
     "peer_brought": ["accompanying", "hope"], "mechanisms": ["strengths_support", "helper_role"],
     "signposting": "Allotment group; also mentioned the library's reading group.",
     "resources": ["Allotment group", "Library reading group"]},
    {"setting": "community", "contact_type": "ending",
     "what_happened": "Talked about our last few meetings and who else is in {name}'s corner now.",
     "what_mattered": "Keeping the allotment friends.",
     "peer_brought": ["learned_together"], "mechanisms": ["helper_role"],
     "ending": "Two more meetings; then a goodbye coffee. The allotment group carries on."},
]

REFLECTIONS: list[dict[str, Any]] = [
    {"boundary_area": "sharing_lived_experience",
     "what_happened": "Shared more about my own admission than I meant to.",
     "how_it_felt": "Exposed afterwards, though it helped the conversation.",
     "what_i_did": "Brought it back to what they wanted to talk about.",
     "next_time": "Decide before the meeting what I am willing to share, and why.",
     "bring_to_supervision": True,
     "keeping_myself_well": "Went for a swim after work. Felt better."},
    {"boundary_area": "restrictive_practice",
     "what_happened": "A nurse asked me to help with observations during a busy shift.",
     "how_it_felt": "Torn: I wanted to help the team, but it is not my role.",
     "what_i_did": "Explained calmly that peer workers don't take part in observations.",
     "next_time": "Ask the ward manager to remind the team what the peer role includes.",
     "bring_to_supervision": True},
    {"boundary_area": "contact_outside_role",
     "what_happened": "Someone I support asked for my personal phone number.",
     "how_it_felt": "Flattered and a bit worried.",
     "what_i_did": "Gave the team's number and explained why.",
     "next_time": "Talk about contact arrangements in the first meeting.",
     "bring_to_supervision": False},
    {"boundary_area": "keeping_well",
     "what_happened": "The ward was very tense all week.",
     "how_it_felt": "Tired, and old memories came back.",
     "what_i_did": "Took my breaks off the ward.",
     "next_time": "Use my own wellness plan earlier in the week.",
     "bring_to_supervision": False,
     "keeping_myself_well": "Early nights; called my sister."},
]

WARDS = ["Willow ward", "Cedar ward", "Rowan ward"]

PLAN_TEXT = {
    Kind.DISCHARGE_PLAN: {"goals": "Go home and get back to the allotment.",
                          "home": "Check the boiler, get a food shop in.",
                          "first_peer_meeting": "Tuesday after I leave, at the café by the park.",
                          "community": "Allotment group on Tuesdays; someone to go with me "
                                       "the first time.",
                          "ending": "Peer support ends after about four months; we'll plan it."},
    Kind.CRISIS_PLAN: {"when_well": "Chatty, up early, out in the garden.",
                       "signs": "Not sleeping, not answering the phone, curtains shut all day.",
                       "helps": "Someone sitting with me; a cup of tea; my radio.",
                       "does_not_help": "Lots of questions at once; raised voices.",
                       "contacts": "My sister first. Please not my ex-partner.",
                       "numbers": "Samaritans 116 123; local crisis line."},
    Kind.RECOVERY_PLAN: {"toolbox": "Gardening, soul music, walking the dog next door.",
                         "daily": "Up by eight, breakfast, outside for at least an hour.",
                         "goals": "Volunteer at the allotment shop by the summer."},
}


@dataclass
class DemoSummary:
    accounts: list[dict[str, str]]
    counts: dict[str, int] = field(default_factory=dict)
    share: str | None = None

    def text(self) -> str:
        lines = ["Demo ready. Sign in with:"]
        lines += [f"  {a['name']} ({a['role']}): {a['passphrase']}" for a in self.accounts]
        lines += [f"{n} {k}" for k, n in self.counts.items()]
        if self.share:
            lines.append(f"Team share (a folder standing in for the trust's): {self.share}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"accounts": self.accounts, "counts": self.counts, "share": self.share}


class _StepClock:
    """Lets the demo write entries across past weeks."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def build_demo(vault: Vault, *, force: bool = False, weeks: int = 8,
               with_share: bool = True) -> DemoSummary:
    if vault.accounts() and not force:
        raise InvalidInput("This data folder already has accounts; the demo needs an empty "
                           "folder (or add --force).")
    rng = random.Random(2026)  # noqa: S311 - made-up demo data, the same every time
    vault.set_team(TEAM)
    real_clock = vault.clock
    # Midnight, so entries land in working hours whatever time the demo is built.
    start = (real_clock() - timedelta(weeks=weeks)).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)
    clock = _StepClock(start)
    counts: dict[str, int] = {}
    try:
        vault.clock = clock
        for name, role, passphrase in ACCOUNTS:
            vault.create_account(name, role, passphrase)
        for peer, people in PEOPLE.items():
            passphrase = next(p for n, _, p in ACCOUNTS if n == peer)
            desk = sign_in(vault, peer, passphrase)
            _fill(desk, people, clock, start, weeks, rng, counts)
            fidelity.publish(desk)  # the figures Grace's fidelity view counts
            desk.lock()
        grace = sign_in(vault, "Grace", next(p for n, _, p in ACCOUNTS if n == "Grace"))
        _supervise(grace, clock, start, weeks)
        clock.now = start + timedelta(days=1, hours=11)
        for entry in PACK:
            resources.save(grace, entry)
        grace.lock()
    finally:
        vault.clock = real_clock
    share = str((vault.store.data_dir / SHARE_FOLDER).resolve()) if with_share else None
    if share:
        _share(vault, share)
    accounts = [{"name": n, "role": r, "passphrase": p} for n, r, p in ACCOUNTS]
    # Demo only: the sign-in screen shows these so a newcomer can look around at once.
    (vault.store.data_dir / DEMO_FILE).write_text(json.dumps({"accounts": accounts}, indent=2))
    return DemoSummary(accounts, counts, share)


def _share(vault: Vault, location: str) -> None:
    """Ida makes a folder the team share and everyone syncs once, so the status line and
    "Sync now" have something real to show."""
    passphrases = {n: p for n, _, p in ACCOUNTS}
    ida = sign_in(vault, "Ida", passphrases["Ida"])
    try:
        sync.init_share(ida, location)
    finally:
        ida.lock()
    for name in ("Amira", "Tom", "Grace"):
        desk = sign_in(vault, name, passphrases[name])
        try:
            sync.run_sync(desk)
        finally:
            desk.lock()


STAYING_WELL = {
    "when_well": "I sleep well, I laugh with the team and I look forward to the allotment.",
    "every_day": "A walk at lunchtime away from the ward; a proper break; no work messages "
                 "after six.",
    "at_work": "Restraint on the ward; being asked to sit in on observations; hearing a "
               "story close to my own.",
    "early_signs": "Skipping breaks, going over the day at night, snapping at home.",
    "what_i_do": "Tell my coordinator, take the break, write a reflection, book a "
                 "supervision slot.",
    "who_helps": "My coordinator, Tom, my sister.",
    "from_coordinator": "Ask me how I am, not just how the work is; remind me to take leave.",
}

PACK: list[dict[str, Any]] = [
    {"name": "Allotment group", "category": "nature", "area": "Northside",
     "what_happens": "Shared plots and a tea hut; newcomers welcome.",
     "opening_times": "Tuesdays 10:00-12:00", "contact": "01632 960 123",
     "accessibility": "Step-free main path; raised beds.", "cost": "Free",
     "last_checked": "2026-10-02"},
    {"name": "Library reading group", "category": "learning", "area": "Town centre",
     "what_happens": "A relaxed monthly book chat.", "opening_times": "First Thursday, 18:00",
     "contact": "Ask at the library desk", "accessibility": "Lift to first floor.",
     "cost": "Free", "last_checked": "2026-01-15"},
    {"name": "Riverside community café", "category": "food", "area": "Northside",
     "what_happens": "Pay-as-you-can lunches; volunteers wanted.",
     "opening_times": "Mon-Fri 11:00-15:00", "contact": "01632 960 456",
     "accessibility": "Ramp at the side door.", "cost": "Pay what you can",
     "last_checked": "2026-09-20"},
    {"name": "Hearing Voices group", "category": "peer_group", "area": "Southside",
     "what_happens": "Peer-led group for people who hear voices.",
     "opening_times": "Wednesdays 14:00", "contact": "01632 960 789",
     "accessibility": "Ground floor.", "cost": "Free", "last_checked": "2025-12-01"},
    {"name": "Welfare rights drop-in", "category": "money_housing", "area": "Town centre",
     "what_happens": "Help with benefits forms and appeals.", "opening_times": "Fridays 9-12",
     "contact": "01632 960 321", "accessibility": "Hearing loop.", "cost": "Free",
     "last_checked": "2026-08-11"},
]

SESSIONS: list[dict[str, Any]] = [
    {"week": 3, "attendees": ["Amira", "Tom"], "themes": ["self_disclosure", "in_not_of"],
     "notes": "How much of our own story to share, and when. Being asked to help with "
              "observations: we practised saying what the peer role is and isn't.",
     "actions": [("Ask the ward manager to brief staff on the peer role", "Grace", 14, True),
                 ("Bring a plan for what I'm willing to share", "Amira", 14, False)]},
    {"week": 6, "attendees": ["Amira", "Tom"], "themes": ["contact_outside_hours",
                                                        "own_wellbeing"],
     "notes": "Contact outside agreed hours; looking after ourselves when the ward is tense.",
     "actions": [("Find out about a quiet room for breaks off the ward", "Tom", 14, False)]},
]


def _supervise(grace: Desk, clock: _StepClock, start: datetime, weeks: int) -> None:
    """Grace's side: a comment on a shared item and two group supervision sessions."""
    from peerdesk.services import supervision

    shared = sorted(grace.shared_with_me(), key=lambda r: r.saved_at)
    brought = [r for r in shared if r.fields.get("bring_to_supervision")]
    for index, plan in enumerate(SESSIONS):
        clock.now = start + timedelta(weeks=int(plan["week"]), hours=14)
        agenda = [r.id for r in brought[index::2]][:3]
        if index == 0:
            agenda += [r.id for r in shared if r.kind is Kind.DIARY][:1]
        session = supervision.start_session(grace, clock.now.date(), plan["attendees"],
                                            agenda=agenda)
        grace.update(session.id, dict(session.fields) | {"themes": plan["themes"],
                                                          "notes": plan["notes"]})
        for text, owner, days, done in plan["actions"]:
            action = supervision.add_action(grace, session.id, text, owner,
                                            (clock.now + timedelta(days=days)).date())
            if done:
                grace.update(action.id, dict(action.fields) | {"done": True})
    for record in shared[:2]:
        clock.now += timedelta(hours=1)
        supervision.comment(grace, record.id, "Thank you for sharing this. You kept the "
                            "focus on what the person wanted; let's talk about it on Tuesday.")


def _journey_step(desk: Desk, person_id: str, name: str, index: int, step: dict[str, Any],
                  facts: dict[str, Any], clock: _StepClock, rng: random.Random,
                  bump: Callable[[Kind], None], *, last: bool = False) -> None:
    """One diary of a person's support journey, and what it adds to their record."""
    day = clock.now.replace(hour=0, minute=0) + timedelta(days=rng.randint(4, 9))
    clock.now = day + timedelta(hours=rng.randint(9, 16), minutes=rng.choice((0, 15, 30, 45)))
    fields = {k: v.format(name=name) if isinstance(v, str) else v for k, v in step.items()}
    fields["when"] = clock.now.isoformat(timespec="minutes")
    if last and fields.get("follow_up"):  # the newest follow-up has a date: it is on Today
        fields["follow_up_by"] = (clock.now + timedelta(days=5)).date().isoformat()
    diary = desk.add(Kind.DIARY, fields, person_id=person_id)
    bump(Kind.DIARY)
    # The few journey facts a diary cannot give, on the person's record.
    if step["contact_type"] == "discharge_meeting":
        facts["discharge_meeting"] = "invited"
        facts["planned_discharge"] = (clock.now + timedelta(days=7)).date().isoformat()
        if index % 2 == 0:
            desk.share(diary.id, "Grace")
    if step["contact_type"] == "first_post_discharge":
        facts["discharged_on"] = (clock.now - timedelta(days=rng.randint(2, 9))).date().isoformat()
        facts["planned_end"] = (clock.now + timedelta(weeks=16)).date().isoformat()
        if index % 2:
            facts["plans_declined"] = ["recovery_plan"]
    if step["contact_type"] == "plan_work":
        for kind, sections in PLAN_TEXT.items():
            if kind is Kind.RECOVERY_PLAN and index % 2:
                continue
            plan = desk.add(kind, {"sections": sections,
                                   "agreed_on": clock.now.date().isoformat(),
                                   "review_on": (clock.now + timedelta(weeks=6)).date().isoformat()},
                            person_id=person_id)
            if kind is Kind.CRISIS_PLAN:  # who may see it: the consent ledger, the one list
                consent.add_consent(desk, plan.id, recipient="My sister", role="family_friend",
                                    purpose="So she knows what helps if things get hard.")
            bump(kind)


def _fill(desk: Desk, people: list[tuple[str, str]], clock: _StepClock, start: datetime,
          weeks: int, rng: random.Random, counts: dict[str, int]) -> None:
    def bump(kind: Kind) -> None:
        counts[kind.value] = counts.get(kind.value, 0) + 1

    for index, (name, pronouns) in enumerate(people):
        clock.now = start + timedelta(days=index * 3, hours=9)
        facts: dict[str, Any] = {"label": name, "pronouns": pronouns,
                                 "support_started": clock.now.date().isoformat(),
                                 "admission_ward": WARDS[index % len(WARDS)]}
        person = desk.add(Kind.PERSON, facts)
        bump(Kind.PERSON)
        # Later people are earlier in their journey.
        steps = JOURNEY[: max(2, len(JOURNEY) - index)]
        for n, step in enumerate(steps):
            _journey_step(desk, person.id, name, index, step, facts, clock, rng, bump,
                          last=n == len(steps) - 1)
        # Discharged as planned, no first meeting written yet: Today says when it is due.
        planned = facts.get("planned_discharge")
        if planned and "discharged_on" not in facts and \
                planned <= (start + timedelta(weeks=weeks)).date().isoformat():
            facts["discharged_on"] = planned
        if len(facts) > 4:
            desk.update(person.id, facts)
    # Her own wellbeing, private: a check-in most weeks and a staying-well plan.
    for week, how in enumerate(("well", "okay", "okay", "hard", "okay", "well", "okay")):
        clock.now = start + timedelta(weeks=week + 1, hours=17)
        desk.add(Kind.CHECKIN, {"when": clock.now.date().isoformat(), "how_i_am": how,
                                "next_step": "A walk at lunchtime, away from the ward."})
        bump(Kind.CHECKIN)
    desk.add(Kind.STAYING_WELL, {"sections": STAYING_WELL, "looked_at":
                                 clock.now.date().isoformat()})
    bump(Kind.STAYING_WELL)
    for offset, reflection in enumerate(REFLECTIONS):
        clock.now = start + timedelta(weeks=offset * 2 + 1, hours=16)
        saved = desk.add(Kind.REFLECTION, reflection | {"when": clock.now.date().isoformat()})
        bump(Kind.REFLECTION)
        if reflection["bring_to_supervision"]:
            desk.share(saved.id, "Grace")
