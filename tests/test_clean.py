"""Cleaning: what the seed articles contain that must never reach a reader."""

from __future__ import annotations

import pytest

from bot.pipeline import boilerplate
from bot.pipeline.clean import clean_article
from tests.helpers import SEEDS, normalise, seed_briefs

BRIEFS = seed_briefs()


def _clean(name: str):
    return clean_article((SEEDS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("brief", BRIEFS, ids=lambda b: b["article"])
def test_no_forbidden_text_survives_cleaning(brief: dict) -> None:
    article = _clean(brief["article"])
    reader_text = normalise(" ".join([article.headline or "", *article.sentences]))
    for phrase in brief["forbidden"]:
        assert normalise(phrase) not in reader_text, phrase


@pytest.mark.parametrize("brief", BRIEFS, ids=lambda b: b["article"])
def test_every_key_sentence_survives_cleaning(brief: dict) -> None:
    sentences = [normalise(s) for s in _clean(brief["article"]).sentences]
    for phrase in brief["key"]:
        assert any(normalise(phrase) in s for s in sentences), phrase


@pytest.mark.parametrize("brief", [b for b in BRIEFS if "title" in b], ids=lambda b: b["article"])
def test_headline_line_becomes_the_headline(brief: dict) -> None:
    assert normalise(_clean(brief["article"]).headline or "") == brief["title"]


def test_article_without_headline_line_has_none() -> None:
    assert _clean("000_381c8fa5f7f448f3.txt").headline is None
    assert _clean("002_ffeabc11d1486852.txt").headline is None


def test_text_repeated_twice_keeps_each_sentence_once() -> None:
    article = _clean("004_6d8013877af51541.txt")
    folded = [normalise(s) for s in article.sentences]
    assert len(folded) == len(set(folded))
    assert sum("35 countries" in s for s in folded) == 1


def test_each_line_is_a_paragraph_once_hard_wrapped_lines_are_joined() -> None:
    text = (
        "Bridge Closes for Repairs\nThe council said on\nMonday that the bridge will close. "
        "Engineers found corrosion.\nA ferry will run.\n\nDrivers face a diversion."
    )
    assert clean_article(text).paragraphs == (
        ("The council said on Monday that the bridge will close.", "Engineers found corrosion."),
        ("A ferry will run.",),
        ("Drivers face a diversion.",),
    )


def test_headings_are_never_glued_to_the_next_sentence() -> None:
    text = "Big Headline Here\nThe Push for Real Security Assurances\nRecent Summit in Paris\nLeaders met on Monday. They agreed."
    article = clean_article(text)
    assert article.headline == "Big Headline Here"
    assert article.sentences == ("Leaders met on Monday.", "They agreed.")


def test_bullet_markers_and_glued_labels_are_removed() -> None:
    text = "Title\n\n  • Erosion of Trust and Morale: For Ukraine, the talks failed.\n- Plain item is a sentence."
    assert clean_article(text).sentences == (
        "For Ukraine, the talks failed.",
        "Plain item is a sentence.",
    )


def test_reading_list_entries_are_dropped() -> None:
    text = (
        "Title\n\nThe talks ended without a deal.\n"
        "Chatham House: What guarantees look like – This resource offers insights.\n"
        "NATO’s Open Door Policy – While not directly about guarantees, it matters.\n"
        "- U.S. Department of State: For official statements and policy updates.\n"
    )
    assert clean_article(text).sentences == ("The talks ended without a deal.",)


def test_leaked_generator_instructions_end_the_article() -> None:
    text = "Title\n\nReal sentence here.\n… and so on to make long, with many sections.\nTo reach 3000 words, elaborate.\n- Point one"
    assert clean_article(text).sentences == ("Real sentence here.",)


def test_comment_form_boilerplate_is_dropped() -> None:
    text = 'Title\n\nThe summit ended.\nLeave a Reply\nYou must be logged in to post a comment.\n"*" indicates required fields'
    assert clean_article(text).sentences == ("The summit ended.",)


def test_hard_wrapped_lines_are_joined_back() -> None:
    text = "Title\n\nThe minister said the plan would\nbe delayed until the spring.\n"
    assert clean_article(text).sentences == (
        "The minister said the plan would be delayed until the spring.",
    )


def test_pull_quote_byline_is_kept_as_speaker_hint() -> None:
    article = _clean("000_381c8fa5f7f448f3.txt")
    quote = next(i for i, s in enumerate(article.sentences) if s.startswith("I am asking"))
    assert (quote, "Ukrainian President Volodymyr Zelensky") in article.bylines


def test_invisible_and_control_characters_are_removed() -> None:
    article = clean_article("Title\n\nThe\u200b deal\x07 was signed\u00a0today.")
    assert article.sentences == ("The deal was signed today.",)


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("Fields marked with a star indicates required fields", True),
        ("FIELDS MARKED WITH A STAR INDICATES REQUIRED FIELDS", True),
        ("Fields marked with a star indıcates requıred fıelds", True),  # re reads "ı" as "i"
        ("Fields marked with a star indicates optional fields", False),
    ],
)
def test_boilerplate_is_found_in_any_case(line: str, furniture: bool) -> None:
    # Patterns are searched for only where one of their openings stands (lower-cased ASCII
    # text), which must find them in every spelling the pattern itself matches.
    assert boilerplate.FURNITURE_LINE.search(line) is furniture
