"""Shared test helpers: the project's gold data and its normalisation."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.evaluation.positions import normalise

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SEEDS = ROOT / "seeds" / "articles"


def seed_briefs() -> list[dict[str, object]]:
    return yaml.safe_load((DATA / "seed_briefs.yaml").read_text(encoding="utf-8"))


__all__ = ["DATA", "ROOT", "SEEDS", "normalise", "seed_briefs"]
