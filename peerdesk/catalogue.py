"""The record kinds and their fields, built from the lists and plan templates in resources/."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from peerdesk.domain import Choice, FieldSpec, FieldType, Kind, KindSpec, Section
from peerdesk.domain.fields import MAX_LABEL
from peerdesk.paths import resource_dir

T = FieldType


def _load(relative: str) -> dict[str, Any]:
    path = resource_dir() / relative
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def choices(list_name: str) -> tuple[Choice, ...]:
    data = _load(f"lists/{list_name}.json")
    return tuple(
        Choice(c["id"], c["label"], tuple(c.get("prompts", ()))) for c in data["choices"]
    )


_MEETING = (Choice("invited", "The person invited me"),
            Choice("not_invited", "The person chose not to invite me"),
            Choice("no_meeting", "There was no meeting"))
_PLANS = tuple(Choice(k.value, k.label) for k in (Kind.DISCHARGE_PLAN, Kind.CRISIS_PLAN,
                                                  Kind.RECOVERY_PLAN))


def _person() -> KindSpec:
    return KindSpec(Kind.PERSON, Kind.PERSON.label, (
        FieldSpec("label", "Name or label", T.TEXT, required=True, max_length=MAX_LABEL,
                  help="What you call the person here: a first name or initials they are happy with."),
        FieldSpec("local_id", "Local identifier", T.TEXT,
                  help="Optional, for example a ward or team reference."),
        FieldSpec("pronouns", "Pronouns", T.TEXT),
        FieldSpec("support_started", "Peer support started", T.DATE),
        FieldSpec("what_matters", "What matters to them, in their words", T.LONG_TEXT),
        # The support journey's few facts a diary cannot give; the rest is read from diaries
        # and plans (peerdesk/services/journey.py), never asked for twice.
        FieldSpec("admission_ward", "Ward during the admission", T.TEXT),
        FieldSpec("planned_discharge", "Planned discharge date", T.DATE),
        FieldSpec("discharged_on", "Date of discharge", T.DATE),
        FieldSpec("discharge_meeting", "Discharge or care-planning meeting", T.CHOICE,
                  choices=_MEETING,
                  help="Whether the person invited you. A diary entry says if you went."),
        FieldSpec("plans_offered", "Plans offered to the person", T.TAGS, choices=_PLANS),
        FieldSpec("plans_declined", "Plans the person chose not to use", T.TAGS, choices=_PLANS),
        FieldSpec("planned_end", "Planned end of peer support", T.DATE),
        FieldSpec("ended_on", "Peer support ended on", T.DATE),
        FieldSpec("transition_summary", "Transition summary: who is in their corner now",
                  T.LONG_TEXT),
    ))


def _diary() -> KindSpec:
    return KindSpec(Kind.DIARY, Kind.DIARY.label, (
        FieldSpec("when", "When", T.DATETIME, required=True),
        FieldSpec("setting", "Where", T.CHOICE, choices=choices("settings")),
        FieldSpec("contact_type", "Kind of contact", T.CHOICE, choices=choices("contact_types")),
        FieldSpec("what_happened", "What happened", T.LONG_TEXT),
        FieldSpec("what_mattered", "What mattered to the person", T.LONG_TEXT,
                  help="In their words where you can."),
        FieldSpec("strengths", "Strengths I noticed", T.LONG_TEXT),
        FieldSpec("peer_brought", "What I brought as a peer", T.TAGS,
                  choices=choices("peer_brought")),
        FieldSpec("lived_experience", "What I shared of my own experience, and why", T.LONG_TEXT),
        FieldSpec("mechanisms", "What made this peer support", T.TAGS,
                  choices=choices("mechanisms")),
        FieldSpec("signposting", "Signposting or going along to activities", T.LONG_TEXT,
                  help="Community groups, services or opportunities from the resource pack."),
        # Entries of the team's resource pack, by id (older diaries hold names): the diary
        # editor shows it as a picker of the pack, not as free text.
        FieldSpec("resources", "Resource pack entries shared or visited", T.LIST,
                  hidden=True),
        FieldSpec("follow_up", "Follow-up agreed", T.LONG_TEXT,
                  help="Shown again at the top of the next diary about this person."),
        FieldSpec("follow_up_by", "Follow-up by when (optional)", T.DATE,
                  help="With a date, the follow-up is on Today until it is marked done."),
        FieldSpec("ending", "Preparing for the ending of support", T.LONG_TEXT,
                  help="Endings are on the agenda from the first meeting."),
        # When a diary mentions a risk: what the peer did, and whether the clinical record
        # has it (a private diary must not be the only place a risk is written).
        FieldSpec("safety_action", "If someone may be unsafe: what I did", T.TAGS,
                  choices=choices("safety_actions")),
        FieldSpec("safety_note", "What I did, in a few words", T.LONG_TEXT),
        FieldSpec("clinical_record", "Is it in the clinical record?", T.CHOICE, choices=(
            Choice("by_me", "Yes, I wrote it there"), Choice("by_staff", "Yes, staff wrote it"),
            Choice("not_needed", "Not needed"), Choice("not_yet", "Not yet"))),
    ))


def _reflection() -> KindSpec:
    return KindSpec(Kind.REFLECTION, Kind.REFLECTION.label, (
        FieldSpec("when", "When", T.DATE, required=True),
        FieldSpec("boundary_area", "Boundary area", T.CHOICE, required=True,
                  choices=choices("boundary_areas")),
        # Counted for the coordinator with no other words (peerdesk/services/fidelity.py):
        # ward teams unsure what peers are for is a conversation for ward managers.
        FieldSpec("ward", "Ward or team", T.TEXT,
                  help="The ward's name only. For requests to do non-peer tasks, the ward, "
                       "the month and what you were asked are counted in your coordinator's "
                       "figures per ward, with no names and no other words."),
        FieldSpec("asked_to_do", "What I was asked to do", T.TAGS,
                  choices=choices("non_peer_tasks")),
        FieldSpec("what_happened", "What happened", T.LONG_TEXT),
        FieldSpec("how_it_felt", "How it felt", T.LONG_TEXT),
        FieldSpec("what_i_did", "What I did", T.LONG_TEXT),
        FieldSpec("next_time", "What I would do next time", T.LONG_TEXT),
        FieldSpec("bring_to_supervision", "Bring to supervision", T.BOOL),
        FieldSpec("keeping_myself_well", "Keeping myself well (private: never shared)",
                  T.LONG_TEXT, private=True),
    ))


def _comment() -> KindSpec:
    return KindSpec(Kind.COMMENT, Kind.COMMENT.label, (
        FieldSpec("about", "Shared item this comment is on", T.TEXT, required=True,
                  help="The id of the diary or reflection shared for supervision."),
        FieldSpec("text", "Comment", T.LONG_TEXT, required=True,
                  help="Seen by the peer who shared the item, and by you."),
    ))


def _supervision() -> KindSpec:
    return KindSpec(Kind.SUPERVISION, Kind.SUPERVISION.label, (
        FieldSpec("when", "Date", T.DATE, required=True),
        FieldSpec("attendees", "Who attended", T.LIST),
        FieldSpec("agenda", "Items peers chose to bring", T.LIST,
                  help="Shared diaries and reflections, by id; the supervision page lists them."),
        FieldSpec("themes", "Themes discussed", T.TAGS, choices=choices("supervision_themes")),
        FieldSpec("notes", "Notes", T.LONG_TEXT,
                  help="About the work and the learning; people supported are not named here."),
    ))


def _action() -> KindSpec:
    return KindSpec(Kind.ACTION, Kind.ACTION.label, (
        FieldSpec("text", "What we agreed", T.LONG_TEXT, required=True),
        FieldSpec("owner", "Who will do it", T.TEXT, required=True),
        FieldSpec("due", "By when", T.DATE),
        FieldSpec("session", "Agreed at session", T.TEXT,
                  help="The supervision session's id; open actions carry to the next one."),
        FieldSpec("done", "Done", T.BOOL),
    ))


def _summary() -> KindSpec:
    return KindSpec(Kind.SUMMARY, Kind.SUMMARY.label, (
        FieldSpec("data", "Dates, list choices and yes/no marks, as JSON", T.LONG_TEXT,
                  required=True, help="Made by PeerDesk for the fidelity report."),
    ))


def _checkin() -> KindSpec:
    # Every field private: sealed for the peer alone, so not even the trust's recovery key
    # opens it, and no report, export or share ever holds it.
    return KindSpec(Kind.CHECKIN, Kind.CHECKIN.label, (
        FieldSpec("when", "When", T.DATE, required=True, private=True),
        FieldSpec("how_i_am", "How I am doing", T.CHOICE, private=True, choices=(
            Choice("well", "Doing well"), Choice("okay", "Okay"),
            Choice("hard", "Finding things hard"), Choice("need_support", "I need some support"))),
        FieldSpec("what_helps", "What is helping, or would help", T.LONG_TEXT, private=True),
        FieldSpec("next_step", "One thing I will do for myself", T.TEXT, private=True),
    ), intro="Only you can ever read this: it is never shared, reported or synced to anyone "
             "else's computer in a form they can open.")


def _support_ask() -> KindSpec:
    # The fact that a peer asked for a conversation, and the day: nothing she wrote.
    return KindSpec(Kind.SUPPORT_ASK, Kind.SUPPORT_ASK.label, (
        FieldSpec("when", "Asked on", T.DATE, required=True),
    ))


_STAYING_WELL = (
    Section("when_well", "What I'm like when I'm well"),
    Section("every_day", "What I do to keep well, day to day"),
    Section("at_work", "What can knock me at work"),
    Section("early_signs", "Early signs that I'm not so well"),
    Section("what_i_do", "What I'll do then"),
    Section("who_helps", "Who I can talk to"),
    Section("from_coordinator", "What I'd like from my coordinator"),
)


def _staying_well() -> KindSpec:
    # A plan for the worker herself, with generic headings; every field private, like the
    # check-in it goes with.
    return KindSpec(Kind.STAYING_WELL, Kind.STAYING_WELL.label, (
        FieldSpec("sections", "My plan, in my words", T.SECTIONS, sections=_STAYING_WELL,
                  private=True),
        FieldSpec("looked_at", "Last looked at", T.DATE, private=True),
    ), intro="Only you can ever read this. It goes with your wellbeing check-ins: look at it "
             "when a check-in says things are hard.")


def _resource() -> KindSpec:
    return KindSpec(Kind.RESOURCE, Kind.RESOURCE.label, (
        FieldSpec("name", "Name", T.TEXT, required=True),
        FieldSpec("category", "Kind of resource", T.CHOICE,
                  choices=choices("resource_categories")),
        FieldSpec("area", "Area", T.TEXT),
        FieldSpec("what_happens", "What happens there", T.LONG_TEXT),
        FieldSpec("opening_times", "When it is open", T.TEXT),
        FieldSpec("contact", "How to get in touch", T.TEXT),
        FieldSpec("accessibility", "Getting there and accessibility", T.LONG_TEXT),
        FieldSpec("cost", "Cost", T.TEXT),
        FieldSpec("last_checked", "Last checked", T.DATE,
                  help="Entries not checked for six months are flagged to check again."),
        # The peer's proposal this entry was made from (peerdesk/services/resources.py).
        FieldSpec("proposal", "Made from a peer's proposal", T.TEXT, hidden=True),
    ), intro="The team's local resource pack: the coordinator keeps it, every peer has it.")


def _proposal() -> KindSpec:
    pack = _resource()
    return KindSpec(Kind.PROPOSAL, Kind.PROPOSAL.label, (
        *(f for f in pack.fields if f.name not in ("last_checked", "proposal")),
        FieldSpec("why", "Why it would help people we support", T.LONG_TEXT),
    ), intro="Your coordinator sees it, and adds it to the team's pack if it fits. Write "
             "about the place, not about anyone you support.")


def _cover() -> KindSpec:
    return KindSpec(Kind.COVER, Kind.COVER.label, (
        FieldSpec("cover", "Covering coordinator", T.TEXT, required=True),
        FieldSpec("starts", "From", T.DATE, required=True),
        FieldSpec("ends", "Until (the cover ends by itself after this day)", T.DATE,
                  required=True),
        FieldSpec("note", "Note for peers", T.TEXT),
    ))


# What a handover can move; the old peer's reflections, wellbeing and private notes are no
# choice here: they never move (peerdesk/services/handover.py).
MOVES = (Choice("person", "The person record"),
         Choice("plans", "Their plans, with every earlier version"),
         Choice("journey", "Their support journey"),
         Choice("diaries", "Session diaries about them (only if the person agreed)"))
ARRANGEMENTS = (Choice("handover", "Hand over their support"),
                Choice("joint", "Support them together"),
                Choice("cover", "Cover while I am away"))


def _handover() -> KindSpec:
    # One arrangement for one person's support, agreed with the person: kept with the person
    # (erased with them), read by both peers only: its words may name the person, and
    # coordinators see no names.
    return KindSpec(Kind.HANDOVER, Kind.HANDOVER.label, (
        FieldSpec("person", "Person", T.TEXT, required=True, hidden=True),
        FieldSpec("arrangement", "What is arranged", T.CHOICE, required=True,
                  choices=ARRANGEMENTS),
        FieldSpec("from_peer", "From", T.TEXT, required=True),
        FieldSpec("to_peer", "To", T.TEXT, required=True),
        FieldSpec("from_account", "From (account)", T.TEXT, required=True, hidden=True),
        FieldSpec("to_account", "To (account)", T.TEXT, required=True, hidden=True),
        FieldSpec("agreed_by", "Who agreed, and how", T.TEXT, required=True,
                  help="For example: Jo, in person on the ward."),
        FieldSpec("agreed_on", "Agreed on", T.DATE, required=True),
        FieldSpec("moves", "What moves", T.TAGS, choices=MOVES),
        FieldSpec("starts", "From", T.DATE, required=True),
        FieldSpec("ends", "Until (cover ends by itself after this day)", T.DATE),
        FieldSpec("note", "Note", T.LONG_TEXT),
    ))


def _outcome() -> KindSpec:
    # What became of one item on Today (peerdesk/services/workqueue.py): kept with the person
    # it is about, read by its author only.
    return KindSpec(Kind.OUTCOME, Kind.OUTCOME.label, (
        FieldSpec("item", "Item on Today", T.TEXT, required=True),
        FieldSpec("outcome", "Outcome", T.CHOICE, required=True, choices=(
            Choice("done", "Done"), Choice("not_needed", "Not needed"))),
        FieldSpec("reason", "Why it is not needed", T.LONG_TEXT),
        FieldSpec("when", "When", T.DATE, required=True),
    ))


def _plan(kind: Kind) -> KindSpec:
    template = _load(f"templates/{kind.value}.json")
    sections = tuple(Section(s["id"], s["title"], s.get("prompt", ""))
                     for s in template["sections"])
    return KindSpec(kind, template["title"], (
        FieldSpec("sections", "The plan, in the person's own words", T.SECTIONS,
                  sections=sections),
        # Before the consent ledger was the one list: names moved onto it "to confirm"
        # (peerdesk/services/consent.py, take_named), never printed from here.
        FieldSpec("shared_with", "Named in the plan before the consent ledger", T.LIST,
                  hidden=True),
        FieldSpec("agreed_on", "Agreed by the person on", T.DATE),
        # A plan carried on by a new peer after a handover: the id of the plan it continues
        # (that plan's versions stay its author's; peerdesk/services/handover.py).
        FieldSpec("continues", "Continues the plan", T.TEXT, hidden=True),
        # Set with "I agree this version" in the co-writing view: the version she agreed.
        FieldSpec("agreed_version", "Version the person agreed", T.TEXT,
                  help="Filled in when the person says \"I agree this version\"."),
        FieldSpec("review_on", "Review date", T.DATE),
        # Authorship per section: unticked sections are in the person's own words.
        FieldSpec("peer_notes", "Sections that are a peer worker note, not the person's words",
                  T.TAGS, choices=tuple(Choice(s.id, s.title) for s in sections),
                  help="Leave a section unticked when it is in the person's own words."),
        # The consent ledger: changed only through peerdesk/services/consent.py.
        FieldSpec("consents", "Who the person has agreed can see this plan", T.CONSENTS,
                  choices=choices("recipient_roles"), sections=sections),
    ), intro=template.get("intro", ""))


@cache
def spec(kind: Kind | str) -> KindSpec:
    kind = Kind(kind)
    build = _BUILDERS.get(kind)
    return _plan(kind) if build is None else build()


# Every kind but the three plans (built from their templates) has its own fields.
_BUILDERS: dict[Kind, Callable[[], KindSpec]] = {
    Kind.PERSON: _person, Kind.DIARY: _diary, Kind.REFLECTION: _reflection,
    Kind.COMMENT: _comment, Kind.SUPERVISION: _supervision, Kind.ACTION: _action,
    Kind.SUMMARY: _summary, Kind.CHECKIN: _checkin, Kind.RESOURCE: _resource,
    Kind.COVER: _cover, Kind.OUTCOME: _outcome, Kind.SUPPORT_ASK: _support_ask,
    Kind.STAYING_WELL: _staying_well, Kind.PROPOSAL: _proposal, Kind.HANDOVER: _handover,
}
