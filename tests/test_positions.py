"""Positions: the seed gold through the real ingest and `who` path, and each known trap."""

from __future__ import annotations

import re

import pytest

from bot.evaluation.positions import BUSINESS_GOLD, evaluate_bbc, evaluate_seeds, main
from bot.evaluation.summaries import DEFAULT_CORPUS, load_corpus
from bot.pipeline import patterns, stances
from bot.pipeline.actors import Registry
from bot.pipeline.changes import change_kind, same_topic, topic_terms
from bot.pipeline.clean import clean_article
from bot.pipeline.extract import ExtractedStatement, extract_statements


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


def test_the_business_dev_gold_keeps_its_bars() -> None:
    """Only the dev split is scored: the unseen one is never tuned against."""
    scores = evaluate_bbc(BUSINESS_GOLD, {"dev"})
    assert set(scores) == {"dev"}
    assert scores["dev"].recall >= 0.60, scores["dev"].misses
    assert scores["dev"].precision >= 0.85, scores["dev"].false_hits


def test_evaluation_names_an_unknown_gold_set(capsys) -> None:
    assert main(["--sets", "seed,bbc-bogus"]) == 2
    assert "bbc-bogus" in capsys.readouterr().out


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


# UK political reporting: rules written for the BBC politics gold, each on invented text.


def _pairs(statements: list[ExtractedStatement]) -> list[tuple[str, str]]:
    return [(s.actor.name, s.stance) for s in statements]


def test_a_contracted_negation_turns_a_wish_into_a_refusal(registry) -> None:
    statements = _statements(registry, 'John Smith said: "We don\'t want to raise taxes."')
    assert _pairs(statements) == [("John Smith", "refuse")]


def test_the_person_told_is_the_listener_not_the_speaker(registry) -> None:
    statements = _statements(
        registry,
        "Jane Doe wrote to Mr Smith on Monday.\n"
        'He told Ms Doe: "We will never accept these claims."',
    )
    assert _pairs(statements) == [("Mr Smith", "refuse")]


@pytest.mark.parametrize(
    ("sentence", "body"),
    [
        (
            "The Department for Work and Pensions will also provide funding.",
            "Department for Work and Pensions",
        ),
        ("But the Welsh Assembly opposes the plan.", "Welsh Assembly"),
    ],
)
def test_bodies_named_head_first_or_by_a_place_are_discovered(registry, sentence, body) -> None:
    assert [s.actor.name for s in _statements(registry, sentence)] == [body]


def test_a_party_that_says_they_will_is_the_subject_of_its_own_plan(registry) -> None:
    statements = _statements(
        registry, "The Lib Dems say they are planning to hold daily news conferences."
    )
    assert _pairs(statements) == [("Liberal Democrats", "open")]


def test_a_judgement_belongs_to_whoever_speaks_it(registry) -> None:
    statements = _statements(
        registry,
        'Anna Brown, head of the Clean Air Trust, said Mark Green\'s plan was "ill-advised".',
    )
    assert _pairs(statements) == [("Anna Brown", "refuse")]


def test_a_demand_outweighs_the_criticism_around_it(registry) -> None:
    statements = _statements(
        registry,
        "Nicola Smith wrote to Mr Green accusing him of an error and calling for him to apologise.",
    )
    assert _pairs(statements) == [("Nicola Smith", "demand")]


def test_a_speaker_named_after_the_reported_words_holds_them(registry) -> None:
    statements = _statements(
        registry, "A national body should be set up, the Commons health committee has said."
    )
    assert _pairs(statements) == [("Commons health committee", "demand")]


def test_a_common_noun_refers_back_to_the_body_named_before(registry) -> None:
    statements = _statements(
        registry,
        "The Scottish Executive met on Monday.\nLater the executive rejected the plan.",
    )
    assert _pairs(statements) == [("Scottish Executive", "refuse")]


def test_an_unnamed_body_is_the_one_named_later(registry) -> None:
    statements = _statements(
        registry,
        "A new fund should be set up, a committee of MPs has said.\n"
        "The Commons education committee was reporting on school budgets.",
    )
    assert _pairs(statements) == [("Commons education committee", "demand")]
    assert "committee of MPs" in statements[0].actor.aliases


def test_the_law_lords_are_a_group_that_can_rule_against(registry) -> None:
    [statement] = _statements(registry, "The law lords have ruled against the detentions.")
    assert (statement.actor.name, statement.actor.kind, statement.stance) == (
        "law lords",
        "group",
        "refuse",
    )


def test_a_future_reported_by_its_speaker_is_their_commitment(registry) -> None:
    statements = _statements(
        registry, "Paid leave would be increased to nine months, Jane Doe told the BBC."
    )
    assert _pairs(statements) == [("Jane Doe", "commit")]


