"""The project's layering: no Telegram types below ``handlers/`` and ``bot/app.py``.

Tests and benchmarks may drive the real client; everything else talks to Telegram only
through what ``handlers/`` and ``bot/app.py`` hand it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAY_IMPORT_TELEGRAM = ("handlers", "bot/app.py", "tests", "benchmarks")


def telegram_imports(source: str) -> list[str]:
    """The ``telegram`` modules ``source`` imports, anywhere in it (also inside functions)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] == "telegram"]
    return found


def modules_below_the_telegram_layer() -> list[Path]:
    """The project's .py files outside ``MAY_IMPORT_TELEGRAM`` and hidden folders (.venv)."""
    below = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if any(part.startswith(".") or part == "build" for part in relative.parts):
            continue
        if any(
            relative == Path(allowed) or Path(allowed) in relative.parents
            for allowed in MAY_IMPORT_TELEGRAM
        ):
            continue
        below.append(relative)
    return below


def test_telegram_imports_are_found_in_every_form() -> None:
    source = """
import telegram
import os, telegram.ext as ext
from telegram.error import RetryAfter
from . import telegram_delivery
from telegramish import thing

def later():
    from telegram import Bot
"""
    assert sorted(telegram_imports(source)) == [
        "telegram",
        "telegram",
        "telegram.error",
        "telegram.ext",
    ]


def test_no_module_below_handlers_and_the_app_imports_telegram() -> None:
    modules = modules_below_the_telegram_layer()
    for expected in ("bot/delivery.py", "bot/jobs.py", "bot/cli.py", "storage/models.py"):
        assert Path(expected) in modules
    assert not any(path.parts[0] in ("handlers", "tests") for path in modules)
    offenders = {
        str(path): imports
        for path in modules
        if (imports := telegram_imports((ROOT / path).read_text(encoding="utf-8")))
    }
    assert offenders == {}
