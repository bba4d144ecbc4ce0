"""Settings: read once from the environment and a ``.env`` file into one frozen object."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.sources.urls import InvalidUrl, check_url

DEFAULT_DATABASE_URL = "sqlite:///briefbot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str | None = Field(None, alias="TELEGRAM_API_URL")
    inbox: Path = Field(Path("inbox"), alias="BRIEFBOT_INBOX")
    ingest_interval: int = Field(300, alias="BRIEFBOT_INGEST_INTERVAL", ge=5)
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(frozenset(), alias="BRIEFBOT_ADMIN_IDS")
    digest_time: time = Field(time(8, 0), alias="BRIEFBOT_DIGEST_TIME")
    timezone: str = Field("UTC", alias="BRIEFBOT_TIMEZONE")
    # RSS/Atom feed addresses, and @FILE for a file of them (one a line, # comments).
    feeds: Annotated[tuple[str, ...], NoDecode] = Field((), alias="BRIEFBOT_FEEDS")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part for part in re.split(r"[\s,]+", value) if part]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("BRIEFBOT_ADMIN_IDS must be comma-separated Telegram user ids")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _read_feeds(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        urls: list[str] = []
        for word in (part for part in re.split(r"[\s,]+", value) if part):
            if word.startswith("@"):
                urls.extend(_feed_file(Path(word[1:]).expanduser()))
            else:
                urls.append(_feed_url(word, "BRIEFBOT_FEEDS"))
        return tuple(dict.fromkeys(urls))

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {value!r} (use a name like Europe/Kyiv)"
            ) from error
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


def _feed_url(word: str, where: str) -> str:
    try:
        return check_url(word)
    except InvalidUrl as error:
        raise ValueError(f"{where}: feed {word!r}: {error}") from error


def _feed_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise ValueError(f"cannot read the feed list {path}: {reason}") from error
    urls = []
    for number, line in enumerate(lines, start=1):
        word = line.split("#", 1)[0].strip()
        if word:
            urls.append(_feed_url(word, f"{path}, line {number}"))
    return urls
