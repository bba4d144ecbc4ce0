"""Charts as PNG bytes: an actor's positions over time, and actors against stances.

Drawn with matplotlib's object API on an Agg canvas: no pyplot, so no global figure state
and no GUI backend. Rendering is CPU work: handlers call these functions in a worker thread.
Every image is exactly WIDTH x HEIGHT pixels, whatever it shows.
"""

from __future__ import annotations

import functools
import io
import textwrap
import threading
from collections.abc import Sequence
from datetime import timedelta

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D

from bot.answers import ArticleRef, Board, Position
from bot.render import ELLIPSIS, STANCES

WIDTH, HEIGHT, DPI = 1280, 720, 100
FONT = "DejaVu Sans"  # ships with matplotlib: Latin, Greek and Cyrillic, so no download
MIN_TIMELINE_POSITIONS = 2  # one position is a line of text, not a chart
TIMELINE_ARTICLES = 14  # the newest articles drawn; as many as the key beside the plot holds
TIMELINE_POSITIONS = 60  # positions asked for, enough to fill TIMELINE_ARTICLES
KEY_WIDTH = 52  # characters per line of an article title in the key
BOARD_ACTORS = 20
MARKER_AREA = 260  # points², about 23 px across: room for a two-digit number
MARKER_WIDTH = 0.045  # a marker's width as a share of the timeline's width
LANES = (0, 1, -1, 2, -2)  # where points that would overlap go, up or down their row
LANE_STEP = 0.22  # rows are 1 apart: two lanes either way stay inside the row
NAME_WIDTH = 32

# Okabe–Ito colours, told apart with any colour vision; each stance also has its own marker,
# a compact shape that holds the article's number.
STANCE_STYLE: dict[str, tuple[str, str]] = {
    "commit": ("#009E73", "o"),
    "conditional": ("#E69F00", "D"),
    "open": ("#56B4E9", "s"),
    "refuse": ("#D55E00", "h"),
    "demand": ("#CC79A7", "p"),
}
STANCE_ROWS = tuple(STANCES)  # one row per stance, in the order /who names them

# matplotlib's text layout caches are not documented as thread-safe: draw one at a time.
_DRAWING = threading.Lock()


def _stance_label(stance: str) -> str:
    return STANCES[stance][1]


@functools.cache
def _glyphs() -> frozenset[int]:
    return frozenset(FT2Font(font_manager.findfont(FONT)).get_charmap())


def drawable(text: str, width: int, lines: int = 1) -> str:
    """``text`` wrapped to at most ``lines`` lines of ``width`` characters, for matplotlib.

    Emoji and scripts the font cannot draw would appear as empty boxes (and warnings), so
    they are left out; a "$" is escaped, or a pair of them would start mathtext.
    """
    glyphs = _glyphs()
    kept = "".join(c if ord(c) in glyphs else " " for c in text)
    wrapped = textwrap.wrap(" ".join(kept.split()), width, max_lines=lines, placeholder=ELLIPSIS)
    return "\n".join(wrapped or [ELLIPSIS]).replace("$", r"\$")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _figure(title: str) -> Figure:
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    figure.set_facecolor("white")
    figure.suptitle(title, x=0.02, ha="left", fontsize=16, fontweight="bold")
    return figure


# --- an actor's positions over time -------------------------------------------------------


def timeline_articles(positions: Sequence[Position]) -> list[ArticleRef]:
    """The articles a timeline numbers, oldest first: the newest TIMELINE_ARTICLES of them."""
    newest_first = sorted(positions, key=lambda p: p.date, reverse=True)
    articles = list(dict.fromkeys(p.article for p in newest_first))[:TIMELINE_ARTICLES]
    return articles[::-1]


def timeline(actor: str, positions: Sequence[Position]) -> bytes:
    """PNG of ``positions``: date across, stance down, each point numbered by its article.

    The numbers refer to a key of article titles beside the plot, so titles never overlap
    however close the dates are.
    """
    articles = timeline_articles(positions)
    number = {article: n for n, article in enumerate(articles, start=1)}
    shown = [p for p in positions if p.article in number]
    with _DRAWING:
        figure = _figure(f"{drawable(actor, 60)}: positions over time")
        axes = figure.add_axes((0.11, 0.1, 0.5, 0.74))
        _plot_points(axes, shown, number)
        key = figure.add_axes((0.64, 0.04, 0.35, 0.8))
        key.set_axis_off()
        step = 1 / TIMELINE_ARTICLES
        for n, article in enumerate(reversed(articles)):
            title = drawable(article.title, KEY_WIDTH, 2).replace("\n", "\n      ")
            key.text(
                0,
                1 - n * step,
                f"{number[article]:>2}.  {title}",
                va="top",
                fontsize=9,
                linespacing=1.3,
                transform=key.transAxes,
            )
        return _png(figure)


