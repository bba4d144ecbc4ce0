"""Lookup keys for names: how a user's spelling and a stored alias are made comparable."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})
# "%" and "_" stay in the key as ordinary characters: a name is never a pattern.
_NOT_KEY = re.compile(r"[^\w\s'%-]")
_SPACE = re.compile(r"[\s-]+")


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
