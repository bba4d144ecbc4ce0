"""News-like articles for benchmarks: the BBC corpus, varied into as many distinct texts as
asked for (paragraphs rotated and a dateline added, so every fingerprint differs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

BBC = Path(__file__).resolve().parents[1] / "tests" / "data" / "bbc-news-summary" / "article"


def bbc_articles() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(BBC.glob("*/*.txt"))]


def news_like(count: int) -> Iterator[tuple[str, bytes]]:
    """``count`` distinct (name, bytes) articles built from the BBC corpus."""
    originals = bbc_articles()
    for number in range(count):
        headline, _, body = originals[number % len(originals)].partition("\n")
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        turn = (number // len(originals)) % max(len(paragraphs), 1)
        rotated = paragraphs[turn:] + paragraphs[:turn]
        text = f"{headline}\n\nLONDON, dispatch {number}.\n\n" + "\n\n".join(rotated)
        yield f"article-{number:05d}.txt", text.encode("utf-8")