def test_refusing_to_say_refuses_but_declining_to_comment_is_no_position(registry) -> None:
    refused = _statements(registry, "Mr Balls refused to say whether Mr Brown would stay.")
    declined = _statements(registry, "Mr Balls declined to comment on the Budget.")
    assert _pairs(refused) == [("Mr Balls", "refuse")] and declined == []


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("The Scottish Executive has insisted the minister was speaking about adults.", "refuse"),
        ("The Scottish Executive insists it will still have the final say.", "demand"),
    ],
)
def test_insisting_that_something_is_so_rebuts_and_insisting_on_a_future_demands(
    registry, sentence, stance
) -> None:
    assert _pairs(_statements(registry, sentence)) == [("Scottish Executive", stance)]


@pytest.mark.parametrize(
    ("sentence", "reporter"),
    [
        ("Russia has agreed to a ceasefire, according to the White House.", "United States"),
        ("The White House said Russia has reportedly agreed to a ceasefire.", "United States"),
        ("Russia has agreed to a ceasefire, sources said.", None),
        ("Russia has reportedly agreed to a ceasefire.", None),
        ("Mr Peskov told the BBC that Russia had agreed to a ceasefire.", "Dmitry Peskov"),
        ("Russia had agreed to a ceasefire, Mr Peskov told the BBC.", "Dmitry Peskov"),
    ],
)
def test_unconfirmed_reports_are_hedged_with_their_reporter(registry, sentence, reporter) -> None:
    [statement] = [s for s in _statements(registry, sentence) if s.actor.name == "Russia"]
    assert statement.stance == "commit" and statement.hedged
    assert (statement.reported_by.name if statement.reported_by else None) == reporter


def test_a_person_introduced_by_their_role_in_a_body_holds_the_position_with_it(registry) -> None:
    statements = _statements(
        registry, "Sir Digby Jones, CBI director general, warned Mr Brown not to spend the money."
    )
    assert sorted(_pairs(statements)) == [("CBI", "demand"), ("Digby Jones", "demand")]


def test_an_agreement_by_an_actor_is_its_commitment(registry) -> None:
    statements = _statements(registry, "The agreement by the G8 would save poor countries money.")
    assert _pairs(statements) == [("G8", "commit")]


def test_countries_the_registry_lacks_are_discovered(registry) -> None:
    statements = _statements(
        registry, "Germany proposed a freeze and Canada has begun its own moratorium."
    )
    assert _pairs(statements) == [("Germany", "open"), ("Canada", "commit")]


def test_a_capitalised_word_after_a_preposition_does_not_hide_a_later_subject(registry) -> None:
    statements = _statements(
        registry, "The deal was struck on Thursday night after Japan finally signed up to it."
    )
    assert _pairs(statements) == [("Japan", "commit")]


def test_a_name_after_an_indefinite_article_only_describes(registry) -> None:
    statements = _statements(
        registry, "Mr Balls, who will stand as a Labour candidate, suggested that taxes would fall."
    )
    assert _pairs(statements) == [("Mr Balls", "open")]


def test_a_cue_inside_a_whom_clause_has_its_own_subject(registry) -> None:
    statements = _statements(
        registry, "Mrs Maguire was the relative with whom my cousin planned to stay."
    )
    assert statements == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Former Liberal Democrat MP Jackie Ballard criticised the plan.",
        "Jackie Ballard MP criticised the plan.",
    ],
)
def test_post_nominal_letters_are_not_part_of_a_name(registry, sentence) -> None:
    assert _pairs(_statements(registry, sentence)) == [("Jackie Ballard", "refuse")]


def test_a_named_wife_is_the_later_mrs_and_her_husband_is_never_she(registry) -> None:
    statements = _statements(
        registry,
        "Michael Howard's wife, Sandra, is to campaign.\n"
        "Mrs Howard will make solo visits to target seats.\n"
        "She said she often criticised her husband.",
    )
    assert [(s.actor.name, s.stance) for s in statements] == [
        ("Sandra Howard", "commit"),
        ("Sandra Howard", "commit"),
        ("Sandra Howard", "refuse"),
    ]


def test_a_title_a_person_is_introduced_with_becomes_an_alias(registry) -> None:
    [statement] = _statements(registry, "But Shadow Home Secretary David Davis rejected the plan.")
    assert statement.actor.name == "David Davis"
    assert "Shadow Home Secretary" in statement.actor.aliases
    assert not any(alias.startswith("But") for alias in statement.actor.aliases)


def test_a_party_spokesperson_holds_the_party_position_they_voice(registry) -> None:
    statements = _by_actor(
        _statements(
            registry,
            'Lib Dem spokeswoman Jane Doe said: "The Liberal Democrats oppose this plan."',
        )
    )
    assert statements["Jane Doe"][0].stance == "refuse" and not statements["Jane Doe"][0].hedged
    assert statements["Liberal Democrats"][0].reported_by.name == "Jane Doe"


def test_a_speaker_naming_another_party_does_not_hold_its_position(registry) -> None:
    statements = _statements(
        registry, 'Tory co-chairman Liam Fox said: "Labour rejected the plan."'
    )
    assert [s.actor.name for s in statements] == ["Labour Party"]


