"""Digest preferences end to end: /settings and its buttons, and digests that honour them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import DAILY_JOB, SCAN_JOB
from storage import preferences, subscriptions
from storage.clock import utcnow
from storage.models import Delivery, Digest, DigestPreference
from tests.conftest import USER, Articles, FoundStatement
from tests.fake_bot_api import FakeBotApi
from tests.test_bot_commands import PUTIN, TRUMP, ZELENSKY, answer, ask
from tests.test_bot_delivery import settled, subscribe_chats


def known_actors(articles: Articles) -> None:
    articles.add(
        "Who is who",
        statements=[
            FoundStatement(ZELENSKY, "commit", "Zelensky commits.", 0),
            FoundStatement(TRUMP, "demand", "Trump demands.", 1),
            FoundStatement(PUTIN, "refuse", "Putin refuses.", 2),
        ],
    )


def digests_to(api: FakeBotApi, chat: int) -> list[str]:
    return [t for t in api.texts_to(chat) if "briefing" in t.splitlines()[0]]


def headlines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("Story")]


async def run_job(application: Any, name: str) -> None:
    [job] = application.job_queue.get_jobs_by_name(name)
    await job.run(application)


# --- the command and its buttons ----------------------------------------------------------


async def test_settings_show_the_defaults_with_buttons_and_change_by_command_and_button(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    known_actors(articles)
    [shown] = await ask(api, "/settings")
    text = shown.visible_text or ""
    assert text.startswith("⚙️ Your digest settings\nYou are not subscribed")
    assert "Actors: any\nKeywords: any\nArticles per digest: up to 10, the rest counted" in text
    assert "/settings keywords ceasefire troops" in text  # how to change them
    assert shown.button_data() == ["settings:max 3", "settings:max 5", "settings:max all"]

    saved = await answer(api, "/settings actors trump, Zelenskyy")
    assert saved.startswith("✅ Saved.")
    assert "Actors: Donald Trump, Volodymyr Zelensky" in saved
    saved = await answer(api, "/settings keywords Ceasefire, cease-fire troops")
    assert "Keywords: ceasefire, cease-fire, troops" in saved
    assert "A digest keeps an article with a position by one of these actors" in saved

    mark = api.mark()
    api.press_button(USER, USER, "settings:max 3")
    edit = await api.wait_for_async(method="editMessageText", chat_id=USER, after=mark)
    assert "Articles per digest: at most 3" in (edit.visible_text or "")
    assert "settings:actors any" in edit.button_data()
    mark = api.mark()
    api.press_button(USER, USER, "settings:actors any")
    edit = await api.wait_for_async(method="editMessageText", chat_id=USER, after=mark)
    assert "Actors: any\nKeywords: ceasefire, cease-fire, troops" in (edit.visible_text or "")

    cleared = await answer(api, "/settings clear")
    assert "Actors: any\nKeywords: any\nArticles per digest: at most 3" in cleared
    await answer(api, "/settings max all")
    with sessions.begin() as session:  # all back to the defaults: no row left
        assert session.scalar(select(DigestPreference.subscriber_id)) is None


@pytest.mark.parametrize(
    ("command", "complaint"),
    [
        ("/settings actors Trump, Nobodyknown", "I know no actor called “Nobodyknown”"),
        ("/settings actors Trmp", "(did you mean Donald Trump?)"),
        ("/settings keywords (a|b)+ .*", "“(a|b)+” is not a plain word"),
        ("/settings keywords <b>x</b>", "“<b>x</b>” is not a plain word"),
        ("/settings keywords " + "w" * 41, "is not a plain word"),
        ("/settings keywords " + " ".join(f"w{n}" for n in range(11)), "at most 10 can be"),
        ("/settings max 0", "The maximum is a number from 1 to 10"),
        ("/settings max 99999999999999999999", "The maximum is a number from 1 to 10"),
        ("/settings frobnicate \x07", "I don't understand those settings."),
    ],
)
async def test_bad_settings_change_nothing_and_say_what_was_wrong(
    api: FakeBotApi,
    bot: Any,
    articles: Articles,
    sessions: sessionmaker[Session],
    command: str,
    complaint: str,
) -> None:
    known_actors(articles)
    await answer(api, "/settings keywords troops")
    reply = await answer(api, command)
    assert complaint in reply and "Nothing was changed." in reply
    assert "Keywords: troops" in await answer(api, "/settings")


# --- digests that honour them -------------------------------------------------------------


async def test_each_instant_subscriber_gets_the_articles_they_asked_for_exactly_once(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    everything, by_word, by_actor, quiet = USER, USER + 1, USER + 2, USER + 3
    known_actors(articles)
    await run_job(bot, SCAN_JOB)
    for chat in (everything, by_word, by_actor, quiet):
        await answer(api, "/subscribe", chat=chat)
    await answer(api, "/settings keywords ceasefire", chat=by_word)
    await answer(api, "/settings actors Putin", chat=by_actor)
    await answer(api, "/settings max 1", chat=by_actor)
    await answer(api, "/settings keywords nothingmatches", chat=quiet)
    articles.add("Story: Ceasefire holds", ["The CEASEFIRE held overnight."])
    articles.add("Story: ceasefires elsewhere", ["Plural is another word."])
    articles.add("Story: (ceasefire) in brackets", ["Summary."])
    for number in (1, 2):
        statement = FoundStatement(PUTIN, "refuse", f"Putin refuses {number}.", 0)
        articles.add(f"Story: Kremlin {number}", ["Summary."], statements=[statement])
    await run_job(bot, SCAN_JOB)
    assert await settled(sessions) == {"sent": 3}

    [all_five] = digests_to(api, everything)
    assert len(headlines(all_five)) == 5
    [words] = digests_to(api, by_word)
    assert headlines(words) == ["Story: (ceasefire) in brackets", "Story: Ceasefire holds"]
    [putin] = digests_to(api, by_actor)
    assert putin.startswith("📰 2 new briefings")
    assert headlines(putin) == ["Story: Kremlin 2"]
    assert "…and 1 more" in putin
    assert digests_to(api, quiet) == []

    await run_job(bot, SCAN_JOB)  # nothing new: nobody gets anything twice
    assert await settled(sessions) == {"sent": 3}
    with sessions.begin() as session:
        personal = session.scalars(
            select(Digest.article_ids).where(Digest.subscriber_id.is_not(None))
        ).all()
    assert len(personal) == 2


async def test_a_daily_digest_honours_the_filters_and_a_day_without_a_match_sends_nothing(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    subscribe_chats(sessions, [801, 802], "daily", "00:00", now=utcnow() - timedelta(days=1))
    with sessions.begin() as session:
        for chat, word in ((801, "troops"), (802, "weather")):
            subscriber = subscriptions.chat_subscriber(session, chat, "UTC")
            preferences.set_keywords(session, subscriber, [word])
    articles.add("Story: Troops stay home", ["No troops will go."])
    articles.add("Story: Budget", ["Money."])
    await run_job(bot, DAILY_JOB)
    assert await settled(sessions) == {"sent": 1}
    [daily] = api.texts_to(801)
    assert daily.startswith("🗞 Your daily digest: 1 new briefing")
    assert headlines(daily) == ["Story: Troops stay home"]
    assert api.texts_to(802) == []
    with sessions.begin() as session:
        assert session.scalar(select(Delivery.status)) == "sent"


def test_keywords_are_whole_words_matched_literally_in_any_case(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    hyphen = articles.add("Story: Cease-fire talks", ["Summary."])
    joined = articles.add("Story: Ceasefire talks", ["Summary."])
    inner = articles.add("Story: Kyiv's answer", ["Summary."])
    plural = articles.add("Story: Kyivs", ["Summary."])
    ids = [hyphen, joined, inner, plural]
    with sessions.begin() as session:
        subscriber = subscriptions.chat_subscriber(session, 1, "UTC")
        with pytest.raises(ValueError, match="not a plain word"):
            preferences.set_keywords(session, subscriber, ["cease.fire"])
        preferences.set_keywords(session, subscriber, ["CEASE-FIRE", "kyiv's"])
        preference = session.get(DigestPreference, subscriber.id)
        assert preference is not None and preference.keywords == ["cease-fire", "kyiv's"]
        assert preferences.matching_articles(session, preference, ids) == [hyphen, inner]
