"""Chart rendering time and size: the CPU work /who and /board hand to a worker thread.

Times ``bot.charts.timeline`` (a full chart: TIMELINE_ARTICLES numbered articles from
TIMELINE_POSITIONS positions) and ``bot.charts.board`` (BOARD_ACTORS actors x 5 stances),
after one warm-up render each. Run: ``python -m benchmarks.charts --rounds 30``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot import charts
from bot.answers import ArticleRef, Board, Position
from bot.render import STANCES

START = datetime(2025, 1, 1, tzinfo=UTC)


def _positions() -> list[Position]:
    stances = list(STANCES)
    positions = []
    for n in range(charts.TIMELINE_POSITIONS):
        moment = START + timedelta(hours=11 * n)
        title = f"Article {n // 4}: leaders meet in Geneva as talks on the peace plan resume"
        article = ArticleRef(title, "inbox/x.txt", moment)
        positions.append(Position(stances[n % 5], "Evidence.", False, None, article, moment))
    return positions[::-1]


def _board() -> Board:
    rows = [
        (f"Actor number {n}", {s: (n * k + 1) % 7 for k, s in enumerate(STANCES)})
        for n in range(charts.BOARD_ACTORS)
    ]
    return Board(7, START, rows)


def measure(render: Callable[[], bytes], rounds: int) -> tuple[float, float, int]:
    size = len(render())  # warm-up: fonts and caches
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        render()
        timings.append(1000 * (time.perf_counter() - started))
    timings.sort()
    return statistics.median(timings), timings[max(0, int(0.95 * len(timings)) - 1)], size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    positions, board = _positions(), _board()
    for name, render in (
        ("timeline", lambda: charts.timeline("Volodymyr Zelensky", positions)),
        ("board", lambda: charts.board(board)),
    ):
        p50, p95, size = measure(render, args.rounds)
        print(
            f"{name:>8}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"{charts.WIDTH}x{charts.HEIGHT} PNG {size / 1024:.0f} KiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