def test_a_body_name_runs_on_through_of(registry) -> None:
    statements = _statements(
        registry,
        "The National Union of Journalists has called on the management to recall the notice.",
    )
    assert _pairs(statements) == [("National Union of Journalists", "demand")]


def test_a_title_inside_a_capitalised_run_is_peeled_off_the_name(registry) -> None:
    statements = _statements(
        registry, "Communications Minister Dayanidhi Maran said the rules must change."
    )
    assert [s.actor.name for s in statements] == ["Dayanidhi Maran"]


def test_the_second_conjunct_of_a_prepositional_object_is_no_subject(registry) -> None:
    statements = _statements(
        registry, "Money moved to markets like Korea and Thailand and the rally should continue."
    )
    assert statements == []


def test_it_said_makes_a_body_the_speaker_of_the_quotes_after(registry) -> None:
    statements = _statements(
        registry,
        "The Commons health committee published its report.\n"
        "Staffing was poor, it said.\n"
        '"If the government is serious it needs to find more money."',
    )
    assert ("Commons health committee", "demand") in _pairs(statements)
    assert "government" not in [s.actor.name for s in statements]


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Mr Clarke said he was ready to compromise.", "open"),
        ("The Lib Dems are against the plan.", "refuse"),
        ("Mr Clarke hit back at his critics.", "refuse"),
        ("Mr Clarke said it was time to act.", "demand"),
        ("Mr Clarke is determined to press ahead.", "commit"),
        ("The Lib Dems are in favour of the change.", "commit"),
        ("Mr Clarke defended the plan.", "commit"),
        ("The Lib Dems are to launch their campaign.", "commit"),
        ("Mr Clarke said he would resign.", "commit"),
    ],
)
def test_uk_political_cue_lexicon(registry, sentence: str, stance: str) -> None:
    assert [s.stance for s in _statements(registry, sentence)] == [stance]


def test_a_group_named_by_a_plural_noun_holds_its_position(registry) -> None:
    statements = _statements(
        registry,
        "Mr Brown met Japan, one of the biggest creditor nations.\n"
        "But opposition parties say they will vote against it.\n"
        "She said ministers would consult on other proposals.",
    )
    assert ("opposition parties", "refuse") in _pairs(statements)
    assert "creditor nations" not in [s.actor.name for s in statements]
    assert "said ministers" not in [s.actor.name for s in statements]


def test_mr_before_a_registry_name_makes_him_a_man_she_cannot_refer_to(registry) -> None:
    statements = _statements(
        registry, "Mr Brown spoke first.\nShe said she would oppose the budget."
    )
    assert "Gordon Brown" not in [s.actor.name for s in statements]


@pytest.mark.parametrize(
    ("sentence", "holder", "stance"),
    [
        (
            'Jane Doe said the rules were "unworkable" and Mr Green\'s plan unfair.',
            "Jane Doe",
            "refuse",
        ),
        ("Jane Doe said it was wrong to cut the budget.", "Jane Doe", "refuse"),
        ("Jane Doe said it was important that pupils are told.", "Jane Doe", "demand"),
    ],
)
def test_judgements_and_necessity_in_reported_speech(registry, sentence, holder, stance) -> None:
    assert _pairs(_statements(registry, sentence)) == [(holder, stance)]


def test_what_is_announced_by_someone_is_their_position(registry) -> None:
    statements = _statements(
        registry,
        "Maternity pay is to rise by £1,400 under proposals announced by the Trade and Industry "
        "Secretary Patricia Hewitt.",
    )
    assert _pairs(statements) == [("Patricia Hewitt", "commit")]


@pytest.mark.parametrize(
    ("sentence", "holder"),
    [
        ("The Countryside Alliance opposes the ban.", "Countryside Alliance"),
        ("Sean O'Brien opposes the ban.", "Sean O'Brien"),
    ],
)
def test_more_body_heads_and_irish_surnames_are_discovered(registry, sentence, holder) -> None:
    assert _pairs(_statements(registry, sentence)) == [(holder, "refuse")]


@pytest.mark.parametrize(
    ("sentence", "holder"),
    [
        ("Labour campaign chiefs say there are no plans for an early election.", "Labour Party"),
        ("Civil liberties groups criticised the bill.", "Civil liberties groups"),
        ("The bill was debated as head teachers warned against it.", "head teachers"),
    ],
)
def test_plural_groups_and_the_actors_they_belong_to(registry, sentence, holder) -> None:
    assert [s.actor.name for s in _statements(registry, sentence)] == [holder]


def test_an_acronym_is_the_body_whose_initials_it_spells(registry) -> None:
    statements = _statements(
        registry,
        "The Qualifications and Curriculum Authority met on Monday.\nThe QCA rejected the plan.",
    )
    [statement] = statements
    assert (statement.actor.name, statement.stance) == (
        "Qualifications and Curriculum Authority",
        "refuse",
    )
    assert "QCA" in statement.actor.aliases


