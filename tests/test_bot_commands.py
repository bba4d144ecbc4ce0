"""Every command, end to end: the real PTB application polling the Bot API fake."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from storage import subscriptions
from tests.conftest import ADMIN, USER, Articles, FoundActor, FoundStatement, SettingsFactory
from tests.fake_bot_api import FakeBotApi, RecordedCall, utf16_len
from tests.helpers import SEEDS

ZELENSKY = FoundActor("Volodymyr Zelensky", aliases=("Zelensky", "Zelenskyy"))
TRUMP = FoundActor("Donald Trump", aliases=("Trump",))
PUTIN = FoundActor("Vladimir Putin", aliases=("Putin",))
DAY = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
STANCE_CYCLE = ["commit", "refuse", "demand", "open", "conditional"]


async def ask(
    api: FakeBotApi, command: str, *, chat: int = USER, user: int | None = None, replies: int = 1
) -> list[RecordedCall]:
    """Send a command and return the bot's replies to that chat."""
    mark = api.mark()
    api.send_command(chat, user or chat, command)
    calls = []
    for _ in range(replies):
        call = await api.wait_for_async(
            lambda c: c not in calls, method="sendMessage", chat_id=chat, after=mark
        )
        calls.append(call)
    return calls


async def answer(api: FakeBotApi, command: str, **kwargs: Any) -> str:
    [call] = await ask(api, command, **kwargs)
    return call.visible_text or ""


def seed_positions(articles: Articles) -> None:
    """Zelensky with 12 positions in 12 articles (one a day), Trump with 2, Putin with 1."""
    for day in range(12):
        statements = [
            FoundStatement(ZELENSKY, STANCE_CYCLE[day % 5], f"Zelensky statement number {day}.", 0)
        ]
        if day < 2:
            statements.append(FoundStatement(TRUMP, "demand", f"Trump demands thing {day}.", 1))
        if day == 0:
            statements.append(FoundStatement(PUTIN, "refuse", "Putin refuses <everything>.", 2))
        articles.add(
            f"Day {day} talks",
            [f"Summary of day {day}.", "Second sentence.", "Third sentence."],
            statements=statements,
            published_at=DAY + timedelta(days=day),
        )


# --- start, help, command list ------------------------------------------------------------


async def test_start_and_help_say_what_the_bot_does_and_list_every_command(
    api: FakeBotApi, bot: Any
) -> None:
    for command in ("/start", "/help"):
        reply = await answer(api, command)
        assert "briefings" in reply
        for listed in (
            "/latest",
            "/who",
            "/actors",
            "/subscribe",
            "/unsubscribe",
            "/timezone",
            "/follow",
            "/unfollow",
            "/following",
            "/settings",
        ):
            assert listed in reply
        assert "/stats" not in reply
    admin_help = await answer(api, "/help", chat=ADMIN)
    assert "/stats" in admin_help and "/ingest" in admin_help


async def test_commands_are_registered_so_telegram_lists_them(api: FakeBotApi, bot: Any) -> None:
    public = [c["command"] for c in api.commands()]
    assert public == [
        "start",
        "help",
        "latest",
        "who",
        "actors",
        "board",
        "subscribe",
        "unsubscribe",
        "timezone",
        "follow",
        "unfollow",
        "following",
        "settings",
    ]
    admin = [c["command"] for c in api.commands({"type": "chat", "chat_id": ADMIN})]
    assert "stats" in admin and "ingest" in admin


async def test_an_unknown_command_gets_a_pointer_to_help(api: FakeBotApi, bot: Any) -> None:
    assert "/help" in await answer(api, "/frobnicate")


# --- subscriptions ------------------------------------------------------------------------


async def test_subscribe_says_what_is_in_force_and_a_repeat_changes_the_mode_without_duplicates(
    api: FakeBotApi, bot: Any, sessions: sessionmaker[Session]
) -> None:
    first = await answer(api, "/subscribe")
    assert first.startswith("✅ Subscribed.") and "each time new articles arrive" in first
    same = await answer(api, "/subscribe")
    assert same.startswith("You are already subscribed like that.")
    daily = await answer(api, "/subscribe daily 7:05")
    assert (
        daily.startswith("✅ Subscription changed.") and "one digest a day at 07:05 (UTC)" in daily
    )
    default_time = await answer(api, "/subscribe daily")
    assert "08:00" in default_time
    with sessions.begin() as session:
        found = subscriptions.subscription(session, USER)
        count = session.execute(text("SELECT count(*) FROM subscribers")).scalar()
    assert found is not None and found.mode == "daily" and found.daily_time == "08:00"
    assert count == 1


