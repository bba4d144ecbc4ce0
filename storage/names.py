"""Lookup keys for names: how a user's spelling and a stored alias are made comparable."""

from __future__ import annotations

import functools
import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})
# "%" and "_" stay in the key as ordinary characters: a name is never a pattern.
_NOT_KEY = re.compile(r"[^\w\s'%-]")
_SPACE = re.compile(r"[\s-]+")


# Ingest keys every actor's every alias, statement after statement: mostly the same names.
@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "the U.S." and "US" give "us".

    A leading "the" and a trailing possessive are dropped, so "the Kremlin's" finds "Kremlin".
    Letters of other scripts are kept (Cyrillic names stay searchable).
    """
    decomposed = unicodedata.normalize("NFKD", name.translate(_APOSTROPHES))
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    text = _NOT_KEY.sub("", text.replace(".", ""))
    text = _SPACE.sub(" ", text).strip(" '")
    text = re.sub(r"'s$|'$", "", text)
    return re.sub(r"^the ", "", text)


# Cyrillic → Latin, letter by letter (on keys, where "й" and "ї" have already lost their marks
# and read "и" and "і"). "г" is "h" in Ukrainian and "g" in Russian: see _UKRAINIAN.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya", "'": "",
}  # fmt: skip
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)
_UKRAINIAN = re.compile("[ієґ]")  # letters only Ukrainian has: its "г" is an "h"
# Spellings of one sound that romanisations (English, German, French, ISO) disagree on, from
# the longest to the shortest, so that "Selenskyj", "Zelenskiy" and "Зеленский" converge.
_SOUNDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("shch|sch", "sh"),
        ("tsch|tch", "ch"),
        ("zh", "ʒ"),  # kept apart from "z", which merges with "s" below
        ("kh", "h"),
        ("ph", "f"),
        ("ck", "k"),
        ("c(?!h)", "k"),
        ("q", "k"),
        ("x", "ks"),
        ("w", "v"),
        ("t[sz]|z", "s"),
        ("[jy]", "i"),
        (r"([a-z])\1+", r"\1"),
        ("ʒ", "zh"),
    )
)


def transliterate(key: str) -> str:
    """A name key with Cyrillic letters spelled in Latin ones; other scripts are kept."""
    if _UKRAINIAN.search(key):
        key = key.replace("г", "h")
    return key.translate(_CYRILLIC_TABLE)


@functools.lru_cache(maxsize=65536)
def sound_key(name: str) -> str:
    """A coarser key on which common romanisations of one name agree.

    "Zelensky", "Zelenskyy", "Zelenskiy", "Selenskyj", "Зеленський" and "Зеленский" all give
    "selenski". It is a fallback for when :func:`name_key` finds nothing, never a primary key:
    different people may share it, and the caller must then refuse to guess.
    """
    text = transliterate(name_key(name))
    for pattern, replacement in _SOUNDS:
        text = pattern.sub(replacement, text)
    return text