def _lanes(xs: Sequence[float], gap: float) -> list[int]:
    """A lane for each point of a row (sorted by x), stacking points closer than ``gap``.

    When every lane near a point is taken it goes in the middle one, overlapping.
    """
    taken: dict[int, list[float]] = {}
    lanes = []
    for x in xs:
        lane = next(
            (n for n in LANES if all(abs(x - other) >= gap for other in taken.get(n, []))), 0
        )
        taken.setdefault(lane, []).append(x)
        lanes.append(lane)
    return lanes


def _plot_points(axes: Axes, shown: Sequence[Position], number: dict[ArticleRef, int]) -> None:
    dates = [p.date for p in shown]
    pad = max((max(dates) - min(dates)) * 0.08, timedelta(hours=12))
    left, right = date2num(min(dates) - pad), date2num(max(dates) + pad)
    axes.set_xlim(left, right)
    gap = (right - left) * MARKER_WIDTH
    for row, stance in enumerate(STANCE_ROWS):
        colour, marker = STANCE_STYLE[stance]
        # One point per article and stance, however many sentences said it.
        points = sorted(
            {(date2num(p.date), number[p.article], p.hedged) for p in shown if p.stance == stance}
        )
        lanes = _lanes([x for x, _, _ in points], gap)
        for (x, article, hedged), lane in zip(points, lanes, strict=True):
            y = row + lane * LANE_STEP
            axes.scatter(
                [x],
                [y],
                s=MARKER_AREA,
                marker=marker,
                facecolors="white" if hedged else colour,
                edgecolors=colour,
                linewidths=2,
                zorder=3,
            )
            axes.annotate(
                str(article),
                (x, y),
                ha="center",
                va="center",
                fontsize=8,
                fontweight="bold",
                color="#1a1a1a",
                zorder=4,
                annotation_clip=False,
            )
    locator = AutoDateLocator(maxticks=7)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.set_yticks(range(len(STANCE_ROWS)), [_stance_label(s) for s in STANCE_ROWS])
    for label, stance in zip(axes.get_yticklabels(), STANCE_ROWS, strict=True):
        label.set_color(STANCE_STYLE[stance][0])
        label.set_fontweight("bold")
    axes.set_ylim(len(STANCE_ROWS) - 0.5, -0.5)
    axes.grid(axis="y", color="#dddddd", zorder=0)
    axes.grid(axis="x", color="#f0f0f0", zorder=0)
    axes.set_xlabel("date published (or received)")
    axes.legend(
        handles=[
            Line2D([], [], linestyle="", marker=STANCE_STYLE[s][1], color=STANCE_STYLE[s][0],
                   markersize=10, label=_stance_label(s))
            for s in STANCE_ROWS
        ] + [
            Line2D([], [], linestyle="", marker="o", markerfacecolor="white",
                   markeredgecolor="#777777", markeredgewidth=2, markersize=10,
                   label="hollow: unconfirmed")
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncol=len(STANCE_ROWS) + 1,
        frameon=False,
        fontsize=9,
    )  # fmt: skip


# --- actors against stances ---------------------------------------------------------------


def board(data: Board) -> bytes:
    """PNG of a matrix: the most active actors down, stances across, counts in the cells."""
    rows = data.rows[:BOARD_ACTORS]
    matrix = [[counts.get(stance, 0) for stance in STANCE_ROWS] for _, counts in rows]
    peak = max(max(row) for row in matrix)
    with _DRAWING:
        days = f"{data.days} day{'s' if data.days != 1 else ''}"
        figure = _figure(f"Who took which position: the last {days}")
        axes = figure.add_axes((0.27, 0.05, 0.7, 0.8))
        axes.imshow(matrix, cmap="Blues", vmin=0, vmax=max(peak, 1), aspect="auto")
        for y, row in enumerate(matrix):
            for x, count in enumerate(row):
                axes.text(
                    x,
                    y,
                    str(count) if count else "·",
                    ha="center",
                    va="center",
                    fontsize=11 if len(rows) <= 12 else 9,
                    color="white" if count > peak * 0.6 else "#333333",
                )
        axes.xaxis.tick_top()
        axes.set_xticks(range(len(STANCE_ROWS)), [_stance_label(s) for s in STANCE_ROWS])
        for label, stance in zip(axes.get_xticklabels(), STANCE_ROWS, strict=True):
            label.set_color(STANCE_STYLE[stance][0])
            label.set_fontweight("bold")
        names = [f"{drawable(name, NAME_WIDTH)} ({sum(counts.values())})" for name, counts in rows]
        axes.set_yticks(range(len(rows)), names, fontsize=10 if len(rows) <= 12 else 8)
        axes.tick_params(length=0)
        return _png(figure)
