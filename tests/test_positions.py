"""Positions: the seed gold through the real ingest and `who` path, and each known trap."""

from __future__ import annotations

import pytest

from bot.evaluation.positions import evaluate_seeds
from bot.pipeline.actors import Registry
from bot.pipeline.changes import change_kind, same_topic, topic_terms
from bot.pipeline.clean import clean_article
from bot.pipeline.extract import ExtractedStatement, extract_statements


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def seed_score():
    return evaluate_seeds()


def test_who_finds_at_least_90_percent_of_the_seed_gold(seed_score) -> None:
    assert seed_score.recall >= 0.90, seed_score.misses + seed_score.wrong_stances


def test_at_least_85_percent_of_returned_seed_statements_are_acceptable(seed_score) -> None:
    assert seed_score.precision >= 0.85, seed_score.false_hits


def test_at_least_95_percent_of_found_seed_positions_have_an_accepted_stance(seed_score) -> None:
    assert seed_score.stance_accuracy >= 0.95, seed_score.wrong_stances


def test_every_seed_gold_alias_resolves_to_the_same_actor(seed_score) -> None:
    assert seed_score.aliases_resolved == seed_score.aliases, seed_score.alias_failures


def _statements(registry: Registry, text: str) -> list[ExtractedStatement]:
    return extract_statements(clean_article("Headline\n\n" + text), registry)


def _by_actor(statements: list[ExtractedStatement]) -> dict[str, list[ExtractedStatement]]:
    grouped: dict[str, list[ExtractedStatement]] = {}
    for statement in statements:
        grouped.setdefault(statement.actor.name, []).append(statement)
    return grouped


def test_did_not_rule_out_is_open_not_refuse(registry) -> None:
    [statement] = _statements(registry, "President Trump did not rule out sending peacekeepers.")
    assert (statement.actor.name, statement.stance) == ("Donald Trump", "open")


def test_stopped_short_of_offering_is_no_commitment(registry) -> None:
    statements = _statements(
        registry, "France stopped short of offering security guarantees to Ukraine."
    )
    assert statements == []


def test_the_envoy_who_reports_an_offer_is_not_the_one_offering(registry) -> None:
    statements = _statements(
        registry,
        "Trump's special envoy, Steve Witkoff, revealed insights from his discussions with Russian "
        "President Vladimir Putin, who reportedly showed willingness to offer Ukraine a security deal.",
    )
    [statement] = statements
    assert statement.actor.name == "Vladimir Putin" and statement.stance == "open"
    assert statement.hedged and statement.reported_by is not None
    assert statement.reported_by.name == "Steve Witkoff"


def test_quoted_lines_belong_to_the_speaker_named_before_them(registry) -> None:
    statements = _statements(
        registry,
        'Ms Hewitt said: "We have already doubled the length of maternity pay."\n'
        '"We will definitely extend the maternity pay to nine months."\n'
        '"We have made a firm commitment."',
    )
    assert [(s.actor.name, s.stance) for s in statements] == [
        ("Ms Hewitt", "commit"),
        ("Ms Hewitt", "commit"),
    ]


def test_a_pronoun_refers_back_to_the_person_last_in_focus(registry) -> None:
    statements = _statements(
        registry,
        "Dr Liam Fox spoke after Mr Blair's speech. He would not discuss reports about the party's loans.",
    )
    assert [(s.actor.name, s.stance) for s in statements] == [("Liam Fox", "refuse")]


def test_both_parties_to_an_agreement_get_the_statement(registry) -> None:
    statements = _by_actor(
        _statements(
            registry,
            "France and the UK reached an agreement to deploy troops once a ceasefire holds.",
        )
    )
    assert set(statements) == {"France", "United Kingdom"}
    assert all(s[0].stance == "conditional" for s in statements.values())


def test_a_sentence_is_stored_once_per_actor_even_with_two_cues(registry) -> None:
    statements = _statements(
        registry, "Russia rejected the plan and refused to sign it, and Russia will not attend."
    )
    assert len([s for s in statements if s.actor.name == "Russia"]) == 1


def test_a_position_reported_by_another_actor_is_hedged_with_its_reporter(registry) -> None:
    [statement] = _statements(
        registry,
        "The White House announced that Vladimir Putin has agreed to a meeting with Zelensky.",
    )
    assert statement.actor.name == "Vladimir Putin"
    assert (
        statement.hedged and statement.reported_by and statement.reported_by.name == "United States"
    )


def test_the_object_of_a_preposition_never_holds_the_position(registry) -> None:
    statements = _statements(
        registry, "After talks with Russia, Ukraine pledged to keep negotiating."
    )
    assert [s.actor.name for s in statements] == ["Ukraine"]


def test_a_spokeswoman_speaks_for_her_organisation(registry) -> None:
    statements = _statements(
        registry,
        'A spokeswoman for Human Rights Watch said it was a "basic principle" that people should only be punished after a fair trial.',
    )
    assert [(s.actor.name, s.stance) for s in statements] == [("Human Rights Watch", "demand")]


def test_a_role_phrase_refers_back_to_the_person_it_introduced(registry) -> None:
    statements = _statements(
        registry,
        'Tory co-chairman Liam Fox was speaking in London.\nThe Tory co-chairman attacked the new pledges as "vacuous".',
    )
    assert [(s.actor.name, s.stance) for s in statements] == [("Liam Fox", "refuse")]


@pytest.mark.parametrize(
    ("earlier", "later", "kind"),
    [
        ("open", "refuse", "reversal"),
        ("refuse", "commit", "reversal"),
        ("open", "commit", "shift"),
        ("commit", "conditional", "shift"),
        ("commit", "commit", None),
        ("demand", "commit", None),
    ],
)
def test_change_kinds(earlier: str, later: str, kind: str | None) -> None:
    assert change_kind(earlier, later) == kind


def test_statements_about_one_thing_share_a_topic_and_story_words_alone_do_not() -> None:
    peacekeepers = topic_terms(
        "President Trump did not rule out deploying U.S. peacekeepers to Ukraine.", ("Trump",)
    )
    troops = topic_terms(
        "Trump reiterated that American troops would not be deployed in Ukraine.", ("Trump",)
    )
    summit = topic_terms(
        "Trump reiterated his commitment to facilitating a peace agreement.", ("Trump",)
    )
    assert same_topic(peacekeepers, troops)
    assert not same_topic(troops, summit)
