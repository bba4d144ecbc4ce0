"""Following actors end to end: the commands, and alerts from the inbox scan through the ledger."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import SCAN_JOB, digest_parts, runtime
from storage import follows, repository, subscriptions
from storage.clock import utcnow
from storage.models import Delivery, Digest, Follow, Subscriber
from tests.conftest import USER, Articles, FoundActor, FoundStatement, SettingsFactory
from tests.fake_bot_api import FakeBotApi, utf16_len
from tests.helpers import SEEDS
from tests.test_bot_commands import PUTIN, TRUMP, ZELENSKY, answer, ask
from tests.test_bot_delivery import settled

EARLIER = SEEDS / "002_ffeabc11d1486852.txt"  # Trump "did not rule out" deploying troops
LATER = SEEDS / "003_aaf6f61612fcb751.txt"  # "American troops would not be deployed"


async def scan(application: Any, inbox: Path, *files: Path) -> None:
    """Drop files into the inbox and run the scheduled scan (which kicks the fan-out)."""
    for file in files:
        shutil.copy(file, inbox / file.name)
    [job] = application.job_queue.get_jobs_by_name(SCAN_JOB)
    await job.run(application)


def alerts_to(api: FakeBotApi, chat: int) -> list[str]:
    return [t for t in api.texts_to(chat) if t.startswith("🔔")]


def store_positions(articles: Articles) -> None:
    articles.add("Talks", statements=[FoundStatement(ZELENSKY, "commit", "Zelensky commits.", 0)])
    articles.add("More talks", statements=[FoundStatement(TRUMP, "demand", "Trump demands.", 0)])


async def positions_already_scanned(application: Any, articles: Articles) -> None:
    """Actors to follow, in articles a scan has already covered (no alerts for them)."""
    store_positions(articles)
    await scan(application, runtime(application).settings.inbox)


# --- the commands -------------------------------------------------------------------------


async def test_follow_unfollow_and_following_without_a_digest_subscription(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    store_positions(articles)
    followed = await answer(api, "/follow zelenskyy")
    assert followed.startswith("👁 Following Volodymyr Zelensky")
    assert "whether or not you /subscribe" in followed
    assert (await answer(api, "/follow Volodymyr Zelensky")).startswith("You already follow")
    assert (await answer(api, "/follow the U.S.")).startswith("I know no actor")
    await answer(api, "/follow Donald Trump")
    listing = await answer(api, "/following")
    assert listing.splitlines()[0] == "👁 You follow 2 actors"
    today = utcnow()
    latest = f"latest position {today.day} {today:%b %Y}"
    assert f"• Donald Trump (person) — {latest}" in listing
    assert f"• Volodymyr Zelensky (person) — {latest}" in listing
    assert (await answer(api, "/unfollow Trump")) == "🔕 No more alerts about Donald Trump."
    assert (await answer(api, "/unfollow Trump")).startswith("You don't follow Donald Trump")
    assert (await answer(api, "/following")).splitlines() == [
        "👁 You follow 1 actor",
        f"• Volodymyr Zelensky (person) — {latest}",
    ]
    with sessions.begin() as session:
        assert subscriptions.subscription(session, USER).active is False  # type: ignore[union-attr]


async def test_an_unknown_name_offers_the_closest_actors_and_a_press_follows(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    store_positions(articles)
    [call] = await ask(api, "/follow Trmp")
    assert (call.visible_text or "").startswith("I know no actor called “Trmp”. Did you mean")
    [button] = [data for data in call.button_data() if data.startswith("follow:")][:1]
    mark = api.mark()
    api.press_button(USER, USER, button)
    edit = await api.wait_for_async(method="editMessageText", chat_id=USER, after=mark)
    assert (edit.visible_text or "").startswith("👁 Following Donald Trump")
    await api.wait_for_async(method="answerCallbackQuery", after=mark)
    [unknown] = await ask(api, "/unfollow Nobody Atall")
    assert "/unfollow Zelensky" in (unknown.visible_text or "")
    assert (await answer(api, "/follow")).startswith("Usage: /follow NAME")
    with sessions.begin() as session:
        assert [a.name for a in follows.following(session, USER)] == ["Donald Trump"]


async def test_an_ambiguous_name_is_not_guessed_but_offers_each_candidate(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    john, jane = FoundActor("John Smith"), FoundActor("Jane Smith")
    articles.add(
        "Two Smiths",
        statements=[
            FoundStatement(john, "commit", "John Smith commits.", 0),
            FoundStatement(jane, "refuse", "Jane Smith refuses.", 1),
        ],
    )
    [call] = await ask(api, "/follow Smith")
    assert (call.visible_text or "").startswith("I know no actor called “Smith”. Did you mean")
    assert len(call.button_data()) == 2 and all(d.startswith("follow:") for d in call.button_data())
    with sessions.begin() as session:
        assert follows.following(session, USER) == []


async def test_hostile_names_are_answered_safely(
    api: FakeBotApi, bot: Any, articles: Articles
) -> None:
    store_positions(articles)
    markup = await answer(api, "/follow <b>Evil</b> & <script>x</script>\x07\u202e")
    assert markup.startswith("I know no actor called “<b>Evil</b> & <script>x</script>”")
    huge = await answer(api, "/follow " + "Zelensky " * 400)
    assert huge.startswith("That name is 3599 characters long; names have at most 100.")
    assert all(utf16_len(text) <= 4096 for text in api.texts_to(USER))
    assert (await answer(api, "/following")).startswith("You follow nobody yet.")


async def test_one_chat_can_follow_at_most_the_limit(
    api: FakeBotApi,
    bot: Any,
    articles: Articles,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follows, "MAX_FOLLOWS", 2)
    store_positions(articles)
    articles.add("Kremlin", statements=[FoundStatement(PUTIN, "refuse", "Putin refuses.", 0)])
    await answer(api, "/follow Zelensky")
    await answer(api, "/follow Trump")
    refused = await answer(api, "/follow Putin")
    assert refused.startswith("You already follow 2 actors, the most one chat can.")
    assert "Vladimir Putin" not in await answer(api, "/following")


# --- alerts -------------------------------------------------------------------------------


async def test_an_alert_names_a_changed_position_with_both_sources(
    api: FakeBotApi, bot: Any, make_settings: SettingsFactory, sessions: sessionmaker[Session]
) -> None:
    inbox = runtime(bot).settings.inbox
    follower, reader = USER, USER + 1
    await scan(bot, inbox, EARLIER)
    await answer(api, "/follow Trump", chat=follower)  # no digest subscription
    await answer(api, "/subscribe", chat=reader)  # digests, following nobody
    await scan(bot, inbox, LATER)
    assert await settled(sessions) == {"sent": 2}

    [alert] = alerts_to(api, follower)
    assert alert.startswith("🔔 New position")
    assert "Donald Trump" in alert.splitlines()[0]
    assert "Diplomacy Under Strain" in alert and LATER.name in alert  # the new article
    assert "troops would not be deployed" in alert
    assert "This changes an earlier position: 🤔 OPEN TO" in alert
    assert "did not rule out the possibility of deploying" in alert
    assert EARLIER.name in alert  # the earlier position's source
    assert [t for t in api.texts_to(follower) if "new briefing" in t] == []
    assert alerts_to(api, reader) == []
    assert len([t for t in api.texts_to(reader) if "new briefing" in t]) == 1

    await scan(bot, inbox)  # nothing new: nothing again
    assert await settled(sessions) == {"sent": 2}
    assert len(alerts_to(api, follower)) == 1


async def test_alerts_are_queued_once_and_a_claim_a_dead_process_held_is_sent_once(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    articles: Articles,
    sessions: sessionmaker[Session],
) -> None:
    chats = list(range(3000, 3012))
    now = utcnow()
    store_positions(articles)
    with sessions.begin() as session:
        follows.ensure_alert_watermark(session, now)
        zelensky = repository.find_actor(session, "Zelensky").actor
        assert zelensky is not None
        for chat in chats:
            follows.follow(session, chat, zelensky.id, default_timezone="UTC")
    articles.add(
        "Two positions",
        statements=[
            FoundStatement(ZELENSKY, "commit", "Zelensky commits to talks.", 0),
            FoundStatement(ZELENSKY, "refuse", "Zelensky refuses to cede land.", 3),
            FoundStatement(TRUMP, "demand", "Trump demands a deal.", 4),
        ],
    )
    with sessions.begin() as session:
        assert follows.queue_alerts(session, now) == len(chats)
        assert follows.queue_alerts(session, now) == 0  # the watermark moved on
        subscriptions.claim_deliveries(session, "dead-process/1", 5, now)
    async with bot_runner(make_settings(), first_scan_after=3600):
        assert await settled(sessions) == {"sent": len(chats)}
    for chat in chats:
        [alert] = api.texts_to(chat)  # both positions in one message, Trump's not at all
        assert "Zelensky commits to talks." in alert and "refuses to cede land" in alert
        assert "Trump" not in alert
    assert api.too_many_requests == 0


async def test_a_follower_who_blocked_the_bot_is_deactivated_and_never_alerted_again(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    await positions_already_scanned(bot, articles)
    blocked, fine = USER, USER + 1
    for chat in (blocked, fine):
        await answer(api, "/follow Zelensky", chat=chat)
    api.block(blocked)
    statement = FoundStatement(ZELENSKY, "demand", "Zelensky demands guarantees.", 0)
    articles.add("First", statements=[statement])
    await scan(bot, runtime(bot).settings.inbox)
    assert await settled(sessions) == {"sent": 1, "failed": 1}
    articles.add("Second", statements=[statement])
    await scan(bot, runtime(bot).settings.inbox)
    assert await settled(sessions) == {"sent": 2, "failed": 1}
    tries = [c for c in api.calls("sendMessage") if c.chat_id == blocked and "🔔" in str(c.text)]
    assert len(tries) == 1
    assert len(alerts_to(api, fine)) == 2
    with sessions.begin() as session:
        reason = session.scalar(
            select(Subscriber.deactivated_reason).where(Subscriber.chat_id == blocked)
        )
        gone = session.scalar(
            select(Follow.id).join(Subscriber).where(Subscriber.chat_id == blocked)
        )
        statuses = session.execute(select(Delivery.status, Digest.kind).join(Digest)).all()
    assert reason == "Forbidden: bot was blocked by the user" and gone is None
    assert sorted(statuses) == [("failed", "alert"), ("sent", "alert"), ("sent", "alert")]


async def test_unsubscribing_from_digests_keeps_the_alerts(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    await positions_already_scanned(bot, articles)
    await answer(api, "/subscribe")
    await answer(api, "/follow Trump")
    await answer(api, "/unsubscribe")
    articles.add("News", statements=[FoundStatement(TRUMP, "commit", "Trump commits.", 0)])
    await scan(bot, runtime(bot).settings.inbox)
    assert await settled(sessions) == {"sent": 1}
    [alert] = alerts_to(api, USER)
    assert "Trump commits." in alert
    assert [t for t in api.texts_to(USER) if "new briefing" in t] == []


async def test_many_positions_in_one_article_split_at_item_boundaries(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    await positions_already_scanned(bot, articles)
    await answer(api, "/follow Zelensky")
    before = len(api.texts_to(USER))
    evidence = "Zelensky <said> & promised 🇺🇦 troops " * 11
    articles.add(
        "Long speech",
        statements=[
            FoundStatement(ZELENSKY, "commit", f"{number}: {evidence}", number)
            for number in range(30)
        ],
    )
    await scan(bot, runtime(bot).settings.inbox)
    assert await settled(sessions) == {"sent": 1}
    texts = api.texts_to(USER)[before:]
    assert texts[0].startswith("🔔 New positions by Volodymyr Zelensky")
    assert len(texts) >= 3 and all(utf16_len(t) <= 4096 for t in texts)
    numbers = [line.split(":")[0] for t in texts for line in t.splitlines() if line[:1] == "“"]
    assert numbers == [f"“{n}" for n in range(30)]
    with sessions.begin() as session:
        assert session.scalar(select(Delivery.parts_sent)) == len(texts)


async def test_a_following_group_that_became_a_supergroup_is_alerted_at_its_new_id(
    api: FakeBotApi, bot: Any, articles: Articles, sessions: sessionmaker[Session]
) -> None:
    await positions_already_scanned(bot, articles)
    group, supergroup = -555, -100555
    await answer(api, "/follow Trump", chat=group, user=USER)
    api.migrate(group, supergroup)
    articles.add("News", statements=[FoundStatement(TRUMP, "commit", "Trump commits.", 0)])
    await scan(bot, runtime(bot).settings.inbox)
    assert await settled(sessions) == {"sent": 1}
    [alert] = alerts_to(api, supergroup)
    assert "Trump commits." in alert
    listing = await answer(api, "/following", chat=supergroup, user=USER)
    assert "Donald Trump" in listing


async def test_an_alert_cut_off_by_a_crash_resumes_at_its_next_part_after_a_restart(
    api: FakeBotApi,
    make_settings: SettingsFactory,
    bot_runner: Any,
    articles: Articles,
    sessions: sessionmaker[Session],
) -> None:
    store_positions(articles)
    with sessions.begin() as session:
        follows.ensure_alert_watermark(session, utcnow())
        zelensky = repository.find_actor(session, "Zelensky").actor
        assert zelensky is not None
        follows.follow(session, USER, zelensky.id, default_timezone="UTC")
    evidence = "Zelensky promised 🇺🇦 troops & <guarantees> " * 10
    articles.add(
        "Long speech",
        statements=[FoundStatement(ZELENSKY, "commit", f"{n}: {evidence}", n) for n in range(30)],
    )
    with sessions.begin() as session:
        assert follows.queue_alerts(session, utcnow()) == 1
        [claim] = subscriptions.claim_deliveries(session, "dead-process/1", 10, utcnow())
        [digest_id] = session.scalars(select(Digest.id).where(Digest.subscriber_id.is_not(None)))
        parts = len(digest_parts(session, digest_id))
        # The dead process had sent the first part and recorded it, then was killed.
        assert subscriptions.mark_parts_sent(session, claim, 1, parts, utcnow())
    assert parts >= 3
    async with bot_runner(make_settings(), first_scan_after=3600):
        assert await settled(sessions) == {"sent": 1}
    texts = api.texts_to(USER)
    assert len(texts) == parts - 1  # the rest, each once
    assert not texts[0].startswith("🔔")  # the header part was out before the crash
    numbers = [line.split(":")[0] for t in texts for line in t.splitlines() if line[:1] == "“"]
    assert len(numbers) == len(set(numbers)) and numbers[-1] == "“29"
