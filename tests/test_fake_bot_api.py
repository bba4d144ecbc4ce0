"""Tests for the Telegram Bot API fake, driven through the real python-telegram-bot client.

If these pass, the end-to-end tests can trust that what PTB sees from the fake is what it
would see from Telegram (response shapes, error classes, limits).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import ssl
import struct
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fake_bot_api import (
    FakeBotApi,
    FloodControl,
    WaitTimeout,
    parse_html,
    utf16_len,
)

TOKEN = "123456789:TEST-token_for-the-fake"
CHAT = 4242
USER = 4242
# httpx builds a fresh SSL context (~0.15 s) per client unless given one; the fake is plain
# HTTP, so one shared context keeps the fixtures fast.
_SSL_CONTEXT = ssl.create_default_context()


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns whenever RetryAfter is built unless the timedelta behaviour is opted in.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def _request(pool_size: int = 1) -> HTTPXRequest:
    return HTTPXRequest(connection_pool_size=pool_size, httpx_kwargs={"verify": _SSL_CONTEXT})


def _bot(api: FakeBotApi) -> Bot:
    return Bot(
        TOKEN,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=_request(),
        get_updates_request=_request(),
    )


def _png(width: int, height: int) -> bytes:
    """A tiny valid grayscale PNG, so the fake can read real dimensions from it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with _bot(api) as tg_bot:
        yield tg_bot


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.upper(), callback_data=d) for d in data]])


# ------------------------------------------------------------------ basics


@pytest.mark.asyncio
async def test_get_me_answers_the_bot_user_and_records_the_token(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.username == "briefbot_test_bot"
    assert bot.username == "briefbot_test_bot"  # initialize() already called getMe
    assert api.token == TOKEN
    assert api.calls("getMe")


@pytest.mark.asyncio
async def test_send_message_is_recorded_with_decoded_parameters(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(
        CHAT, "<b>Hello</b> &amp; bye", parse_mode="HTML", reply_markup=_keyboard("yes", "no")
    )

    (call,) = api.messages_to(CHAT)
    assert call.chat_id == CHAT  # form field "4242" decoded back to an int
    assert call.text == "<b>Hello</b> &amp; bye"
    assert call.parse_mode == "HTML"
    assert call.reply_markup == {
        "inline_keyboard": [
            [{"text": "YES", "callback_data": "yes"}, {"text": "NO", "callback_data": "no"}]
        ]
    }
    assert call.visible_text == "Hello & bye"
    assert api.sent == [call]


@pytest.mark.asyncio
async def test_returned_messages_parse_in_ptb_with_increasing_ids_and_entities(
    bot: Bot,
) -> None:
    first = await bot.send_message(CHAT, "👍 <i>one</i>", parse_mode="HTML")
    second = await bot.send_message(CHAT, "two")
    other_chat = await bot.send_message(CHAT + 1, "elsewhere")

    assert second.message_id == first.message_id + 1
    assert other_chat.message_id == 1
    assert first.from_user is not None and first.from_user.id == bot.id
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.text == "👍 one"
    # The emoji is two UTF-16 units, so the italic entity starts at offset 3.
    assert first.entities == (MessageEntity(MessageEntity.ITALIC, offset=3, length=3),)
    assert first.parse_entities() == {first.entities[0]: "one"}


# ------------------------------------------------------------------ HTML and length


@pytest.mark.asyncio
async def test_fake_rejects_unclosed_html_tags(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest) as raised:
        await bot.send_message(CHAT, "<b>bold forever", parse_mode="HTML")

    # PTB strips "Bad Request: " and str.capitalize()s the rest of the description.
    assert str(raised.value) == (
        "Can't parse entities: can't find end tag corresponding to start tag \"b\""
    )

    (call,) = api.calls("sendMessage")
    assert call.status == 400
    assert call.description is not None
    assert call.description.startswith("Bad Request: can't parse entities")
    assert api.messages_to(CHAT) == []


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param("<b><i>crossed</b></i>", id="misnested"),
        pytest.param("<div>block</div>", id="unsupported-tag"),
        pytest.param("<span>plain span</span>", id="span-without-spoiler-class"),
        pytest.param("1 < 2", id="unescaped-less-than"),
        pytest.param("2 > 1", id="unescaped-greater-than"),
        pytest.param("fish & chips", id="bare-ampersand"),
        pytest.param("&foo; entity", id="unknown-named-entity"),
        pytest.param("</b>", id="end-tag-without-start"),
    ],
)
@pytest.mark.asyncio
async def test_fake_rejects_invalid_html_markup(bot: Bot, markup: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, markup, parse_mode="HTML")


