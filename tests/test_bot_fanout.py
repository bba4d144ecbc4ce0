"""Flood control: 300 subscribers get one digest each, at Telegram's pace, none twice.

The same measurement runs on its own: ``python -m benchmarks.fanout --subscribers 300``.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.fanout import measure


async def test_a_digest_reaches_300_subscribers_once_each_within_1_3x_of_the_30_per_second_floor(
    database_url: str, tmp_path: Path
) -> None:
    figures = await measure(300, database_url=database_url, workdir=tmp_path)
    print(f"\n{figures.report()}")
    assert figures.messages == 300
    assert figures.missing == 0
    assert figures.duplicates == 0
    assert figures.too_many_requests == 0
    assert figures.floor == 10.0
    assert figures.seconds <= 1.3 * figures.floor