def test_a_lead_sentence_role_is_the_person_the_next_sentence_names(registry) -> None:
    statements = _statements(
        registry,
        "Longer leave should be in the manifesto, the Trade and Industry Secretary has said.\n"
        "Patricia Hewitt said the cost was being evaluated.\n"
        "The minister told delegates that it was vital to act.",
    )
    assert _pairs(statements) == [
        ("Patricia Hewitt", "demand"),
        ("Patricia Hewitt", "open"),
        ("Patricia Hewitt", "demand"),
    ]
    assert "Trade and Industry Secretary" in statements[0].actor.aliases


def test_a_role_in_the_lead_never_named_holds_nothing(registry) -> None:
    statements = _statements(
        registry, "Taxes should fall, the chancellor has said.\nThe economy grew by 3%."
    )
    assert statements == []


def test_a_places_ministers_are_its_executive_named_later(registry) -> None:
    statements = _statements(
        registry,
        "Welsh ministers insist they will still have the final say.\n"
        "The Welsh Executive met on Monday.",
    )
    [statement] = statements
    assert statement.actor.name == "Welsh Executive"
    assert "Welsh ministers" in statement.actor.aliases


def test_a_registry_person_named_in_full_is_also_known_by_surname(registry) -> None:
    [statement] = _statements(registry, "Gordon Brown pledged to cut taxes.")
    assert "Brown" in statement.actor.aliases


def test_an_actor_inside_a_quote_is_not_its_speaker_and_a_nameless_subject_holds_nothing(
    registry,
) -> None:
    statements = _statements(
        registry,
        '"People will use it as an excuse to come back to India," said Bhanu Baweja, a strategist.',
    )
    assert statements == []


def test_an_analyst_of_a_firm_speaks_for_himself_and_will_still_be_is_no_cue(registry) -> None:
    statements = _statements(
        registry,
        "Analyst Mike Powell of Dresdner Kleinwort Wasserstein says revenues will still be short.",
    )
    assert statements == []


def test_warned_with_a_time_before_that_still_warns(registry) -> None:
    statements = _statements(
        registry,
        "The IMF warned on Thursday that the deficit was too large and would hamper growth.",
    )
    assert _pairs(statements) == [("IMF", "refuse")]


def test_what_a_passive_cue_is_about_does_not_hold_it(registry) -> None:
    statements = _statements(
        registry, "The Google toolbar was widely criticised by net users and later dropped."
    )
    assert statements == []


def test_a_middle_initial_stays_in_a_name_and_the_lords_are_a_house(registry) -> None:
    statements = _statements(
        registry, "George W Bush pledged to cut taxes.\nBut the Lords rejected the plan."
    )
    assert _pairs(statements) == [("George W Bush", "commit"), ("House of Lords", "refuse")]


def test_a_place_before_a_named_speaker_is_not_the_speaker(registry) -> None:
    statements = _statements(
        registry, 'In the Commons, Mr Howard said: "It must be subject to a sunset clause."'
    )
    assert _pairs(statements) == [("Mr Howard", "demand")]


# Business text: companies, their heads and the traps found on BBC business articles
# (tests/data/bbc_business_gold.yaml). All names below are invented.


def test_a_company_named_by_one_word_is_an_actor(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Zentrix rose on Monday.\nZentrix has pledged to repay the loan by June.",
    )
    assert _pairs(statements) == [("Zentrix", "commit")]


def test_a_company_suffix_is_dropped_for_the_companys_everyday_name(registry) -> None:
    [statement] = _statements(
        registry, "Yoldar Group says it will ask its lenders to wait until March."
    )
    assert statement.actor.name == "Yoldar Group" and "Yoldar" in statement.actor.aliases
    assert statement.reported_by is None  # the company reports its own position


def test_a_capitalised_word_used_as_a_common_noun_or_a_season_is_no_company(registry) -> None:
    statements = _statements(
        registry,
        "The Secretary for the Family, Jo Brightwell, said the plan was desperate.\n"
        "The two firms signed a Memorandum of Understanding.\n"
        "They expect an agreement by Spring 2006.",
    )
    assert {s.actor.name for s in statements} <= {"Jo Brightwell"}


def test_the_company_means_the_company_the_story_is_about_not_a_union(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Brelco fell.\nBrelco said the cuts were needed.\n"
        "The Furnace Workers Union condemned the cuts.\n"
        "But the company has said it intends to open a new plant.",
    )
    assert ("Brelco", "open") in _pairs(statements)
    assert ("Furnace Workers Union", "open") not in _pairs(statements)


def test_a_company_head_speaks_for_the_company_named_with_him(registry) -> None:
    statements = _by_actor(
        _statements(
            registry,
            'Quorvane Group\'s chief executive Tom Aldane said: "We will cut 200 jobs."\n'
            'Pellam Group\'s deputy chief executive Ann Rusk said: "We will not close plants."',
        )
    )
    assert {"Tom Aldane", "Quorvane Group", "Ann Rusk"} <= set(statements)
    assert "Pellam Group" not in statements  # a deputy speaks for herself only


