"""The safety prompt listens to everyday words: realistic diary sentences that must prompt,
and everyday ones that must not (a prompt for every "killing time" teaches peers to ignore it)."""

from __future__ import annotations

import pytest

from peerdesk import safety
from peerdesk.errors import InvalidInput

MUST_PROMPT = [
    "She thinks about ending it.",
    "He said he'd been thinking of ending things, and that he's tired.",
    "Doesn't want to be here anymore.",
    "J said she wishes she could go to sleep and not wake up",
    "Has been cutting her arms again",
    "He took too many of his tablets at the weekend",
    "She's been saving up her tablets in a drawer",
    "He talked about jumping off the bridge by the station",
    "Her boyfriend hits her when he's been drinking",
    "She doesn't feel safe at home",
    "He's scared to go home",
    "Said the voices are telling him to hurt people",
    "She wants to kill herself",
    "He told me he's had suicidal thoughts",
    "Said everyone would be better off without her",
    "He's been self harming",
    "She OD'd last year and is worried it will happen again",
    "Carrying a knife for protection since the break-in",
    "She's thinking about ending her life",
    "Her ex threatened her outside the shop",
    "He can't go on like this",
    "No point in living, he said.",
    "She\u2019s been hurting herself again",  # a curly apostrophe, as Word types it
    "He's been having thoughts of dying",
    "They wanted to die",
    "Her son stole her bank card",
    "She said she was raped last year",
    "Doesn't want to wake up in the morning",
    "He said he'd step in front of a train",
    "SHE WANTS TO END IT ALL",
    "Talked about self-injury",
    "Her dad won't let her out of the house",
]

MUST_NOT_PROMPT = [
    "We talked about ending our sessions in March.",
    "We talked about ending it at four months, as planned.",
    "Cutting back on coffee in the evenings.",
    "Made soup together; she's confident with a knife and fork now.",
    "Dead tired after the walk but happy.",
    "Killing time at the café before the group.",
    "These shoes are killing me!",
    "She hit the shops and hit it off with the group.",
    "He jumped off the bus a stop early.",
    "Her phone battery died.",
    "She's dying to see her grandchildren.",
    "The hanging baskets at the allotment look lovely.",
    "He did not wake up until ten, so we met after lunch.",
    "Took too many photos at the allotment.",
    "She will not be here on Tuesday; she's at the dentist.",
    "He didn't want to go on the trip.",
    "We said our goodbyes at the group.",
    "She cut her hair short and loves it.",
    "He felt safe enough to talk about his brother.",
    "We shot some hoops; he beat me easily.",
    "Ending was on the agenda from our first meeting.",
    "Talked about ending things well when support finishes in May.",
    "Her medication was changed and she has more energy.",
    "The ward felt safe and calm today.",
    "She hit her head on the cupboard door, nothing serious.",
    "He's been taking his medication and sleeping better.",
    "Killed it at the quiz night!",
    "Working on her safety plan together.",
    "She's over the moon about the new flat.",
    "We walked along the river and fed the ducks.",
]


@pytest.mark.parametrize("sentence", MUST_PROMPT)
def test_everyday_risk_wording_prompts(sentence: str) -> None:
    assert safety.mentions_risk(sentence), sentence


@pytest.mark.parametrize("sentence", MUST_NOT_PROMPT)
def test_everyday_words_do_not_prompt(sentence: str) -> None:
    assert safety.find_risk(sentence) is None, (sentence, safety.find_risk(sentence))


def test_the_notation_forms_gaps_and_clause_ends() -> None:
    pattern = safety.compile_list({"groups": {"SELF": ["herself", "himself"]},
                                   "phrases": ["kill~ SELF", "think~ .. end~ it #",
                                               "no_longer want~ [to] eat"]})
    assert pattern.search("she killed herself")
    assert pattern.search("he's killing himself slowly")
    assert pattern.search("thinks a lot about ending it, she said")
    assert not pattern.search("thinks about ending it early")
    assert pattern.search("no longer wants eat") and pattern.search("no-longer wanted to eat")
    assert not pattern.search("skill herself")  # whole words only
    for bad in ({"phrases": ["[maybe] kill~"]}, {"phrases": [".. dead"]}, {"phrases": ["a||b"]},
                {"nope": []}):
        with pytest.raises(InvalidInput):
            safety.compile_list(bad)