@pytest.mark.asyncio
async def test_fake_accepts_every_documented_html_tag(bot: Bot) -> None:
    markup = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span>'
        '<tg-spoiler>t</tg-spoiler><a href="https://example.com/?a=1&amp;b=2">a</a>'
        '<code>c</code><pre><code class="language-python">x = 1</code></pre>'
        "<blockquote>q</blockquote><blockquote expandable>x</blockquote>"
        " &lt;&gt;&amp;&quot;&#33;&#x1F600;"
    )

    message = await bot.send_message(CHAT, markup, parse_mode="HTML")

    assert message.text == 'bsieunskdptacx = 1qx <>&"!😀'
    types = [entity.type for entity in message.entities]
    assert types.count(MessageEntity.BOLD) == 2
    assert MessageEntity.EXPANDABLE_BLOCKQUOTE in types
    link = next(e for e in message.entities if e.type == MessageEntity.TEXT_LINK)
    assert link.url == "https://example.com/?a=1&b=2"
    pre = next(e for e in message.entities if e.type == MessageEntity.PRE)
    assert pre.language == "python"


@pytest.mark.asyncio
async def test_text_length_is_counted_in_utf16_units_of_astral_characters(bot: Bot) -> None:
    at_limit = "😀" * 2048  # 2048 code points, but 4096 UTF-16 units
    assert utf16_len(at_limit) == 4096

    message = await bot.send_message(CHAT, at_limit)
    assert message.text == at_limit

    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, at_limit + "a")


@pytest.mark.asyncio
async def test_html_entities_count_as_one_character_toward_the_limit(bot: Bot) -> None:
    at_limit = "<b>" + "&amp;" * 4095 + "</b>!"  # raw length ~20k, visible length 4096

    message = await bot.send_message(CHAT, at_limit, parse_mode="HTML")
    assert message.text is not None and len(message.text) == 4096

    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "&amp;" * 4097, parse_mode="HTML")


@pytest.mark.asyncio
async def test_text_that_is_empty_after_markup_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")


def test_parse_html_reports_visible_text_and_utf16_entity_offsets() -> None:
    text, entities = parse_html("😀 <b>bold <i>both</i></b>")

    assert text == "😀 bold both"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
    ]


# ------------------------------------------------------------------ chat states


@pytest.mark.asyncio
async def test_blocked_chat_raises_forbidden(api: FakeBotApi, bot: Bot) -> None:
    api.block(CHAT)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hello?")

    api.unblock(CHAT)
    assert (await bot.send_message(CHAT, "hello again")).text == "hello again"


@pytest.mark.asyncio
async def test_missing_chat_raises_bad_request_chat_not_found(api: FakeBotApi, bot: Bot) -> None:
    api.make_missing(CHAT)

    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(CHAT, "anyone there?")


@pytest.mark.asyncio
async def test_migrated_group_raises_chat_migrated_with_the_new_chat_id(
    api: FakeBotApi, bot: Bot
) -> None:
    api.migrate(-555, -1001234567890)

    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(-555, "to the old group")
    assert raised.value.new_chat_id == -1001234567890

    message = await bot.send_message(-1001234567890, "to the supergroup")
    assert message.chat.type == "supergroup"


# ------------------------------------------------------------------ flood control


@pytest.mark.asyncio
async def test_31st_message_within_a_second_raises_retry_after(api: FakeBotApi, bot: Bot) -> None:
    started = time.monotonic()
    for chat in range(1, 31):  # distinct chats, so only the global limit applies
        await bot.send_message(chat, "broadcast")
    assert time.monotonic() - started < 1.0, "too slow to exercise the 1 s window"
    assert api.too_many_requests == 0

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(31, "one too many")

    assert raised.value.retry_after == dtm.timedelta(seconds=1)
    assert api.too_many_requests == 1
    (refused,) = api.calls("sendMessage", ok=False)
    assert refused.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