def test_a_head_named_after_the_person_also_speaks_for_the_body(registry) -> None:
    statements = _by_actor(
        _statements(
            registry,
            '"It is a preposterous plan," said Mary Olwen, FWU general secretary.',
        )
    )
    assert set(statements) == {"Mary Olwen", "FWU"}


def test_a_sentence_opening_it_only_continues_the_previous_sentences_body(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Zentrix rose.\nZentrix pledged to keep its plant open.\n"
        "The new handset sells well in Asia.\n"
        "It will launch in Europe next year.\nIt is vital that prices fall.",
    )
    assert _pairs(statements) == [("Zentrix", "commit")]


def test_a_sentence_opening_it_right_after_the_company_is_the_company(registry) -> None:
    statements = _statements(
        registry, "Shares in Zentrix fell.\nZentrix posted a loss.\nIt plans to sell its music arm."
    )
    assert _pairs(statements) == [("Zentrix", "open")]


def test_a_programme_or_product_name_is_not_a_person(registry) -> None:
    statements = _statements(
        registry,
        "The Go Digital programme will offer grants.\nIts Fast Lane scheme will pay for training.",
    )
    assert all(s.actor.kind != "person" for s in statements)


def test_the_last_example_of_an_including_list_is_not_the_subject(registry) -> None:
    statements = _statements(
        registry,
        "Several carmakers, including Pellam Motors, Drayco and Ostin, have pledged to cut prices.",
    )
    assert {s.actor.name for s in statements} <= {"Several carmakers"}


def test_a_condition_before_the_cue_makes_a_commitment_conditional(registry) -> None:
    statements = _statements(
        registry,
        'Brelco director general Tom Aldane said: "If they default, we will fight them in court."',
    )
    assert ("Tom Aldane", "conditional") in _pairs(statements)


def test_a_courts_finding_that_a_claim_cannot_proceed_is_a_refusal(registry) -> None:
    statements = _statements(
        registry,
        "But the Court of Appeals for the District of Columbia ruled that the government "
        "could not sue the firms.",
    )
    assert _pairs(statements) == [("Court of Appeals", "refuse")]


def test_a_demand_from_someone_else_is_a_noun_not_the_subjects_demand(registry) -> None:
    statements = _statements(
        registry, "Zentrix already faces a similar repayment demand from foreign banks."
    )
    assert statements == []


def test_a_relative_clause_after_a_bracketed_acronym_belongs_to_the_body(registry) -> None:
    statements = _statements(
        registry,
        "The Commission faces a challenge from the Northern Freight Carriers Association "
        '(NFCA), which has attacked the rules as a "bad piece of legislation".',
    )
    assert _pairs(statements) == [("Northern Freight Carriers Association", "refuse")]


def test_a_founder_after_of_its_is_not_the_subject_of_the_next_verb(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Zentrix fell.\n"
        "Zentrix claims its fall was punishment for the ambitions of its founder Ivo Marsk "
        "and has vowed to sue the buyers.",
    )
    assert _pairs(statements) == [("Zentrix", "commit")]


def test_a_company_offering_and_deciding_commits(registry) -> None:
    statements = _statements(
        registry,
        "Pellam Group said it was offering voluntary redundancy.\n"
        "Drayco Airways decided to raise its fuel surcharge.",
    )
    assert _pairs(statements) == [("Pellam Group", "commit"), ("Drayco Airways", "commit")]


def test_a_participle_required_for_is_no_demand(registry) -> None:
    statements = _statements(
        registry, "Brelco ignored the consultation period required for large cuts."
    )
    assert statements == []


def test_objecting_and_lashing_out_are_criticism(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Zentrix fell.\nZentrix lashed out at the new tariffs.\n"
        "Drayco Airways objected to the subsidies.",
    )
    assert _pairs(statements) == [("Zentrix", "refuse"), ("Drayco Airways", "refuse")]


def test_a_place_office_holder_named_sentences_later_holds_the_lead_position(registry) -> None:
    statements = _statements(
        registry,
        "On Thursday, Vetoria's trade minister, lashed out at farm subsidies.\n"
        "He also called for reform of the World Bank.\n"
        "The talks end on Friday.\n"
        "Ilan Moravec, Vetoria's trade minister, is attending as a guest.",
    )
    assert _pairs(statements) == [("Ilan Moravec", "refuse"), ("Ilan Moravec", "demand")]


def test_an_unnamed_office_holder_never_appears_as_a_placeholder(registry) -> None:
    statements = _statements(
        registry, "On Thursday, Vetoria's trade minister, lashed out at farm subsidies."
    )
    assert statements == []


def test_a_body_saying_when_it_acts_still_speaks_of_itself(registry) -> None:
    statements = _statements(
        registry, "Pellam Group said last week it was offering voluntary redundancy."
    )
    assert _pairs(statements) == [("Pellam Group", "commit")]


