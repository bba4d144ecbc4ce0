"""Inline mode end to end: ``@botname NAME`` answered through the Bot API fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import (
    Bot,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)
from telegram.error import BadRequest

from bot import render
from bot.app import ALLOWED_UPDATES
from bot.pipeline.actors import Registry
from storage import repository
from tests.conftest import ADMIN, TOKEN, USER, Articles, FoundActor, FoundStatement, SettingsFactory
from tests.fake_bot_api import FakeBotApi, JsonDict, RecordedCall, parse_html, utf16_len

ZELENSKY = FoundActor("Volodymyr Zelensky", aliases=("Zelensky",))
PUTIN = FoundActor("Vladimir Putin", aliases=("Putin",))
DAY = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
STANCES = ["commit", "refuse", "demand", "open", "conditional"]


@pytest.fixture
async def bot(
    api: FakeBotApi, make_settings: SettingsFactory, bot_runner: Any, articles: Articles
) -> AsyncIterator[Any]:
    with articles.sessions.begin() as session:
        repository.sync_registry(session, Registry.load().actors)
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        await api.wait_for_polling_async()
        yield application


def seed(articles: Articles, count: int = 30) -> None:
    for day in range(count):
        articles.add(
            f"Day {day} <talks> & more",
            statements=[
                FoundStatement(
                    ZELENSKY, STANCES[day % 5], f"Zelensky says <{day}> & “means it”.", 0
                )
            ],
            published_at=DAY + timedelta(days=day),
            source=f"https://www.example.org/news/{day}?a=1&b=2",
        )


async def inline(api: FakeBotApi, query: str) -> RecordedCall:
    mark = api.mark()
    api.inline_query(USER, query)
    return await api.wait_for_async(method="answerInlineQuery", after=mark)


def results(call: RecordedCall) -> list[JsonDict]:
    found = call.params["results"]
    assert isinstance(found, list)
    return found


def test_the_bot_asks_telegram_for_inline_queries() -> None:
    assert "inline_query" in ALLOWED_UPDATES


async def test_a_name_offers_the_actors_latest_positions_as_shareable_html(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles)
    call = await inline(api, "Зеленський")
    offered = results(call)
    assert len(offered) == render.INLINE_RESULTS <= 50
    assert len({r["id"] for r in offered}) == len(offered)
    newest = offered[0]
    assert newest["type"] == "article"
    assert newest["title"] == "Conditional: Day 29 <talks> & more"
    assert newest["description"] == "Zelensky says <29> & “means it”."
    content = newest["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text, entities = parse_html(content["message_text"])
    assert text.startswith("👤 Volodymyr Zelensky 🔀 CONDITIONAL")
    assert "“Zelensky says <29> & “means it”.”" in text
    assert "— Day 29 <talks> & more, 30 May 2025, example.org" in text
    links = [e for e in entities if e["type"] == "text_link"]
    assert links and links[0]["url"] == "https://www.example.org/news/29?a=1&b=2"
    assert call.params["cache_time"] <= 60
    assert "button" not in call.params


async def test_every_spelling_and_a_misspelling_find_the_actor(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles, 3)
    for query in ("Selenskyj", "zelenskiy", "Зеленский", "Wolodymyr Selenskyj", "Zelenksy"):
        offered = results(await inline(api, query))
        assert len(offered) == 3, query
        assert "Volodymyr Zelensky" in offered[0]["input_message_content"]["message_text"]


async def test_an_empty_query_gets_a_hint_button_and_no_results(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    call = await inline(api, "")
    assert results(call) == []
    assert call.params["button"] == {
        "text": render.INLINE_HINT,
        "start_parameter": "inline",
    }


async def test_an_unknown_name_or_an_actor_without_positions_gets_a_hint(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles, 2)
    unknown = await inline(api, "Xqzzy Blorb")
    assert results(unknown) == []
    assert unknown.params["button"]["text"] == "No actor called Xqzzy Blorb"
    close = await inline(api, "Zelen")
    assert results(close) == []
    assert close.params["button"]["text"] == "Not found. Did you mean Volodymyr Zelensky?"
    quiet = await inline(api, "Putin")  # in the registry, but no positions yet
    assert results(quiet) == []
    assert quiet.params["button"]["text"] == "No positions of Vladimir Putin yet"


@pytest.mark.parametrize(
    "query", ["🙂" * 100, "\u202eкснелеЗ", "<b>", "Z" * 256, "'; DROP TABLE actors; --", "%_%"]
)
async def test_hostile_queries_are_answered_safely(
    api: FakeBotApi, bot: Any, articles: Articles, query: str
) -> None:
    seed(articles, 1)
    call = await inline(api, query)
    assert call.ok and results(call) == []
    assert len(call.params["button"]["text"]) <= 64
    assert api.texts_to(ADMIN) == []


async def test_huge_positions_are_cut_to_telegrams_limits(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    articles.add(
        "T" * 500,
        statements=[FoundStatement(ZELENSKY, "demand", "Long <words> & " * 2000, 0)],
        published_at=DAY,
    )
    [offered] = results(await inline(api, "Zelensky"))
    html = offered["input_message_content"]["message_text"]
    assert utf16_len(html) <= 4096
    text, _ = parse_html(html)
    evidence = text.split("“", 1)[1].split("”", 1)[0]
    assert len(evidence) <= render.MAX_EVIDENCE and evidence.endswith("…")
    assert "— " + "T" * (render.MAX_TITLE - 1) + "…, 1 May 2025" in text
    assert len(offered["title"]) <= 100 and offered["title"].endswith("…")
    assert len(offered["description"]) <= 200


async def test_the_fake_checks_article_results_and_the_results_button(api: FakeBotApi) -> None:
    async with Bot(TOKEN, base_url=api.base_url) as raw:
        for bad_button in (
            InlineQueryResultsButton("Open", start_parameter="has spaces"),
            InlineQueryResultsButton("Open"),
        ):
            api.inline_query(USER, "x")
            (update,) = await raw.get_updates(offset=-1)
            assert update.inline_query is not None
            with pytest.raises(BadRequest):
                await update.inline_query.answer([], button=bad_button)
        api.inline_query(USER, "y")
        (update,) = await raw.get_updates(offset=-1)
        assert update.inline_query is not None
        untitled = InlineQueryResultArticle("1", " ", InputTextMessageContent("text"))
        with pytest.raises(BadRequest, match=r"(?i)result_title_empty"):
            await update.inline_query.answer([untitled])
