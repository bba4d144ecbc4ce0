"""Settings: read once from the environment and a ``.env`` file into one frozen object."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part for part in re.split(r"[\s,]+", value) if part]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("BRIEFBOT_ADMIN_IDS must be comma-separated Telegram user ids")
            return frozenset(int(part) for part in parts)
        return value

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
