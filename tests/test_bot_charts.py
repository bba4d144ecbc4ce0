"""/who's chart and /board end to end: the real bot, the Bot API fake, real databases."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from bot import charts
from bot.pipeline.actors import Registry
from storage import repository
from tests.conftest import ADMIN, USER, Articles, FoundActor, FoundStatement
from tests.fake_bot_api import FakeBotApi, RecordedCall, parse_html, utf16_len

ZELENSKY = FoundActor("Volodymyr Zelensky", aliases=("Zelensky",))
TRUMP = FoundActor("Donald Trump", aliases=("Trump",))
PUTIN = FoundActor("Vladimir Putin", aliases=("Putin",))
STANCES = ["commit", "refuse", "demand", "open", "conditional"]


def seed(articles: Articles) -> None:
    """Zelensky: 20 positions over 20 days; Trump: 1 three days ago; Putin: 1 sixty days ago.

    The registry is loaded first, as the first ingest would, with its Cyrillic spellings.
    """
    with articles.sessions.begin() as session:
        repository.sync_registry(session, Registry.load().actors)
    now = datetime.now(UTC)
    for day in range(20):
        articles.add(
            f"Day {day}: talks on a $5bn aid package <continue> in Geneva 🇨🇭",
            statements=[
                FoundStatement(ZELENSKY, STANCES[day % 5], f"Zelensky statement {day}.", 0)
            ],
            published_at=now - timedelta(days=20 - day),
        )
    articles.add(
        "Trump speaks",
        statements=[FoundStatement(TRUMP, "demand", "Trump demands it.", 0)],
        published_at=now - timedelta(days=3),
    )
    articles.add(
        "Putin speaks",
        statements=[FoundStatement(PUTIN, "refuse", "Putin refuses it.", 0)],
        published_at=now - timedelta(days=60),
    )


async def command(api: FakeBotApi, text: str, method: str) -> RecordedCall:
    mark = api.mark()
    api.send_command(USER, USER, text)
    return await api.wait_for_async(method=method, chat_id=USER, after=mark)


def photo_size(call: RecordedCall) -> tuple[int, int]:
    assert call.photo is not None
    with Image.open(io.BytesIO(call.photo)) as image:
        image.load()
        return image.size


def assert_caption_valid(call: RecordedCall) -> str:
    assert call.caption is not None and call.parse_mode == "HTML"
    text, _entities = parse_html(call.caption)
    assert utf16_len(text) <= 1024
    return call.visible_text or ""


async def test_who_sends_the_text_then_a_timeline_chart(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles)
    mark = api.mark()
    api.send_command(USER, USER, "/who Зеленський")
    photo = await api.wait_for_async(method="sendPhoto", chat_id=USER, after=mark)
    sent = [c.method for c in api.messages_to(USER)]
    assert sent == ["sendMessage", "sendPhoto"]  # the text first, then its chart
    assert photo_size(photo) == (charts.WIDTH, charts.HEIGHT) == (1280, 720)
    caption = assert_caption_valid(photo)
    assert caption.startswith("📈 Volodymyr Zelensky: positions by date and stance")
    assert f"newest {charts.TIMELINE_ARTICLES} articles" in caption
    assert photo.message is not None and photo.message["photo"][0]["width"] == 1280


async def test_who_with_one_position_gets_a_text_line_instead_of_a_chart(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles)
    reply = await command(api, "/who Трамп", "sendMessage")
    assert "Trump demands it." in (reply.visible_text or "")
    assert "One position so far: a chart over time comes with the second." in (
        reply.visible_text or ""
    )
    await command(api, "/who Putin", "sendMessage")  # a later update: Trump's is all done
    assert api.calls("sendPhoto") == []


async def test_who_for_an_unknown_name_sends_no_chart(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles)
    reply = await command(api, "/who Nobody Atall", "sendMessage")
    assert "I know no actor called" in (reply.visible_text or "")
    await command(api, "/help", "sendMessage")
    assert api.calls("sendPhoto") == []


async def test_board_sends_a_matrix_of_the_last_week_by_default(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles)
    photo = await command(api, "/board", "sendPhoto")
    assert photo_size(photo) == (1280, 720)
    caption = assert_caption_valid(photo)
    # Zelensky's days 14..19 (day 13 is just over a week old by now), Trump's; not Putin's.
    assert "7 positions by 2 actors" in caption
    month = await command(api, "/board 30", "sendPhoto")
    assert "21 positions by 2 actors" in assert_caption_valid(month)
    year = await command(api, "/board 365", "sendPhoto")
    assert "22 positions by 3 actors" in assert_caption_valid(year)


@pytest.mark.parametrize(
    "days", ["0", "366", "-3", "seven", "7 14", "1.5", "١٢", "²", "9" * 40, "<b>7</b>"]
)
async def test_board_with_bad_days_gets_the_usage(
    api: FakeBotApi, bot: Any, articles: Articles, days: str
) -> None:
    reply = await command(api, f"/board {days}", "sendMessage")
    assert "Usage: /board or /board DAYS with DAYS from 1 to 365" in (reply.visible_text or "")
    assert api.calls("sendPhoto") == []
    assert api.texts_to(ADMIN) == []


async def test_board_for_a_quiet_period_says_so_in_text(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    reply = await command(api, "/board 2", "sendMessage")
    assert "No positions recorded in the last 2 days." in (reply.visible_text or "")
    seed(articles)
    reply = await command(api, "/board 1", "sendMessage")  # newest positions are a day old
    assert "No positions recorded in the last 1 day." in (reply.visible_text or "")
    assert api.calls("sendPhoto") == []


async def test_a_chat_that_blocked_the_bot_loses_only_its_chart(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed(articles)
    mark = api.mark()
    api.fail_next("sendPhoto", 403, "Forbidden: bot was blocked by the user")
    api.send_command(USER, USER, "/who Zelensky")
    await api.wait_for_async(method="sendPhoto", chat_id=USER, ok=False, after=mark)
    assert await command(api, "/board", "sendPhoto")  # the bot carries on
    assert api.texts_to(ADMIN) == []  # blocked is not an error


async def test_help_lists_board_and_inline_mode(api: FakeBotApi, bot: Any) -> None:
    reply = await command(api, "/help", "sendMessage")
    text = reply.visible_text or ""
    assert "/board [DAYS] — a chart of who took which position lately" in text
    assert "type my @username, a space and a name" in text
    assert "board" in [c["command"] for c in api.commands()]
