"""Names as people type them: other scripts and romanisations find the same actor.

The registry's own spellings are exact keys; ``sound_key`` is the fallback for the rest,
and it must never merge two different actors.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline.actors import Registry
from storage import repository
from storage.names import name_key, sound_key, transliterate
from tests.conftest import USER, Articles, FoundActor, FoundStatement, SettingsFactory
from tests.fake_bot_api import FakeBotApi, parse_html

ZELENSKY_SPELLINGS = [
    "Zelensky",
    "Zelenskyy",
    "Zelenskiy",
    "Zelenskii",
    "Zelenskyi",
    "Selenskyj",
    "Зеленський",
    "Зеленский",
    "ЗЕЛЕНСЬКИЙ",
]
# Spellings that are not in the registry: only the fallback can find them.
UNLISTED = {
    "Wolodymyr Selenskyj": "Volodymyr Zelensky",
    "Volodymyr Zelenskyi": "Volodymyr Zelensky",
    "Зеленскій": "Volodymyr Zelensky",
    "Volodymyr Putin": "Vladimir Putin",
    "Владімір Путін": "Vladimir Putin",
    "Donald Tramp": "Donald Trump",
    "Emmanuel Makron": "Emmanuel Macron",
    "Sergej Lawrow": "Sergey Lavrov",
    "Дмитрий Пескoв": "Dmitry Peskov",  # a Latin "o" in a Cyrillic word, as phones do
    "Кейр Стармер": "Keir Starmer",
    "Friedrich Merts": "Friedrich Merz",
}
HOSTILE = [
    "",
    "   ",
    "🙂🙂🙂",
    "\u202eнитуП",  # right-to-left override
    "بوتين",
    "פוטין",
    "<b>Putin</b>",
    "Putin & <Co>",
    "%",
    "_",
    "'; DROP TABLE actors; --",
    "\x00\x01",
    "Z" * 5000,
    "Зеленський " * 500,
]


# --- the keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ZELENSKY_SPELLINGS)
def test_every_spelling_of_zelensky_sounds_the_same(spelling: str) -> None:
    assert sound_key(spelling) == sound_key("Zelensky") == "selenski"


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Путин", "putin"),
        ("Путін", "putin"),
        ("Трамп", "tramp"),
        ("Макрон", "makron"),
        ("Стармер", "starmer"),
        ("Мерц", "mers"),
        ("Щербак", "sherbak"),
        ("Хмельницький", "hmelniski"),
        ("Гончаренко", "goncharenko"),  # Russian or undecided: "г" is a "g"
        ("Ігор Гончаренко", "ihor honcharenko"),  # Ukrainian "і": its "г" is an "h"
        ("Жуков", "zhukov"),
    ],
)
def test_cyrillic_is_transliterated_then_folded(cyrillic: str, latin: str) -> None:
    assert sound_key(cyrillic) == latin


def test_romanisations_converge_on_one_key() -> None:
    groups = [
        ["Yermak", "Jermak", "Єрмак"],
        ["Lavrov", "Lawrow", "Лавров"],
        ["Scholz", "Шольц"],
        ["Zhukov", "Жуков"],
        ["Khodorkovsky", "Hodorkovskiy", "Ходорковский"],
        ["Tsipras", "Zipras", "Ципрас"],
        ["Schmidt", "Shmidt", "Шмидт"],
    ]
    for group in groups:
        assert len({sound_key(name) for name in group}) == 1, group


def test_transliteration_keeps_other_scripts_and_latin_as_they_are() -> None:
    assert transliterate("زيلينسكي") == "زيلينسكي"
    assert transliterate("zelensky") == "zelensky"
    assert transliterate(name_key("Зеленський")) == "zelenskii"


def test_the_registry_keys_stay_distinct_under_the_fallback() -> None:
    owners_by_key: dict[str, set[str]] = {}
    owners_by_sound: dict[str, set[str]] = {}
    for actor in Registry.load().actors:
        for spelling in (actor.name, *actor.aliases):
            owners_by_key.setdefault(name_key(spelling), set()).add(actor.name)
            owners_by_sound.setdefault(sound_key(spelling), set()).add(actor.name)
    assert {k: v for k, v in owners_by_key.items() if len(v) > 1} == {}
    assert {k: v for k, v in owners_by_sound.items() if len(v) > 1} == {}
    assert "" not in owners_by_sound


def test_the_registry_carries_the_common_cyrillic_spellings() -> None:
    aliases = {a.name: set(a.aliases) for a in Registry.load().actors}
    assert {"Зеленський", "Зеленский", "Selenskyj", "Zelenskiy", "Zelenskyy"} <= aliases[
        "Volodymyr Zelensky"
    ]
    assert {"Путин", "Путін"} <= aliases["Vladimir Putin"]
    assert "Трамп" in aliases["Donald Trump"]
    assert "Макрон" in aliases["Emmanuel Macron"]
    assert "Стармер" in aliases["Keir Starmer"]


def test_a_huge_name_is_keyed_quickly() -> None:
    started = time.perf_counter()
    sound_key("Зеленський Selenskyj " * 5000)
    assert time.perf_counter() - started < 1.0


# --- the lookup, on a real database -------------------------------------------------------


@pytest.fixture
def registry(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as session:
        repository.sync_registry(session, Registry.load().actors)
    return sessions


def _found(sessions: sessionmaker[Session], query: str) -> str | None:
    with sessions.begin() as session:
        match = repository.find_actor(session, query)
        return match.actor.name if match.actor else None


@pytest.mark.parametrize("spelling", ZELENSKY_SPELLINGS)
def test_registry_spellings_find_zelensky(registry: sessionmaker[Session], spelling: str) -> None:
    assert _found(registry, spelling) == "Volodymyr Zelensky"


def test_cyrillic_names_of_the_registry_find_their_actor(registry: sessionmaker[Session]) -> None:
    assert _found(registry, "Путин") == "Vladimir Putin"
    assert _found(registry, "Трамп") == "Donald Trump"
    assert _found(registry, "Макрон") == "Emmanuel Macron"
    assert _found(registry, "Стармер") == "Keir Starmer"
    assert _found(registry, "Мерц") == "Friedrich Merz"


@pytest.mark.parametrize(("spelling", "actor"), sorted(UNLISTED.items()))
def test_unlisted_spellings_find_their_actor_through_the_fallback(
    registry: sessionmaker[Session], spelling: str, actor: str
) -> None:
    with registry.begin() as session:
        assert repository._actor_by_key(session, name_key(spelling)) is None  # really unlisted
    assert _found(registry, spelling) == actor


def test_the_fallback_finds_actors_the_registry_does_not_know(
    registry: sessionmaker[Session], articles: Articles
) -> None:
    yermak = FoundActor("Andriy Yermak", aliases=("Yermak",))
    articles.add("Talks", statements=[FoundStatement(yermak, "commit", "Yermak commits.", 0)])
    for spelling in ("Єрмак", "Jermak", "Андрій Єрмак", "Andrij Jermak"):
        assert _found(registry, spelling) == "Andriy Yermak", spelling


def test_actors_sounding_alike_are_suggested_never_guessed(
    registry: sessionmaker[Session], articles: Articles
) -> None:
    first = FoundActor("Mykola Kovalenko", aliases=("Kovalenko",))
    second = FoundActor("Mykola Kowalenko", aliases=("Kowalenko",))
    articles.add(
        "Two namesakes",
        statements=[
            FoundStatement(first, "commit", "Kovalenko commits.", 0),
            FoundStatement(second, "refuse", "Kowalenko refuses.", 1),
        ],
    )
    with registry.begin() as session:
        match = repository.find_actor(session, "Микола Коваленко")
        assert match.actor is None
        assert set(match.suggestions[:2]) == {"Mykola Kovalenko", "Mykola Kowalenko"}
    assert _found(registry, "Kowalenko") == "Mykola Kowalenko"  # an exact key still decides


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_looked_up_safely(registry: sessionmaker[Session], name: str) -> None:
    with registry.begin() as session:
        match = repository.find_actor(session, name)
    assert match.actor is None or match.actor.name in {"Vladimir Putin", "Volodymyr Zelensky"}
    with registry.begin() as session:  # nothing was damaged
        assert repository.find_actor(session, "Putin").actor is not None


# --- end to end ---------------------------------------------------------------------------


@pytest.fixture
async def bot(
    api: FakeBotApi, make_settings: SettingsFactory, bot_runner: Any, articles: Articles
) -> AsyncIterator[Any]:
    zelensky = FoundActor("Volodymyr Zelensky", aliases=("Zelensky",))
    articles.add("Peace talks", statements=[FoundStatement(zelensky, "demand", "We demand.", 0)])
    async with bot_runner(make_settings(), first_scan_after=3600) as application:
        await api.wait_for_polling_async()
        yield application


async def _who(api: FakeBotApi, name: str) -> str:
    mark = api.mark()
    api.send_command(USER, USER, f"/who {name}")
    call = await api.wait_for_async(method="sendMessage", chat_id=USER, after=mark)
    return call.visible_text or ""


async def test_who_answers_every_spelling_through_the_bot(api: FakeBotApi, bot: Any) -> None:
    for spelling in [*ZELENSKY_SPELLINGS, "Wolodymyr Selenskyj", "володимир зеленський"]:
        reply = await _who(api, spelling)
        assert reply.startswith("👤 Volodymyr Zelensky (person)"), spelling
        assert "We demand." in reply


async def test_who_answers_hostile_names_with_a_clear_message(api: FakeBotApi, bot: Any) -> None:
    for name in (n for n in HOSTILE if n.strip() and "\x00" not in n):
        mark = api.mark()
        api.send_command(USER, USER, f"/who {name}"[:4096])
        call = await api.wait_for_async(method="sendMessage", chat_id=USER, after=mark)
        assert call.text is not None
        parse_html(call.text)  # valid Telegram HTML (the fake would have refused it anyway)
        assert "I know no actor called" in (call.visible_text or ""), name
    assert api.texts_to(1001) == []  # no error reached the admins