def test_we_need_money_is_a_demand_but_a_countrys_need_is_not(registry) -> None:
    statements = _statements(
        registry,
        'Ilan Moravec said: "We need at least $20bn in investment."\n'
        "The plan meets Ukraine's need for deterrence.",
    )
    assert _pairs(statements) == [("Ilan Moravec", "demand")]


def test_a_place_after_a_preposition_is_not_the_subject_of_will(registry) -> None:
    statements = _statements(
        registry,
        "He raced in Vetora last year.\nA win in Vetora will build up his confidence.",
    )
    assert statements == []


def test_list_members_introduced_by_their_jobs_are_not_the_subject(registry) -> None:
    statements = _statements(
        registry,
        "A panel including Sir Ivo Marsk, actor Tam Brill and writer Jo Vance will decide.",
    )
    assert statements == []


def test_the_capital_named_after_its_noun_is_no_subject(registry) -> None:
    statements = _statements(
        registry,
        "Trade grew in Vetora.\nThe scheme north of the capital Vetora aims to offer prices.",
    )
    assert statements == []


def test_the_union_means_the_union_named_before_not_the_company(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Brelco fell.\nThe Furnace Workers Union met Brelco managers.\n"
        "The union has threatened to strike.\nThe watchdog pledged to act.",
    )
    assert _pairs(statements) == [("Furnace Workers Union", "commit")]


def test_what_a_speaker_calls_necessary_is_the_speakers_demand(registry) -> None:
    statements = _statements(
        registry,
        "Ilan Moravec, chairman of the Vetoria Freight Board, said that the changes were "
        "necessary.\n"
        "The rules were necessary after the crash.",
    )
    assert _pairs(statements) == [("Ilan Moravec", "demand"), ("Vetoria Freight Board", "demand")]


def test_what_a_speaker_says_another_should_do_is_the_speakers_demand(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Zentrix rose.\n"
        'Ilan Moravec said: "Of course Zentrix should be allowed to sell its music arm."\n'
        "Ilan Moravec said Zentrix must repay its loans.",
    )
    assert _pairs(statements) == [("Ilan Moravec", "demand"), ("Ilan Moravec", "demand")]


def test_resisting_and_denouncing_are_refusals(registry) -> None:
    statements = _statements(
        registry,
        "China has resisted pressure to break the link.\n"
        "Shares in Zentrix fell.\nZentrix denounced the tariffs.",
    )
    assert _pairs(statements) == [("China", "refuse"), ("Zentrix", "refuse")]


def test_a_cue_pattern_is_tried_at_every_word_it_can_open_with() -> None:
    # find_cues tries, at a word, only the cue patterns whose parse says they can open with
    # it: every real match must start with one of the pattern's openings.
    sentences = [
        stances._folded(sentence)
        for pair in load_corpus(DEFAULT_CORPUS)
        for sentence in pair.article.sentences
    ]
    matches = 0
    for pattern, openings in stances._OPENINGS.items():
        compiled = re.compile(rf"(?<![\w-])(?:{pattern})")
        for sentence in sentences:
            for match in compiled.finditer(sentence):
                opening = next(o for o in openings if sentence.startswith(o, match.start()))
                assert stances._CUE_STARTS.match(sentence, match.start()), pattern
                assert opening[:1] in ("", *stances._CUES_BY_FIRST_CHARACTER), pattern
                matches += 1
    assert matches > 300  # 557 cue matches in the BBC articles


@pytest.mark.parametrize(
    ("pattern", "openings"),
    [
        (r"(?:is|are)\s+willing", {"is", "are"}),
        (r"(?<!no\s)needs?\s+to\b", {"need", "needs"}),  # a look-behind: no character
        (r"(?:it\s+is\s+)?(?:high\s+)?time\s+to", {"it", "high", "time"}),
        (r"did\s*(?:not|n't)", {"did", "didnot", "didn't"}),  # "\s*" may be nothing
        (r"considers|['’]ll", {"considers", "'ll", "’ll"}),
        (r"[a-z]+\s+out", {""}),  # a range: anything
        (r"(?i:rule)", {""}),  # ignoring case: "R" as well
        (r"(?:out)?", {"out", ""}),  # may match nothing
    ],
)
def test_a_cue_pattern_opens_with_what_its_parse_allows(pattern: str, openings: set) -> None:
    assert patterns.openings(pattern) == openings


def test_scare_quotes_around_the_verb_leave_the_subject_its_holder(registry) -> None:
    statements = _statements(
        registry, 'Harriet Colby "strongly opposed" the sale of the county archive.'
    )
    assert _pairs(statements) == [("Harriet Colby", "refuse")]


def test_a_participle_with_its_agent_belongs_to_the_agent(registry) -> None:
    statements = _statements(
        registry,
        "The leaflets showed Owen Pryce as a pirate and caused uproar, charges denied by "
        "the Green Party.",
    )
    assert _pairs(statements) == [("Green Party", "refuse")]


