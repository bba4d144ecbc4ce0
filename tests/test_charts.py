"""The charts themselves: real PNGs of the promised size, legible whatever the titles say."""

from __future__ import annotations

import io
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from bot import answers, charts, render
from bot.answers import ArticleRef, Board, Position
from tests.conftest import Articles, FoundActor, FoundStatement
from tests.fake_bot_api import parse_html, utf16_len

DAY = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
STANCES = list(render.STANCES)
HOSTILE_TITLES = [
    "Aid worth $5bn and $10bn: what $ means",  # pairs of "$" would start mathtext
    "Zelensky 🇺🇦 says ✅ deal is 🔥",
    "\u202eRTL override\u202c and عربى and עברית",
    "<b>not bold</b> & &amp; \\n \\textbf{x}",
    "W" * 3000,
    "",
]


def _position(n: int, stance: str, title: str, day: int) -> Position:
    moment = DAY + timedelta(days=day)
    return Position(
        stance, f"Evidence {n}.", False, None, ArticleRef(title, "x.txt", moment), moment
    )


def _size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        image.load()  # decodes every pixel: a truncated or corrupt PNG fails here
        assert image.format == "PNG"
        return image.size


def test_a_timeline_is_a_png_of_the_fixed_size() -> None:
    positions = [_position(n, STANCES[n % 5], f"Talks, day {n}", n) for n in range(5)]
    assert _size(charts.timeline("Volodymyr Zelensky", positions)) == (
        charts.WIDTH,
        charts.HEIGHT,
    )
    assert (charts.WIDTH, charts.HEIGHT) == (1280, 720)


def test_a_timeline_numbers_only_the_newest_articles_oldest_first() -> None:
    positions = [_position(n, STANCES[n % 5], f"Article {n}", n // 2) for n in range(40)]
    positions.reverse()  # as the database gives them: newest first
    articles = charts.timeline_articles(positions)
    assert len(articles) == charts.TIMELINE_ARTICLES
    assert articles[-1].title == "Article 39"
    assert [a.published for a in articles] == sorted(a.published for a in articles)
    assert _size(charts.timeline("Zelensky", positions)) == (1280, 720)


def test_one_article_with_several_stances_on_one_day_is_drawn() -> None:
    positions = [_position(n, stance, "One long day", 0) for n, stance in enumerate(STANCES)]
    positions.append(_position(9, "commit", "Another article, same day", 0))
    assert charts.timeline_articles(positions)[0].title in {
        "One long day",
        "Another article, same day",
    }
    assert _size(charts.timeline("Trump", positions)) == (1280, 720)


def test_points_that_would_overlap_are_stacked_in_lanes_and_distant_ones_stay_on_the_row() -> None:
    assert charts._lanes([0.0, 10.0, 20.0], gap=1.0) == [0, 0, 0]
    assert charts._lanes([0.0, 0.5, 0.9, 1.2, 1.3], gap=1.0) == [0, 1, -1, 0, 2]
    crowded = charts._lanes([0.0] * 7, gap=1.0)
    assert crowded[:5] == list(charts.LANES) and crowded[5:] == [0, 0]  # full: back to the row
    assert max(map(abs, charts.LANES)) * charts.LANE_STEP < 0.5  # lanes never leave the row


def test_unconfirmed_and_crowded_positions_render() -> None:
    positions = [
        Position(
            STANCES[n % 2],
            "Said.",
            n % 3 == 0,
            "Reuters",
            ArticleRef(f"Article {n}", "x.txt", DAY + timedelta(hours=n)),
            DAY + timedelta(hours=n),
        )
        for n in range(12)
    ]
    assert _size(charts.timeline("Keir Starmer", positions)) == (1280, 720)


def test_hostile_titles_and_names_still_render() -> None:
    positions = [_position(n, STANCES[n % 5], t, n) for n, t in enumerate(HOSTILE_TITLES)]
    assert _size(charts.timeline("$Putin$ 🙂 <i>", positions)) == (1280, 720)
    rows = [
        (title or "?", {"commit": n + 1, "refuse": n}) for n, title in enumerate(HOSTILE_TITLES)
    ]
    assert _size(charts.board(Board(7, DAY, rows))) == (1280, 720)


def test_drawable_text_is_wrapped_short_and_free_of_what_the_font_or_mathtext_would_break() -> None:
    assert charts.drawable("Price $5 and $6", 40) == r"Price \$5 and \$6"
    assert charts.drawable("Deal 🔥 done ✅", 40) == "Deal done"
    assert charts.drawable("Зеленський", 40) == "Зеленський"  # Cyrillic is in the font
    wrapped = charts.drawable("word " * 100, 20, 2)
    lines = wrapped.split("\n")
    assert len(lines) == 2 and all(len(line) <= 20 for line in lines)
    assert lines[-1].endswith(render.ELLIPSIS)
    assert charts.drawable("🙂", 10) == render.ELLIPSIS


def test_a_board_is_a_png_of_the_fixed_size_for_one_actor_or_many() -> None:
    one = Board(7, DAY, [("Donald Trump", {"demand": 1})])
    assert _size(charts.board(one)) == (1280, 720)
    many = Board(
        30,
        DAY,
        [(f"Actor {n}", {s: (n * k) % 4 for k, s in enumerate(STANCES)}) for n in range(40)],
    )
    assert _size(charts.board(many)) == (1280, 720)


def test_charts_use_no_pyplot_and_render_the_same_from_many_threads() -> None:
    positions = [_position(n, STANCES[n % 5], f"Talks, day {n}", n) for n in range(8)]
    alone = charts.timeline("Zelensky", positions)
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda _: charts.timeline("Zelensky", positions), range(4)))
    assert together == [alone] * 4
    assert "matplotlib.pyplot" not in sys.modules