@pytest.mark.asyncio
async def test_per_chat_burst_is_allowed_then_throttled(api: FakeBotApi, bot: Bot) -> None:
    for n in range(3):
        await bot.send_message(CHAT, f"burst {n}")

    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "fourth in a row")
    await bot.send_message(CHAT + 1, "another chat is unaffected")

    assert api.too_many_requests == 1
    assert api.texts_to(CHAT) == ["burst 0", "burst 1", "burst 2"]


@pytest.mark.asyncio
async def test_rate_limits_can_be_disabled() -> None:
    with FakeBotApi(global_rate=None, per_chat_rate=None, group_per_minute=None) as api:
        async with _bot(api) as bot:
            for n in range(40):
                await bot.send_message(-100, f"group message {n}")

        assert len(api.messages_to(-100)) == 40
        assert api.too_many_requests == 0


def test_global_limit_refuses_the_31st_call_within_one_second_and_not_after() -> None:
    flood = FloodControl(
        global_rate=30, per_chat_rate=None, per_chat_burst=1, group_per_minute=None, retry_after=1
    )
    for chat in range(30):
        assert flood.acquire(chat, now=0.0) is None

    assert flood.acquire(99, now=0.5) == 1
    assert flood.acquire(99, now=1.0) is None


def test_group_limit_answers_the_real_wait_rather_than_one_second() -> None:
    flood = FloodControl(
        global_rate=None,
        per_chat_rate=None,
        per_chat_burst=1,
        group_per_minute=20,
        retry_after=1,
    )
    for second in range(20):
        assert flood.acquire(-500, now=float(second)) is None

    assert flood.acquire(-500, now=20.0) == 40  # the first call leaves the window at t=60
    assert flood.acquire(500, now=20.0) is None  # private chats have no minute limit


# ------------------------------------------------------------------ updates


@pytest.mark.asyncio
async def test_get_updates_delivers_an_injected_command_with_a_bot_command_entity(
    api: FakeBotApi, bot: Bot
) -> None:
    update_id = api.send_command(CHAT, USER, "/who Trump 🇺🇸", first_name="Ada")

    (update,) = await bot.get_updates(timeout=1)

    assert update.update_id == update_id
    message = update.message
    assert message is not None and message.from_user is not None
    assert message.text == "/who Trump 🇺🇸"
    assert message.from_user.first_name == "Ada"
    assert message.chat.type == "private"
    assert message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, offset=0, length=4),)
    assert message.parse_entities([MessageEntity.BOT_COMMAND]) == {message.entities[0]: "/who"}


@pytest.mark.asyncio
async def test_group_commands_carry_the_group_chat(api: FakeBotApi, bot: Bot) -> None:
    api.send_command(-777, USER, "/brief@briefbot_test_bot", chat_type="group", title="Desk")

    (update,) = await bot.get_updates()

    message = update.effective_message
    assert message is not None
    assert message.chat.type == "group" and message.chat.title == "Desk"
    assert message.entities[0].length == len("/brief@briefbot_test_bot")


@pytest.mark.asyncio
async def test_get_updates_respects_offset_and_delivers_each_update_once(
    api: FakeBotApi, bot: Bot
) -> None:
    first = api.send_command(CHAT, USER, "/one")
    second = api.send_command(CHAT, USER, "/two")

    batch = await bot.get_updates()
    assert [u.update_id for u in batch] == [first, second]

    # Without confirming, Telegram hands out the same updates again.
    assert [u.update_id for u in await bot.get_updates()] == [first, second]

    confirmed = await bot.get_updates(offset=second + 1)
    assert confirmed == ()
    assert api.pending_updates == 0

    third = api.send_command(CHAT, USER, "/three")
    assert [u.update_id for u in await bot.get_updates(offset=second + 1)] == [third]