def test_warning_someone_to_act_is_a_demand(registry) -> None:
    statements = _statements(
        registry,
        "Dana Whitlow, a former minister and now an envoy, warned the regulator to stay out "
        "of the dispute.",
    )
    assert _pairs(statements) == [("Dana Whitlow", "demand")]


def test_seeing_no_need_for_a_change_is_a_refusal(registry) -> None:
    statements = _statements(
        registry,
        "Another critic is the former inspector, Professor Ada Quill, who has said there is "
        'no need for such a "drastic overhaul".',
    )
    assert _pairs(statements) == [("Ada Quill", "refuse")]


def test_a_plural_acronym_is_a_thing_and_the_speakers_demand_stays_his(registry) -> None:
    statements = _statements(
        registry,
        "The chief examiner, Colin Marsh, also said recently that SATs and NVQs should go.",
    )
    assert _pairs(statements) == [("Colin Marsh", "demand")]


def test_a_speaker_named_after_the_words_with_a_role_between_holds_a_should(registry) -> None:
    statements = _statements(
        registry,
        'The minister should apologise "for the hurt he so carelessly caused", Rev Ruth '
        "Adeyemi, founder of the charity Open Doors said.",
    )
    assert _pairs(statements) == [("Ruth Adeyemi", "demand")]


def test_a_plural_demonym_names_a_group(registry) -> None:
    statements = _statements(
        registry, "Falklanders rejected plans for the islands to be governed jointly."
    )
    assert [(s.actor.name, s.actor.kind, s.stance) for s in statements] == [
        ("Falklanders", "group", "refuse")
    ]


def test_both_people_of_a_pair_with_a_role_between_hold_the_agreement(registry) -> None:
    statements = _statements(
        registry,
        "Jack Orwin met officials.\n"
        "Mr Orwin and his Danish counterpart Lars Holm agreed to set up a joint panel.",
    )
    assert sorted(_pairs(statements)) == [("Jack Orwin", "commit"), ("Lars Holm", "commit")]


def test_a_criticism_in_a_having_clause_belongs_to_the_sentences_subject(registry) -> None:
    statements = _statements(
        registry,
        "The Greens said they were pleased Mr Orwin had been pushed into going, having earlier "
        "criticised the decision to send a junior official.",
    )
    assert _pairs(statements) == [("Greens", "refuse")]


def test_a_party_named_inside_a_persons_apposition_is_not_the_subject(registry) -> None:
    statements = _statements(
        registry,
        "Nora Vell, a former Green Party minister and now a judge, warned the council to drop "
        "the plan.",
    )
    assert _pairs(statements) == [("Nora Vell", "demand")]


def test_what_a_plan_would_undermine_is_opposed_by_the_speaker_named_after(registry) -> None:
    statements = _statements(
        registry,
        "The Tarn Water Board met.\n"
        '"Any delay to the works would, in our view, undermine public trust," said its '
        "chairman, Sir Omar Hale.",
    )
    assert _pairs(statements) == [("Omar Hale", "refuse")]


def test_the_queen_is_a_person_who_can_commit(registry) -> None:
    statements = _statements(
        registry, "The Queen and Prince Albert will open the new wing of the hospital."
    )
    assert sorted(_pairs(statements)) == [("Prince Albert", "commit"), ("the Queen", "commit")]


def test_what_should_have_been_done_is_a_reproach_not_a_demand(registry) -> None:
    statements = _statements(
        registry,
        'Shadow minister Ivo Penn said: "The council only acted when pushed, and should have '
        'acted months ago."',
    )
    assert _pairs(statements) == [("Ivo Penn", "refuse")]


def test_a_company_in_the_middle_of_cutting_jobs_has_committed_to_it(registry) -> None:
    statements = _statements(
        registry, "Shares in Corvane fell.\nCorvane is axing 300 jobs at its Leeds plant."
    )
    assert _pairs(statements) == [("Corvane", "commit")]


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Vextor said it would release a patch for its Vextor Office suite.", "Vextor"),
        ("Kelvo has launched a new music download service.", "Kelvo"),
        ("Dunlo, the Japanese electronics firm, said it would cut 500 jobs.", "Dunlo"),
    ],
)
def test_a_company_that_opens_the_sentence_and_acts_is_discovered(
    registry, text: str, company: str
) -> None:
    assert [(s.actor.name, s.actor.kind) for s in _statements(registry, text)] == [
        (company, "organisation")
    ]


def test_a_plural_common_noun_opening_a_sentence_is_no_company(registry) -> None:
    statements = _statements(
        registry, "Analysts said prices would fall.\nCritics said the service would fail."
    )
    assert statements == []


def test_it_said_it_would_is_the_company_of_the_sentence_before(registry) -> None:
    statements = _statements(
        registry,
        "Kelvo has launched a new music download service.\nIt said it would charge 79p a song.",
    )
    assert _pairs(statements) == [("Kelvo", "commit"), ("Kelvo", "commit")]