# --- captions and texts -------------------------------------------------------------------


def _valid(html: str, limit: int) -> str:
    text, _entities = parse_html(html)
    assert utf16_len(text) <= utf16_len(html) <= limit
    return text


def test_captions_are_valid_html_within_the_caption_limit() -> None:
    huge = "<Zelensky & Co> 🇺🇦" * 200
    caption = _valid(render.who_chart_caption(huge, 14), render.MAX_CAPTION)
    assert caption.startswith("📈 <Zelensky & Co>")
    assert "newest 14 articles" in _valid(render.who_chart_caption("Trump", 14), 1024)
    assert "newest article." in _valid(render.who_chart_caption("Trump", 1), 1024)
    board = Board(7, DAY, [(huge, {"commit": 3}), ("Putin", {"refuse": 1, "demand": 2})])
    text = _valid(render.board_caption(board, 20), render.MAX_CAPTION)
    assert "since 1 Mar 2025: 6 positions by 2 actors" in text
    crowded = Board(7, DAY, [(f"A{n}", {"open": 1}) for n in range(25)])
    assert "the 20 most active shown" in _valid(render.board_caption(crowded, 20), 1024)
    assert "/board 365" in _valid(render.board_empty(1), 4096)
    assert "1 to 365" in _valid(render.BOARD_USAGE, 4096)
    assert "One position so far" in _valid(render.WHO_NO_CHART, 4096)


# --- the board's data ---------------------------------------------------------------------


def test_the_board_counts_stances_per_actor_within_the_period_most_active_first(
    sessions: sessionmaker[Session], articles: Articles
) -> None:
    now = datetime.now(UTC)
    trump, putin = FoundActor("Donald Trump"), FoundActor("Vladimir Putin")
    articles.add(
        "Recent",
        statements=[
            FoundStatement(trump, "demand", "Trump demands.", 0),
            FoundStatement(trump, "commit", "Trump commits.", 1),
            FoundStatement(putin, "refuse", "Putin refuses.", 2),
        ],
        published_at=now - timedelta(days=2),
    )
    articles.add(  # undated: counted by when it arrived, i.e. now
        "Undated", statements=[FoundStatement(trump, "demand", "Trump demands again.", 0)]
    )
    articles.add(
        "Old",
        statements=[FoundStatement(putin, "commit", "Putin commits.", 0)],
        published_at=now - timedelta(days=30),
    )
    with sessions.begin() as session:
        week = answers.board(session, 7)
        day = answers.board(session, 1)
        month = answers.board(session, 31)
    assert week.rows == [
        ("Donald Trump", {"demand": 2, "commit": 1}),
        ("Vladimir Putin", {"refuse": 1}),
    ]
    assert week.positions == 4 and week.days == 7
    assert day.rows == [("Donald Trump", {"demand": 1})]
    assert dict(month.rows)["Vladimir Putin"] == {"refuse": 1, "commit": 1}