@pytest.mark.asyncio
async def test_get_updates_long_poll_returns_as_soon_as_an_update_is_injected(
    api: FakeBotApi, bot: Bot
) -> None:
    timer = threading.Timer(0.2, api.send_command, args=(CHAT, USER, "/late"))
    timer.start()
    started = time.monotonic()

    updates = await bot.get_updates(timeout=5)

    elapsed = time.monotonic() - started
    assert [u.message.text for u in updates if u.message] == ["/late"]
    assert 0.1 < elapsed < 2.0


@pytest.mark.asyncio
async def test_get_updates_times_out_empty_after_the_requested_timeout(bot: Bot) -> None:
    started = time.monotonic()

    assert await bot.get_updates(timeout=1) == ()

    assert 0.9 < time.monotonic() - started < 2.0


@pytest.mark.asyncio
async def test_a_second_poller_terminates_the_first_with_conflict(
    api: FakeBotApi, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for_polling_async()

    async with httpx.AsyncClient() as client:
        second = await client.post(f"{api.base_url}{TOKEN}/getUpdates", data={"timeout": "0"})

    assert second.json() == {"ok": True, "result": []}
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


@pytest.mark.asyncio
async def test_callback_query_round_trip(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=_keyboard("more", "less"))

    update_id = api.press_button(CHAT, USER, "more", sent.message_id)
    (update,) = await bot.get_updates()

    query = update.callback_query
    assert update.update_id == update_id
    assert query is not None and query.message is not None
    assert query.data == "more"
    assert query.from_user.id == USER
    assert query.message.message_id == sent.message_id
    assert isinstance(query.message, Message)
    assert query.message.reply_markup == sent.reply_markup

    assert await query.answer("Noted") is True
    assert api.wait_for(method="answerCallbackQuery").params["text"] == "Noted"
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await query.answer("twice")


def test_press_button_refuses_buttons_the_message_does_not_have(api: FakeBotApi) -> None:
    with pytest.raises(ValueError, match="no message"):
        api.press_button(CHAT, USER, "ghost")


@pytest.mark.asyncio
async def test_callback_data_over_64_bytes_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "too much data", reply_markup=_keyboard("é" * 33))

    # 64 bytes exactly is fine.
    await bot.send_message(CHAT, "just enough", reply_markup=_keyboard("é" * 32))


@pytest.mark.asyncio
async def test_inline_keyboard_must_be_a_list_of_lists(api: FakeBotApi) -> None:
    flat = {"inline_keyboard": [{"text": "A", "callback_data": "a"}]}

    # PTB's own classes cannot build this, so post the form fields PTB would send.
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{api.base_url}{TOKEN}/sendMessage",
            data={"chat_id": str(CHAT), "text": "x", "reply_markup": json.dumps(flat)},
        )

    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
        "must be an Array of Arrays",
    }


@pytest.mark.asyncio
async def test_inline_query_round_trip(api: FakeBotApi, bot: Bot) -> None:
    api.inline_query(USER, "climate")
    (update,) = await bot.get_updates()
    assert update.inline_query is not None and update.inline_query.query == "climate"

    result = InlineQueryResultArticle(
        "r1", "Climate brief", InputTextMessageContent("<b>Brief</b>", parse_mode="HTML")
    )
    assert await update.inline_query.answer([result]) is True

    (call,) = api.calls("answerInlineQuery")
    assert call.params["results"][0]["id"] == "r1"  # nested JSON decoded


# ------------------------------------------------------------------ edits


@pytest.mark.asyncio
async def test_editing_to_identical_content_is_rejected_as_not_modified(bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "same")

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=CHAT, message_id=sent.message_id)


@pytest.mark.asyncio
async def test_editing_text_without_markup_removes_the_keyboard(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "choose", reply_markup=_keyboard("a"))

    edited = await bot.edit_message_text("done", chat_id=CHAT, message_id=sent.message_id)

    assert isinstance(edited, type(sent)) and edited.text == "done"
    assert edited.reply_markup is None
    stored = api.message(CHAT, sent.message_id)
    assert stored is not None and "reply_markup" not in stored
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)


# ------------------------------------------------------------------ photos


