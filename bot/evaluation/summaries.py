"""How good and how fast each summary algorithm is, on a corpus of reference summaries.

Run ``python -m bot.evaluation.summaries [--corpus DIR]`` (or ``briefbot evaluate summaries``).
The corpus holds ``article/<topic>/<name>.txt`` (first line the headline) with its reference
summary at ``summary/<topic>/<name>.txt``. Scores are ROUGE-1 and ROUGE-2 F1, averaged over
articles, for the whole corpus, the half that parameters were tuned on and the held-out half;
time is the cost of ranking and picking sentences from an already cleaned article, measured
for every algorithm on the same articles in the same run.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.pipeline.article import CleanArticle
from bot.pipeline.clean import clean_article
from bot.pipeline.summarize import ALGORITHMS, DEFAULT_ALGORITHM, summarize

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "bbc-news-summary"
TIMING_BASELINE = "lexrank"
# Parameters were tuned on the first half of each topic's articles (by file name).
TUNING_SHARE = 0.5

# As in the reference ROUGE toolkit: lower case, runs of ASCII letters and digits.
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Pair:
    """One article and the summary it is measured against."""

    name: str
    article: CleanArticle
    reference: str


@dataclass(frozen=True)
class Row:
    algorithm: str
    rouge1: float
    rouge2: float
    seconds_per_article: float


def load_corpus(corpus_dir: Path) -> list[Pair]:
    """Every article with a reference summary, cleaned as the bot would clean it."""
    pairs = []
    for article_path in sorted((corpus_dir / "article").glob("*/*.txt")):
        relative = article_path.relative_to(corpus_dir / "article")
        reference = (corpus_dir / "summary" / relative).read_text(encoding="utf-8")
        article = clean_article(article_path.read_text(encoding="utf-8"))
        pairs.append(Pair(relative.with_suffix("").as_posix(), article, reference))
    return pairs


def split_for_tuning(pairs: Sequence[Pair]) -> tuple[list[Pair], list[Pair]]:
    """(tuning, held out): the first half of each topic's articles, and the rest."""
    by_topic: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_topic.setdefault(pair.name.split("/")[0], []).append(pair)
    tuning, held_out = [], []
    for topic_pairs in by_topic.values():
        cut = round(len(topic_pairs) * TUNING_SHARE)
        tuning += topic_pairs[:cut]
        held_out += topic_pairs[cut:]
    return tuning, held_out


def _ngrams(text: str, n: int) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    return Counter(zip(*(tokens[start:] for start in range(n)), strict=False))


def rouge_f1(candidate: str, reference: str, n: int) -> float:
    """ROUGE-N F1: n-gram overlap with clipped counts."""
    candidate_ngrams, reference_ngrams = _ngrams(candidate, n), _ngrams(reference, n)
    overlap = sum((candidate_ngrams & reference_ngrams).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(candidate_ngrams.values())
    recall = overlap / sum(reference_ngrams.values())
    return 2 * precision * recall / (precision + recall)


def evaluate_pairs(pairs: Sequence[Pair], count: int = 3) -> list[Row]:
    """One row per algorithm, the default first.

    Algorithms take turns on each article, so a slow stretch of the machine hits all alike.
    """
    summaries: dict[str, list[str]] = {algorithm: [] for algorithm in ALGORITHMS}
    seconds = dict.fromkeys(ALGORITHMS, 0.0)
    for pair in pairs:
        for algorithm in ALGORITHMS:
            started = time.perf_counter()
            sentences = summarize(pair.article, count, algorithm)
            seconds[algorithm] += time.perf_counter() - started
            summaries[algorithm].append(" ".join(sentences))
    articles = max(len(pairs), 1)

    def mean_rouge(algorithm: str, n: int) -> float:
        references = (pair.reference for pair in pairs)
        scores = (
            rouge_f1(got, wanted, n)
            for got, wanted in zip(summaries[algorithm], references, strict=True)
        )
        return sum(scores) / articles

    return [
        Row(
            algorithm,
            mean_rouge(algorithm, 1),
            mean_rouge(algorithm, 2),
            seconds[algorithm] / articles,
        )
        for algorithm in ALGORITHMS
    ]


def evaluate(corpus_dir: Path, count: int = 3) -> list[Row]:
    return evaluate_pairs(load_corpus(corpus_dir), count)


def speed_ratio(rows: Sequence[Row]) -> float:
    """Time of the default over time of sumy's LexRank, from the same run."""
    seconds = {row.algorithm: row.seconds_per_article for row in rows}
    return seconds[DEFAULT_ALGORITHM] / seconds[TIMING_BASELINE]


def format_table(rows: Sequence[Row]) -> str:
    lines = [f"{'algorithm':<12}{'ROUGE-1 F1':>12}{'ROUGE-2 F1':>12}{'ms/article':>12}"]
    lines += [
        f"{row.algorithm:<12}{row.rouge1:>12.4f}{row.rouge2:>12.4f}"
        f"{row.seconds_per_article * 1000:>12.2f}"
        for row in rows
    ]
    lines.append(f"time {DEFAULT_ALGORITHM}/{TIMING_BASELINE}: {speed_ratio(rows):.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ROUGE and speed of each summary algorithm.")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=3, help="sentences per summary")
    args = parser.parse_args(argv)
    pairs = load_corpus(args.corpus)
    tuning, held_out = split_for_tuning(pairs)
    sections = [
        (f"all {len(pairs)} articles", pairs),
        (f"tuning half ({len(tuning)})", tuning),
        (f"held-out half ({len(held_out)})", held_out),
    ]
    for title, section_pairs in sections:
        print(f"{title}\n{format_table(evaluate_pairs(section_pairs, args.count))}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