@pytest.mark.parametrize(
    "text",
    [
        "Shares in Corvane fell.\nCorvane has quietly released a patch for its tills.",
        "Shares in Corvane fell.\nCorvane closed 40 stores in the last quarter.",
        "Shares in Corvane fell.\nCorvane is working on a cheaper handset.",
        "Shares in Corvane fell.\nCorvane has thrown out the offer from its rival.",
    ],
)
def test_what_an_actor_has_done_or_is_doing_is_its_position(registry, text: str) -> None:
    assert [s.actor.name for s in _statements(registry, text)] == ["Corvane"]


def test_a_deed_reported_in_the_passive_without_an_actor_as_agent_is_nobodys(registry) -> None:
    statements = _statements(
        registry,
        "A claim by the Yerrow Group against Corvane has been thrown out by a judge in Leeds.",
    )
    assert statements == []


def test_a_deed_must_follow_its_actor(registry) -> None:
    statements = _statements(
        registry, "The tills that Corvane sells were recalled after the stores closed 40 lanes."
    )
    assert statements == []


def test_advising_users_to_act_is_a_demand(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Corvane fell.\nCorvane advised customers to switch off their tills.",
    )
    assert _pairs(statements) == [("Corvane", "demand")]


def test_an_accusation_of_encouraging_others_asks_nothing_of_the_accuser(registry) -> None:
    statements = _statements(
        registry,
        "The remark was criticised by the Green Party, which accused him of encouraging "
        "people to drink.",
    )
    assert _pairs(statements) == [("Green Party", "refuse")]


def test_having_no_need_to_act_is_a_refusal_and_choosing_to_act_a_commitment(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Corvane fell.\nCorvane said it had no need to update the tills.\n"
        "Corvane said replacing the cords was a step it was choosing to take.",
    )
    assert _pairs(statements) == [("Corvane", "refuse"), ("Corvane", "commit")]


@pytest.mark.parametrize(
    ("text", "actor", "stance"),
    [
        (
            "The Committee to Protect Farmers is asking shops to pay more.",
            "Committee to Protect Farmers",
            "demand",
        ),
        (
            "Forum for the Future has called for a deposit on old phones.",
            "Forum for the Future",
            "demand",
        ),
        (
            "Yesterday Lanark Valley Digital Works (LVDW) said it would build the network.",
            "Lanark Valley Digital Works",
            "commit",
        ),
        ("Peruvian authorities closed 40 mines last year.", "Peru", "commit"),
        ("Its progress stalled when Polish MEPs rejected the plan.", "Polish MEPs", "refuse"),
    ],
)
def test_bodies_and_groups_the_registry_never_saw_are_discovered(
    registry, text: str, actor: str, stance: str
) -> None:
    assert _pairs(_statements(registry, text)) == [(actor, stance)]


def test_initials_after_a_name_become_its_alias_and_stand_for_it_later(registry) -> None:
    statements = _statements(
        registry,
        "The board chose Lanark Valley Digital Works (LVDW) for the job.\n"
        "LVDW will oversee the choice of sites.",
    )
    assert _pairs(statements) == [("Lanark Valley Digital Works", "commit")]
    assert "LVDW" in statements[0].actor.aliases


def test_an_adjective_no_country_name_opens_is_no_country(registry) -> None:
    assert _statements(registry, "Last year Fooish authorities closed 40 mines.") == []


def test_a_relative_clause_between_a_subject_and_will_leaves_it_the_subject(registry) -> None:
    statements = _statements(
        registry,
        "Shares in Corvane fell.\n"
        "Corvane, which has been building the chip for three years, will unveil it in May.",
    )
    assert _pairs(statements) == [("Corvane", "commit")]


def test_i_hope_and_looking_to_are_open(registry) -> None:
    statements = _statements(
        registry,
        '"I hope this day will focus people," Ada Quill, director of the Yerrow Trust, said.\n'
        "The Yerrow Trust is looking to do a bigger trial later this year.",
    )
    assert ("Ada Quill", "open") in _pairs(statements)
    assert ("Yerrow Trust", "open") in _pairs(statements)


def test_a_body_named_at_the_end_of_a_sentence_leaves_out_the_full_stop(registry) -> None:
    statements = _statements(
        registry,
        "The report was written by Ada Quill, an adviser at the Forum for the Future.\n"
        "The German Embassy and the Forum for the Future have all contributed to the fund.",
    )
    assert sorted(_pairs(statements)) == [
        ("Forum for the Future", "commit"),
        ("German Embassy", "commit"),
    ]


@pytest.mark.parametrize(
    "deed", ["has signed the striker", "suspended its coach", "has resigned", "stepped down"]
)
def test_signing_suspending_and_resigning_are_deeds(registry, deed: str) -> None:
    statements = _statements(registry, f"Shares in Corvane fell.\nCorvane {deed} on Monday.")
    assert _pairs(statements) == [("Corvane", "commit")]