@pytest.mark.asyncio
async def test_send_photo_records_the_uploaded_bytes_and_caption(api: FakeBotApi, bot: Bot) -> None:
    png = _png(4, 3)

    message = await bot.send_photo(CHAT, png, caption="<b>Chart</b>", parse_mode="HTML")

    (call,) = api.messages_to(CHAT)
    assert call.photo == png
    assert call.caption == "<b>Chart</b>"
    assert message.caption == "Chart"
    assert (message.photo[-1].width, message.photo[-1].height) == (4, 3)
    # The stored file can be fetched back like from Telegram's file server.
    file = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == png


@pytest.mark.asyncio
async def test_photo_caption_over_1024_units_is_rejected(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(CHAT, _png(1, 1), caption="x" * 1025)

    await bot.send_photo(CHAT, _png(1, 1), caption="x" * 1024)
    assert len(api.messages_to(CHAT)) == 1


# ------------------------------------------------------------------ misc methods and hooks


@pytest.mark.asyncio
async def test_set_my_commands_round_trips_through_get_my_commands(
    api: FakeBotApi, bot: Bot
) -> None:
    commands = [BotCommand("who", "Who promised what"), BotCommand("brief", "Latest brief")]

    assert await bot.set_my_commands(commands) is True

    assert await bot.get_my_commands() == tuple(commands)
    assert api.commands() == [
        {"command": "who", "description": "Who promised what"},
        {"command": "brief", "description": "Latest brief"},
    ]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Not-Valid", "x")])


@pytest.mark.asyncio
async def test_send_chat_action_validates_the_action(api: FakeBotApi, bot: Bot) -> None:
    assert await bot.send_chat_action(CHAT, "typing") is True

    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    assert [c.ok for c in api.calls("sendChatAction")] == [True, False]


@pytest.mark.asyncio
async def test_unknown_methods_are_recorded_and_answered_not_found(
    api: FakeBotApi, bot: Bot
) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": CHAT})

    (call,) = api.calls("sendTelepathy")
    assert call.response == {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.mark.asyncio
async def test_fail_next_injects_a_single_server_error(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", 500, "Internal Server Error")

    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(CHAT, "first try")
    await bot.send_message(CHAT, "second try")

    assert [c.status for c in api.calls("sendMessage")] == [500, 200]


@pytest.mark.asyncio
async def test_wait_for_async_returns_the_first_matching_call(api: FakeBotApi, bot: Bot) -> None:
    mark = api.mark()

    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(CHAT, "eventually")

    task = asyncio.create_task(send_later())
    call = await api.wait_for_async(method="sendMessage", chat_id=CHAT, after=mark, timeout=2)
    await task

    assert call.text == "eventually"
    with pytest.raises(WaitTimeout, match="no matching call"):
        await api.wait_for_async(lambda c: c.text == "never", timeout=0.05)


def test_stop_does_not_hang_while_a_long_poll_is_waiting() -> None:
    api = FakeBotApi().start()
    url = f"{api.base_url}{TOKEN}/getUpdates"
    poller = threading.Thread(
        target=lambda: httpx.post(url, data={"timeout": "30"}, timeout=40), daemon=True
    )
    poller.start()
    api.wait_for_polling(timeout=2)

    started = time.monotonic()
    api.stop()

    assert time.monotonic() - started < 2.0
    poller.join(timeout=2)
    assert not poller.is_alive()


@pytest.mark.asyncio
async def test_a_ptb_application_polls_the_fake_and_replies_end_to_end(api: FakeBotApi) -> None:
    async def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"asked about {' '.join(context.args or [])}")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.base_url)
        .request(_request())
        .get_updates_request(_request())
        .build()
    )
    app.add_handler(CommandHandler("who", who))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        await api.wait_for_polling_async()

        api.send_command(CHAT, USER, "/who Trump")
        reply = await api.wait_for_async(method="sendMessage", chat_id=CHAT)

        await app.updater.stop()
        await app.stop()

    assert reply.text == "asked about Trump"
    assert api.calls("deleteWebhook")
    assert api.pending_updates == 0  # PTB confirmed the update on shutdown
    assert api.too_many_requests == 0
