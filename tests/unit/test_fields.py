"""Record kinds: fields come from resources, validation names the field, schemas are complete."""

from __future__ import annotations

import pytest

from peerdesk.catalogue import choices, spec
from peerdesk.domain import FieldType, Kind
from peerdesk.errors import InvalidInput


def test_every_kind_has_a_schema_with_every_field() -> None:
    for kind in Kind:
        kind_spec = spec(kind)
        schema = kind_spec.json_schema()
        assert set(schema["properties"]) == {f.name for f in kind_spec.fields}
        assert schema["additionalProperties"] is False


def test_diary_fields_follow_the_seeds() -> None:
    diary = spec(Kind.DIARY).by_name
    for name in ("when", "setting", "contact_type", "what_happened", "what_mattered", "strengths",
                 "peer_brought", "signposting", "follow_up", "ending"):
        assert name in diary
    contact_ids = {c.id for c in diary["contact_type"].choices}
    assert {"first_ward_contact", "discharge_meeting", "first_post_discharge",
            "informal"} <= contact_ids
    brought = {c.id for c in diary["peer_brought"].choices}
    assert {"lived_experience", "different_lens", "practical_support", "signposting",
            "accompanying"} <= brought


def test_reflection_covers_every_boundary_area_and_keeps_wellbeing_private() -> None:
    reflection = spec(Kind.REFLECTION).by_name
    areas = {c.id for c in reflection["boundary_area"].choices}
    assert areas == {"sharing_lived_experience", "relationships", "contact_outside_role",
                     "restrictive_practice", "risk_and_safety", "keeping_well",
                     "difficult_conversations", "cultural_issues", "gifts_and_money",
                     "dual_relationships", "lone_working", "non_peer_tasks", "role_drift"}
    assert all(c.prompts for c in reflection["boundary_area"].choices)
    assert reflection["keeping_myself_well"].private
    assert reflection["bring_to_supervision"].type is FieldType.BOOL


@pytest.mark.parametrize("kind", [Kind.DISCHARGE_PLAN, Kind.CRISIS_PLAN, Kind.RECOVERY_PLAN])
def test_plans_have_sections_from_templates(kind: Kind) -> None:
    plan = spec(kind)
    assert len(plan.by_name["sections"].sections) >= 7
    assert plan.intro and "shared_with" in plan.by_name and "review_on" in plan.by_name


def test_validation_names_the_field_and_keeps_clean_values() -> None:
    diary = spec(Kind.DIARY)
    with pytest.raises(InvalidInput, match="When is needed"):
        diary.validate({"what_happened": "x"})
    with pytest.raises(InvalidInput, match="no field called 'mood'"):
        diary.validate({"when": "2026-03-01T10:00", "mood": "low"})
    with pytest.raises(InvalidInput, match="Kind of contact"):
        diary.validate({"when": "2026-03-01T10:00", "contact_type": "ward round"})
    with pytest.raises(InvalidInput, match="date and time"):
        diary.validate({"when": "yesterday"})
    with pytest.raises(InvalidInput, match="lists a choice more than once"):  # uniqueItems
        diary.validate({"when": "2026-03-01T10:00", "peer_brought": ["hope", "hope"]})
    clean = diary.validate({"when": "2026-03-01T10:00:00", "peer_brought": ["hope"],
                            "strengths": ""})
    assert clean == {"when": "2026-03-01T10:00", "peer_brought": ["hope"]}


def test_plan_sections_must_be_this_plans_sections() -> None:
    crisis = spec(Kind.CRISIS_PLAN)
    assert crisis.validate({"sections": {"helps": "tea", "signs": " "}}) == {
        "sections": {"helps": "tea"}}
    with pytest.raises(InvalidInput, match="section"):
        crisis.validate({"sections": {"wallet": "x"}})


def test_lists_use_recovery_focused_language() -> None:
    banned = ("patient", "compliance", "compliant", "client", "frequent attender", "non-engag")
    for name in ("settings", "contact_types", "peer_brought", "boundary_areas", "mechanisms"):
        for choice in choices(name):
            text = " ".join((choice.label, *choice.prompts)).lower()
            assert not any(word in text for word in banned), (name, choice.id)