@pytest.mark.parametrize("words", ["daily 25:00", "daily soon", "weekly", "daily 08:00 09:00"])
async def test_subscribe_with_words_it_cannot_read_gets_the_usage(
    api: FakeBotApi, bot: Any, words: str
) -> None:
    assert "Usage:" in await answer(api, f"/subscribe {words}")


async def test_unsubscribe_stops_everything_and_says_so(
    api: FakeBotApi, bot: Any, sessions: sessionmaker[Session]
) -> None:
    assert "not subscribed" in (await answer(api, "/unsubscribe")).lower()
    await answer(api, "/subscribe")
    reply = await answer(api, "/unsubscribe")
    assert reply.startswith("🔕 Unsubscribed.") and "no digests will be sent" in reply
    with sessions.begin() as session:
        found = subscriptions.subscription(session, USER)
    assert found is not None and not found.active


async def test_timezone_is_set_by_its_iana_name_in_any_case_and_unknown_zones_are_refused(
    api: FakeBotApi, bot: Any
) -> None:
    assert "Your time zone is UTC" in await answer(api, "/timezone")
    await answer(api, "/subscribe daily 08:30")
    reply = await answer(api, "/timezone europe/kyiv")
    assert reply.startswith("🕒 Time zone set to Europe/Kyiv.")
    assert "08:30 (Europe/Kyiv)" in reply
    assert "I don't know the time zone “Mars/Olympus”" in await answer(
        api, "/timezone Mars/Olympus"
    )


# --- reading ------------------------------------------------------------------------------


