"""Dockerfile and docker-compose.yml, checked without Docker (it cannot run here).

The files are parsed and held against the code: every variable compose sets is a setting
the bot reads, the image installs the packages pyproject.toml declares, its command and
health check are real ``briefbot`` subcommands, and those commands are run here, as the
image runs them, against a real database and the Bot API fake.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot.cli import build_parser, cmd_health, cmd_run
from bot.config import Settings
from tests.conftest import TOKEN
from tests.fake_bot_api import FakeBotApi
from tests.helpers import ROOT
from tests.test_bot_restart import _environment, _wait

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SETTING_NAMES = {field.alias for field in Settings.model_fields.values()}


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _exec_form(arguments: str) -> list[str]:
    """The command of a CMD or HEALTHCHECK ... CMD instruction, which must be exec form."""
    command = json.loads(arguments[arguments.index("[") :])
    assert isinstance(command, list) and all(isinstance(part, str) for part in command)
    return command


def _image_command() -> list[str]:
    [(_keyword, arguments)] = [i for i in _dockerfile() if i[0] == "CMD"]
    assert not [i for i in _dockerfile() if i[0] == "ENTRYPOINT"]
    return _exec_form(arguments)


def _image_health_check() -> list[str]:
    [(_keyword, arguments)] = [i for i in _dockerfile() if i[0] == "HEALTHCHECK"]
    return _exec_form(arguments.split(" CMD ", 1)[1])


def _bot_service() -> dict:
    [bot] = [service for service in COMPOSE["services"].values() if "build" in service]
    return bot


def _console_script(command: list[str]) -> list[str]:
    """``briefbot ...`` as this environment runs it (the console script pyproject declares)."""
    assert command[0] == "briefbot"
    script = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert script["briefbot"] == "bot.cli:main"
    return [sys.executable, "-m", "bot", *command[1:]]


def test_every_variable_compose_gives_the_bot_is_a_setting_it_reads() -> None:
    bot = _bot_service()
    assert set(bot["environment"]) <= SETTING_NAMES
    image_env = {
        name
        for keyword, arguments in _dockerfile()
        if keyword == "ENV"
        for name, _value in (pair.split("=", 1) for pair in shlex.split(arguments))
        if name.startswith(("BRIEFBOT_", "TELEGRAM_", "DATABASE_"))
    }
    assert image_env <= SETTING_NAMES
    example = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = {line.split("=", 1)[0] for line in example if line and not line.startswith("#")}
    assert documented == SETTING_NAMES


def test_the_token_comes_from_env_and_the_database_and_inbox_are_volumes() -> None:
    bot = _bot_service()
    assert bot["env_file"] in (".env", [".env"])
    assert "TELEGRAM_BOT_TOKEN" not in bot["environment"]  # never in the compose file
    inbox = bot["environment"]["BRIEFBOT_INBOX"]
    assert [v for v in bot["volumes"] if v.split(":")[1] == inbox] == [f"./inbox:{inbox}"]

    database = make_url(bot["environment"]["DATABASE_URL"])
    server = COMPOSE["services"][database.host]
    assert database.get_backend_name() == "postgresql"
    assert server["environment"] == {
        "POSTGRES_USER": database.username,
        "POSTGRES_PASSWORD": database.password,
        "POSTGRES_DB": database.database,
    }
    [data] = [v for v in server["volumes"] if v.endswith(":/var/lib/postgresql/data")]
    assert data.split(":")[0] in COMPOSE["volumes"]  # a named volume: survives the container
    assert bot["depends_on"][database.host]["condition"] == "service_healthy"


def test_the_image_is_built_from_pyproject_with_every_package_it_declares() -> None:
    instructions = _dockerfile()
    copied = {
        source
        for keyword, arguments in instructions
        if keyword == "COPY"
        for source in arguments.split()[:-1]  # the last is the destination
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert {"pyproject.toml", project["project"]["readme"]} <= copied
    assert packages <= copied
    assert any(k == "RUN" and "pip install ." in arguments for k, arguments in instructions)


def test_the_image_command_and_health_check_are_real_briefbot_subcommands() -> None:
    parser = build_parser()
    assert parser.parse_args(_image_command()[1:]).handler is cmd_run
    assert parser.parse_args(_image_health_check()[1:]).handler is cmd_health
    assert _bot_service()["healthcheck"]["test"] == ["CMD", *_image_health_check()]


def test_the_health_check_passes_on_a_real_database_and_fails_without_one(
    database_url: str, tmp_path: Path
) -> None:
    command = _console_script(_image_health_check())
    healthy = subprocess.run(
        command,
        cwd=tmp_path,
        env=_environment(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (healthy.returncode, healthy.stdout.strip()) == (0, "ok"), healthy.stderr
    down = subprocess.run(
        command,
        cwd=tmp_path,
        env=_environment(DATABASE_URL="postgresql+psycopg://briefbot@127.0.0.1:1/briefbot"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 2 and "Traceback" not in down.stderr


def test_the_image_command_serves_with_the_compose_settings(
    database_url: str, tmp_path: Path
) -> None:
    """The compose settings, with the two that name places inside the container (the
    database host and the inbox mount) pointed at their counterparts here."""
    log = tmp_path / "bot.log"
    with FakeBotApi() as api:
        env = _environment(
            **{
                **_bot_service()["environment"],
                "DATABASE_URL": database_url,
                "BRIEFBOT_INBOX": str(tmp_path / "inbox"),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": api.base_url,
            }
        )
        with log.open("ab") as stream:
            bot = subprocess.Popen(
                _console_script(_image_command()),
                cwd=tmp_path,
                env=env,
                stdout=stream,
                stderr=subprocess.STDOUT,
            )
        try:
            api.wait_for_polling(timeout=60)
            _wait(lambda: "briefbot started" in log.read_text(errors="replace"), 30, "start")
            bot.send_signal(signal.SIGTERM)  # what `docker compose stop` sends
            assert bot.wait(timeout=20) == 0
        finally:
            if bot.poll() is None:
                bot.kill()
    assert os.path.isdir(tmp_path / "inbox")
    assert "Traceback" not in log.read_text(errors="replace")
