"""The bot's text: escaping, Telegram's length limit, and the shape of each answer.

Every rendered message is checked with the Bot API fake's strict HTML parser, so "Telegram
would accept it" is tested, not assumed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import render
from bot.answers import ActorCard, ArticleRef, Briefing, Change, Position, WhoAnswer
from storage.repository import Stats
from tests.fake_bot_api import parse_html, utf16_len

WHEN = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def accepted(message: str) -> str:
    """The visible text Telegram would show; fails the test if Telegram would refuse it."""
    visible, _entities = parse_html(message)
    assert visible.strip(), "empty message"
    assert utf16_len(visible) <= 4096
    return visible


def briefing(number: int = 1, **overrides: object) -> Briefing:
    values: dict[str, object] = {
        "id": number,
        "title": f"Talks <resume> & stall #{number}",
        "source": "inbox/a&b.txt",
        "published": WHEN,
        "ingested_at": WHEN,
        "summary": ["Leaders met in Paris.", "They agreed on <nothing>.", "Talks go on."],
        "actors": ["Volodymyr Zelensky", "Donald Trump"],
    }
    values.update(overrides)
    return Briefing(**values)  # type: ignore[arg-type]


def position(stance: str = "commit", evidence: str = "We will send <more> aid & arms.") -> Position:
    return Position(
        stance=stance,
        evidence=evidence,
        hedged=False,
        reported_by=None,
        article=ArticleRef("Aid <package> agreed", "inbox/x.txt", WHEN),
        date=WHEN,
    )


def test_escaping_keeps_user_text_literal() -> None:
    assert render.esc("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert render.attr('https://x.org/?a=1&b="2"') == '"https://x.org/?a=1&amp;b=&quot;2&quot;"'
    assert accepted(render.esc("<b>not bold</b> & <script>")) == "<b>not bold</b> & <script>"


def test_split_messages_packs_items_and_breaks_only_between_them() -> None:
    items = [f"<b>Item {n}</b>\n" + "word " * 150 for n in range(40)]
    messages = render.split_messages(items)
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message) <= 4096
        accepted(message)
    rejoined = render.ITEM_SEPARATOR.join(messages)
    assert rejoined == render.ITEM_SEPARATOR.join(item.strip() for item in items)


def test_split_messages_counts_utf16_units_of_astral_characters() -> None:
    emoji_item = "😀" * 1500  # 3000 UTF-16 units, 1500 code points
    messages = render.split_messages([emoji_item, emoji_item])
    assert len(messages) == 2
    assert all(utf16_len(message) <= 4096 for message in messages)


def test_an_item_longer_than_a_message_is_cut_at_text_never_inside_a_tag_or_entity() -> None:
    item = (
        "<b>Head</b>\n"
        + "<i>"
        + "fish &amp; chips " * 400
        + "</i>"
        + ' <a href="https://e.x">link</a>'
    )
    [message] = render.split_messages([item])
    assert utf16_len(message) <= 4096
    visible = accepted(message)
    assert visible.endswith("…")
    assert message.endswith("…</i>")
    assert "&amp" not in message.rsplit("&amp;", 1)[-1]  # no half entity at the cut


@pytest.mark.parametrize("limit", [5, 17, 60, 333])
def test_truncation_always_gives_well_formed_html_within_the_limit(limit: int) -> None:
    item = "<b>bold <i>nested &lt;tags&gt;</i></b> tail " * 20
    cut = render.truncate_html(item, limit)
    assert utf16_len(cut) <= limit
    parse_html(cut)


def test_fit_message_shortens_the_longest_item_to_fit_one_message() -> None:
    text = render.fit_message(["<b>header</b>", "x " * 3000, "short item"])
    assert utf16_len(text) <= 4096
    assert "short item" in accepted(text)


def test_a_briefing_shows_title_source_summary_and_actors_escaped() -> None:
    visible = accepted(render.briefing_item(briefing()))
    assert "Talks <resume> & stall #1" in visible
    assert "inbox/a&b.txt" in visible
    assert "They agreed on <nothing>." in visible
    assert "👥 Volodymyr Zelensky, Donald Trump" in visible


def test_a_web_source_becomes_a_link_named_by_its_host() -> None:
    html = render.briefing_item(briefing(source="https://www.bbc.co.uk/news/a?b=1&c=2"))
    visible, entities = parse_html(html)
    assert "bbc.co.uk" in visible
    assert entities[1]["url"] == "https://www.bbc.co.uk/news/a?b=1&c=2"


def test_a_digest_shows_the_newest_items_and_says_how_many_more() -> None:
    items = [briefing(n, ingested_at=WHEN.replace(minute=n)) for n in range(1, 13)]
    messages = render.digest_messages(items[:10], total=25, daily=False)
    visible = "\n".join(accepted(m) for m in messages)
    assert visible.startswith("📰 25 new briefings")
    assert "…and 15 more" in visible
    assert visible.index("#10") < visible.index("#9")  # newest first


def test_a_who_page_marks_each_stance_with_emoji_and_word() -> None:
    answer = WhoAnswer(
        query="zelensky",
        actor=ActorCard("Volodymyr Zelensky", "person", ("Zelensky", "Зеленський")),
        positions=[
            position("commit"),
            Position(
                stance="refuse",
                evidence="Kyiv will not cede land.",
                hedged=True,
                reported_by="Reuters <agency>",
                article=ArticleRef("Land", "s", WHEN),
                date=WHEN,
                changes=(Change("Kyiv might cede land.", "open", ArticleRef("Old", "s", WHEN)),),
            ),
        ],
        total=7,
    )
    visible = accepted(render.who_page(answer, 0))
    assert "👤 Volodymyr Zelensky (person)" in visible
    assert "7 positions, newest first (showing 1–2)" in visible
    assert "✅ COMMITS" in visible and "“We will send <more> aid & arms.”" in visible
    assert "⛔ REFUSES (unconfirmed, reported by Reuters <agency>)" in visible
    assert (
        "↺ changes an earlier position (🤔 open to, 4 Mar 2025): “Kyiv might cede land.”" in visible
    )
    assert "— Aid <package> agreed, 4 Mar 2025" in visible


def test_a_who_page_of_very_long_evidence_still_fits_one_message() -> None:
    answer = WhoAnswer(
        query="x",
        actor=ActorCard("X", "person", ()),
        positions=[position(evidence="long " * 2000) for _ in range(5)],
        total=5,
    )
    accepted(render.who_page(answer, 0))


def test_help_lists_admin_commands_only_to_admins() -> None:
    public = accepted(render.help_message(admin=False))
    admin = accepted(render.help_message(admin=True))
    for entry in render.COMMANDS:
        assert (f"/{entry.command}" in public) == (not entry.admin)
        assert f"/{entry.command}" in admin


def test_stats_and_actors_render_every_figure() -> None:
    stats = Stats(12, 5, 40, 3, WHEN, 2, 1)
    visible = accepted(render.stats_message(stats, in_flight=4))
    for expected in (
        "Articles: 12",
        "Actors with positions: 5",
        "Statements: 40",
        "Active subscribers: 3",
        "Last ingest: 2025-03-04 09:30 UTC",
        "Deliveries pending: 2 (+4 sending)",
        "Deliveries failed: 1",
    ):
        assert expected in visible
    actors = accepted(render.actors_message([("A & B", "group", 9), ("C", "person", 2)]))
    assert "1. A & B (group): 9" in actors


def test_an_admin_alert_shows_the_error_escaped_and_short() -> None:
    visible = accepted(render.admin_error_message("job <scan>", ValueError("bad <thing> " * 500)))
    assert visible.startswith("⚠️ briefbot error in job <scan>")
    assert len(visible) < 2000