async def test_latest_shows_title_source_summary_and_actors_newest_first(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    reply = await answer(api, "/latest 2")
    assert reply.startswith("📰 The 2 newest briefings")
    assert reply.index("Day 11 talks") < reply.index("Day 10 talks")
    assert "Summary of day 11. Second sentence. Third sentence." in reply
    assert "👥 Volodymyr Zelensky" in reply
    assert "Day 9 talks" not in reply


async def test_latest_with_a_large_count_is_split_into_messages_within_telegram_limits(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    long_sentence = "A very long summary sentence with a great many words in it " * 6
    for number in range(20):
        articles.add(f"Story {number}", [long_sentence, long_sentence, long_sentence])
    calls = await ask(api, "/latest 50", replies=2)
    assert all(utf16_len(c.visible_text or "") <= 4096 for c in calls)
    shown = "".join(c.visible_text or "" for c in calls)
    assert "The 20 newest briefings" in shown


async def test_latest_with_a_bad_count_gets_the_usage_and_an_empty_store_says_so(
    api: FakeBotApi, bot: Any
) -> None:
    assert "Usage:" in await answer(api, "/latest lots")
    assert "No briefings yet" in await answer(api, "/latest")


async def test_who_lists_positions_newest_first_with_stance_markers_evidence_title_and_date(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    reply = await answer(api, "/who trump")
    assert reply.startswith("👤 Donald Trump (person)")
    assert "2 positions, newest first" in reply
    assert reply.index("thing 1") < reply.index("thing 0")
    assert "📢 DEMANDS" in reply and "“Trump demands thing 1.”" in reply
    assert "— Day 1 talks, 2 Jan 2025" in reply


async def test_who_pages_a_long_answer_with_inline_buttons_instead_of_flooding_the_chat(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    [first] = await ask(api, "/who Zelenskyy")
    await api.wait_for_async(method="sendPhoto", chat_id=USER)  # the chart follows the text
    assert "12 positions, newest first (showing 1–5)" in (first.visible_text or "")
    assert "Page 1 of 3" in (first.visible_text or "")
    [older] = first.button_data()
    assert len(older.encode()) <= 64

    mark = api.mark()
    api.press_button(USER, USER, older)
    edit = await api.wait_for_async(method="editMessageText", chat_id=USER, after=mark)
    assert first.message_id is not None and edit.message_id == first.message_id
    page = api.message(USER, first.message_id)
    assert page is not None and "showing 6–10" in page["text"] and "Page 2 of 3" in page["text"]
    assert "statement number 6." in page["text"] and "statement number 11." not in page["text"]
    assert len(edit.button_data()) == 2  # newer and older
    assert api.calls("answerCallbackQuery", ok=True)
    # One reply and its chart, the reply edited in place: nothing flooded.
    assert [c.method for c in api.messages_to(USER)] == ["sendMessage", "sendPhoto"]


async def test_a_button_whose_message_can_no_longer_be_edited_answers_with_a_new_message(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    [first] = await ask(api, "/who Zelensky")
    [older] = first.button_data()
    api.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    mark = api.mark()
    api.press_button(USER, USER, older)
    page = await api.wait_for_async(method="sendMessage", chat_id=USER, after=mark)
    assert "showing 6–10" in (page.visible_text or "")
    assert api.texts_to(ADMIN) == []  # handled where it happened, not an error


async def test_an_unknown_name_gets_the_closest_actors_as_buttons_that_answer_when_pressed(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    [reply] = await ask(api, "/who Zelenskiq")
    assert "I know no actor called “Zelenskiq”. Did you mean one of these?" in (
        reply.visible_text or ""
    )
    buttons = reply.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert buttons[0][0]["text"] == "Volodymyr Zelensky"
    mark = api.mark()
    api.press_button(USER, USER, buttons[0][0]["callback_data"])
    await api.wait_for_async(method="editMessageText", chat_id=USER, after=mark)
    assert reply.message_id is not None
    shown = api.message(USER, reply.message_id)
    assert shown is not None and shown["text"].startswith("👤 Volodymyr Zelensky")


async def test_who_with_no_name_gets_the_usage_and_a_stranger_gets_a_hint(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    assert "Usage: /who NAME" in await answer(api, "/who")
    assert "/actors lists who I know" in await answer(api, "/who Xqzzy Blorb")


async def test_actors_lists_the_actors_with_the_most_positions(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    reply = await answer(api, "/actors")
    assert "1. Volodymyr Zelensky (person): 12" in reply
    assert reply.index("Donald Trump") < reply.index("Vladimir Putin")


# --- admin --------------------------------------------------------------------------------


async def test_stats_gives_admins_the_figures_and_others_a_polite_refusal(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    seed_positions(articles)
    await answer(api, "/subscribe")
    refusal = await answer(api, "/stats")
    assert refusal == "Sorry, /stats is only for the administrators of this bot."
    figures = await answer(api, "/stats", chat=ADMIN)
    for expected in (
        "Articles: 12",
        "Actors with positions: 3",
        "Statements: 15",
        "Active subscribers: 1",
        "Last ingest: never",
        "Deliveries pending: 0",
        "Deliveries failed: 0",
    ):
        assert expected in figures


async def test_ingest_scans_the_inbox_now_for_an_admin_and_queues_a_digest(
    api: FakeBotApi, bot: Any, make_settings: SettingsFactory, sessions: sessionmaker[Session]
) -> None:
    await answer(api, "/subscribe")
    inbox = make_settings().inbox
    shutil.copy(sorted(SEEDS.glob("*.txt"))[1], inbox / "story.txt")
    first, second = await ask(api, "/ingest", chat=ADMIN, replies=2)
    assert first.visible_text == "🔎 Scanning the inbox…"
    assert (second.visible_text or "").startswith("Scan: 1 file(s): 1 added, 0 already stored")
    assert "Digest of 1 article(s) queued for 1 subscriber(s)." in (second.visible_text or "")
    digest = await api.wait_for_async(
        lambda c: "new briefing" in (c.visible_text or ""), chat_id=USER, timeout=10
    )
    assert (digest.visible_text or "").startswith("📰 1 new briefing")


async def test_ingest_is_refused_to_non_admins(api: FakeBotApi, bot: Any) -> None:
    assert (
        await answer(api, "/ingest") == "Sorry, /ingest is only for the administrators of this bot."
    )


async def test_commands_in_a_group_answer_the_group_quoting_the_command(
    api: FakeBotApi, bot: Any
) -> None:
    group = -4001
    mark = api.mark()
    api.send_command(group, USER, "/subscribe", chat_type="group")
    reply = await api.wait_for_async(method="sendMessage", chat_id=group, after=mark)
    assert (reply.visible_text or "").startswith("✅ Subscribed.")
    assert reply.message is not None and "reply_to_message" in reply.message


# --- errors -------------------------------------------------------------------------------


async def test_an_error_tells_the_admins_and_the_user_only_gets_an_apology(
    api: FakeBotApi, bot: Any, database: Any
) -> None:
    engine, _sessions = database
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE statements RENAME TO statements_gone"))
    mark = api.mark()
    api.send_command(USER, USER, "/actors")
    apology = await api.wait_for_async(method="sendMessage", chat_id=USER, after=mark)
    alert = await api.wait_for_async(method="sendMessage", chat_id=ADMIN, after=mark)
    assert (
        apology.visible_text
        == "Sorry, something went wrong on my side. The admins have been told; please try again later."
    )
    assert (alert.visible_text or "").startswith("⚠️ briefbot error in update")
    assert "'/actors'" in (alert.visible_text or "")
    assert "OperationalError" in (alert.visible_text or "") or "ProgrammingError" in (
        alert.visible_text or ""
    )
    for call in api.sent:
        assert "Traceback" not in (call.visible_text or "")
