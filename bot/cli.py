"""The ``briefbot`` command: ingest, summarize, who, latest, evaluate, run."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import answers
from bot.config import Settings

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2
STANCE_LABELS = {
    "commit": "COMMITS",
    "conditional": "CONDITIONAL",
    "open": "OPEN TO",
    "refuse": "REFUSES",
    "demand": "DEMANDS",
}


class CommandError(Exception):
    """A problem the user can fix, reported as one line."""


def seed_articles() -> Path:
    return Path(str(resources.files("seeds").joinpath("articles")))


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise CommandError(f"invalid settings: {problems}") from error


def _open(settings: Settings) -> sessionmaker[Session]:
    from storage.db import open_database, reason_of, safe_url

    try:
        _engine, sessions = open_database(settings.database_url)
    except (SQLAlchemyError, OSError) as error:
        raise CommandError(
            f"cannot open database {safe_url(settings.database_url)}: {reason_of(error)}"
        ) from error
    return sessions


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when output is piped."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # Looked up per bar, not at import: sys.stderr may since have been replaced.
        self.stream = stream or sys.stderr
        self.active = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.active:
            return
        width = 30
        filled = width * done // max(total, 1)
        label = name if len(name) <= 40 else "…" + name[-39:]
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}",
            end="",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self.active:
            print("\r\033[K", end="", file=self.stream, flush=True)


def _is_address(argument: str) -> bool:
    return "://" in argument


def cmd_ingest(args: argparse.Namespace) -> int:
    from bot.pipeline.actors import Registry
    from bot.pipeline.ingest import DatabaseUnavailable, Ingestor, IngestReport
    from bot.sources.fetch import Fetcher
    from bot.sources.pages import ingest_url

    sessions = _open(_settings())
    urls = [argument for argument in args.paths if _is_address(argument)]
    paths = [Path(p) for p in args.paths if not _is_address(p)]
    if not args.paths:
        paths = [seed_articles()]
    progress = _ProgressBar()
    ingestor = Ingestor(sessions, Registry.load())
    report = IngestReport()
    if paths:
        report = ingestor.ingest_paths(paths, None if args.json else progress)
    progress.close()
    with Fetcher() as fetcher:
        for url in urls:
            if report.stopped:
                break
            try:
                report.results.append(ingest_url(ingestor, fetcher, url))
            except DatabaseUnavailable as error:
                report.stopped = str(error)
    if args.json:
        _print_json(report.to_json())
    else:
        for result in report.results:
            if result.status == "rejected":
                print(f"rejected {result.source}: {result.reason}", file=sys.stderr)
            elif _is_address(result.source):
                what = "stored" if result.status == "added" else f"{result.reason}:"
                print(f"{result.source}: {what} “{result.title}”")
        print(f"Ingested {report.summary_line()}.")
    if report.stopped:
        return EXIT_ERROR
    return EXIT_OK if report.ok else EXIT_PARTIAL


def cmd_summarize(args: argparse.Namespace) -> int:
    from bot.pipeline.actors import Registry
    from bot.pipeline.brief import clean_or_reject, title_and_summary
    from bot.pipeline.load import RejectedInput, read_file
    from bot.pipeline.summarize import ALGORITHMS

    if args.algorithm not in ALGORITHMS:
        raise CommandError(
            f"unknown algorithm {args.algorithm!r}; choose from {', '.join(ALGORITHMS)}"
        )
    if args.sentences < 1:
        raise CommandError("--sentences must be at least 1")
    registry = Registry.load()
    failed = 0
    for name in args.files:
        try:
            article = clean_or_reject(read_file(Path(name)))
        except RejectedInput as error:
            failed += 1
            print(f"rejected {name}: {error}", file=sys.stderr)
            continue
        title, summary = title_and_summary(article, args.sentences, args.algorithm, registry)
        if args.json:
            _print_json({"source": name, "title": title, "summary": summary})
        else:
            print(f"{title}\n  ({name})")
            for sentence in summary:
                print(f"  • {sentence}")
            print()
    return EXIT_PARTIAL if failed else EXIT_OK


def cmd_who(args: argparse.Namespace) -> int:
    name = " ".join(args.name).strip()
    if not name:
        raise CommandError("give a name, for example: briefbot who Trump")
    sessions = _open(_settings())
    with sessions.begin() as session:
        answer = answers.who(session, name)
    if args.json:
        _print_json(answer.to_json())
    elif answer.actor is None:
        hint = f" Did you mean: {', '.join(answer.suggestions)}?" if answer.suggestions else ""
        print(f"No actor called {name!r}.{hint}")
    else:
        _print_who(answer)
    return EXIT_OK if answer.actor else EXIT_PARTIAL


def _print_who(answer: answers.WhoAnswer) -> None:
    assert answer.actor is not None
    also = f" — also {', '.join(answer.actor.aliases[:8])}" if answer.actor.aliases else ""
    print(f"{answer.actor.name} ({answer.actor.kind}){also}")
    if not answer.positions:
        print("No positions recorded yet.")
        return
    print(f"{answer.total} position(s), newest first:\n")
    for position in answer.positions:
        flags = []
        if position.hedged:
            flags.append(
                "unconfirmed"
                + (f", reported by {position.reported_by}" if position.reported_by else "")
            )
        flag = f" ({'; '.join(flags)})" if flags else ""
        print(f"[{STANCE_LABELS[position.stance]}]{flag} {position.evidence}")
        print(
            f"    — {position.article.title} · {position.article.source} · {position.date:%Y-%m-%d}"
        )
        for change in position.changes:
            print(
                f"    ↺ changes an earlier position [{STANCE_LABELS[change.stance]}]: {change.evidence}"
            )
        print()


def cmd_latest(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CommandError("--limit must be at least 1")
    sessions = _open(_settings())
    with sessions.begin() as session:
        items = answers.latest(session, args.limit)
    if args.json:
        _print_json(answers.latest_json(items))
        return EXIT_OK
    if not items:
        print("No briefings yet: run `briefbot ingest` first.")
    for item in items:
        print(f"{item.title}\n  {item.source} · ingested {item.ingested_at:%Y-%m-%d %H:%M} UTC")
        for sentence in item.summary:
            print(f"  • {sentence}")
        if item.actors:
            print(f"  Actors: {', '.join(item.actors)}")
        print()
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.what == "summaries":
        from bot.evaluation import summaries

        return summaries.main([] if args.corpus is None else ["--corpus", args.corpus])
    from bot.evaluation import positions

    return positions.main(
        (["--json"] if args.json else [])
        + (["--details"] if args.details else [])
        + (["--sets", args.sets] if args.sets else [])
    )


def cmd_health(args: argparse.Namespace) -> int:
    """For container health checks: the database answers and the schema is current."""
    from storage.db import ping

    ping(_open(_settings()))
    print("ok")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run

    return run(_settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot", description="News briefings and who committed to what."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest", help="store article files or web pages (default: the seed articles)"
    )
    ingest.add_argument(
        "paths", nargs="*", metavar="PATH|URL", help="files, folders (recursive) or http(s) pages"
    )
    ingest.add_argument("--json", action="store_true", help="machine-readable report")
    ingest.set_defaults(handler=cmd_ingest)

    summarize = commands.add_parser("summarize", help="summarise files without storing them")
    summarize.add_argument("files", nargs="+", metavar="FILE")
    summarize.add_argument("--sentences", type=int, default=3)
    summarize.add_argument(
        "--algorithm", default=None, help="summariser (default: the best measured)"
    )
    summarize.add_argument("--json", action="store_true", help="one JSON object per line")
    summarize.set_defaults(handler=cmd_summarize)

    who = commands.add_parser("who", help="every position an actor took")
    who.add_argument("name", nargs="*", metavar="NAME")
    who.add_argument("--json", action="store_true")
    who.set_defaults(handler=cmd_who)

    latest = commands.add_parser("latest", help="the newest briefings")
    latest.add_argument("--limit", type=int, default=5)
    latest.add_argument("--json", action="store_true")
    latest.set_defaults(handler=cmd_latest)

    evaluate = commands.add_parser(
        "evaluate", help="measure summaries or positions against gold data"
    )
    evaluate.add_argument("what", choices=["summaries", "positions"])
    evaluate.add_argument("--corpus", default=None, help="BBC-style corpus folder (summaries)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--details", action="store_true", help="every miss and false hit")
    evaluate.add_argument(
        "--sets", default=None, help="comma-separated gold sets to score (positions; default all)"
    )
    evaluate.set_defaults(handler=cmd_evaluate)

    health = commands.add_parser("health", help="exit 0 when the database is reachable")
    health.set_defaults(handler=cmd_health)

    run = commands.add_parser("run", help="start the Telegram bot")
    run.set_defaults(handler=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if getattr(args, "algorithm", "") is None:
        from bot.pipeline.summarize import DEFAULT_ALGORITHM

        args.algorithm = DEFAULT_ALGORITHM
    try:
        return int(args.handler(args))
    except CommandError as error:
        print(f"briefbot: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("briefbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`briefbot who Trump | head`): stop quietly, and point stdout
        # at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PARTIAL
